"""A validated row as it is stored: canonical key and row bytes, sensitive columns keyed-hashed.

Text needs no masking here: rows are parsed from answers that were masked already.

Rows are encoded with `canonical_plain` (msgspec) when their floats are ones it writes exactly
as the json reference does: the columns that may hold floats (real, list) are worked out once
per table, so a row costs a range check per such column on top of two C-level encodes. Any
other row takes `canonical`. Same bytes either way (tests/model/test_canonical.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from itertools import chain
from operator import itemgetter
from typing import Any

from proofshot.model.canonical import PLAIN_MAX, PLAIN_MIN, canonical, canonical_plain, plain_float
from proofshot.model.table import Row, Table

Hasher = Callable[[str], str]
Pair = tuple[bytes, bytes]

try:
    import msgspec

    _lines: Callable[[Any], bytes] | None = msgspec.json.Encoder(order="sorted").encode_lines
except ImportError:  # pragma: no cover - msgspec is a dependency; row_pair alone is exact
    _lines = None

# id(table) -> (table, key columns, real columns, list columns, sensitive columns)
_Plan = tuple[Table, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]
_PLANS: dict[int, _Plan] = {}


def _plan(table: Table) -> _Plan:
    plan = _PLANS.get(id(table))
    if plan is None or plan[0] is not table:
        plan = (table, tuple(table.key),
                tuple(c.name for c in table.columns if c.type == "real"),
                tuple(c.name for c in table.columns if c.type == "list"),
                tuple(sorted(table.sensitive)))
        _PLANS[id(table)] = plan
    return plan


def plain_floats(value: Any) -> bool:
    """Every float inside (lists and dicts walked) is one canonical_plain writes exactly."""
    if isinstance(value, float):
        return plain_float(value)
    if isinstance(value, list):
        return all(plain_floats(v) for v in value)
    if isinstance(value, dict):
        return all(plain_floats(v) for v in value.values())
    return True


def _hashed(row: Row, sensitive: tuple[str, ...], keyed_hash: Hasher) -> Row:
    r = dict(row)
    for c in sensitive:
        if r.get(c) is not None:
            r[c] = keyed_hash(r[c] if isinstance(r[c], str) else canonical(r[c]).decode())
    return r


def row_pair(table: Table, row: Row, keyed_hash: Hasher) -> tuple[bytes, bytes]:
    _, key, reals, lists, sensitive = _plan(table)
    r = _hashed(row, sensitive, keyed_hash) if sensitive else row
    enc = canonical_plain
    for c in reals:
        v = r.get(c)
        if isinstance(v, float) and not plain_float(v):
            enc = canonical
            break
    else:
        for c in lists:
            v = r.get(c)
            if v and not plain_floats(v):
                enc = canonical
                break
    return enc([r[k] for k in key]), enc(r)


def table_pairs(table: Table, rows: Sequence[Row], keyed_hash: Hasher) -> list[Pair]:
    """`row_pair` of every row, sorted by key (stable: equal keys keep their order), in bulk:
    the keys and the rows are each encoded in one C-level call (msgspec's encode_lines writes
    the canonical_plain bytes of each value, one per line; canonical JSON has no raw newline,
    so a split gives them back). When a float in the table is one canonical_plain would not
    write exactly, msgspec refuses a value, or msgspec is missing: row by row. Same bytes and
    order either way (tests/scan/test_rows.py)."""
    _, key, reals, lists, sensitive = _plan(table)
    out: list[Pair] | None = None
    if _lines is not None and rows:
        stored = [_hashed(r, sensitive, keyed_hash) for r in rows] if sensitive else rows
        if _plain_columns(stored, reals, lists):
            out = _bulk(stored, key, _lines)
    if out is None:
        out = [row_pair(table, row, keyed_hash) for row in rows]
    out.sort(key=itemgetter(0))
    return out


def _bulk(rows: Sequence[Row], key: tuple[str, ...],
          lines: Callable[[Any], bytes]) -> list[Pair] | None:
    try:
        if len(key) > 1:
            keys = lines(list(map(itemgetter(*key), rows)))  # tuples: JSON arrays
        else:  # one value per line, each then put in brackets: "[v1]\n[v2]\n"
            keys = b"[" + lines(list(map(itemgetter(key[0]), rows))).replace(b"\n", b"]\n[")
        body = lines(rows)
    except (TypeError, KeyError):  # a non-str dict key, a type msgspec does not know
        return None
    ks, rs = keys.split(b"\n"), body.split(b"\n")
    ks.pop()  # after the last line's b"\n" (b"" or, for one key column, b"[")
    rs.pop()
    if not len(ks) == len(rs) == len(rows):
        return None
    return list(zip(ks, rs, strict=True))


def _plain_columns(rows: Sequence[Row], reals: tuple[str, ...], lists: tuple[str, ...]) -> bool:
    """Every float in the columns that may hold one is one canonical_plain writes exactly."""
    for c in reals:
        if not _plain_reals([v for v in _column(rows, c) if isinstance(v, float)]):
            return False
    for c in lists:
        items = list(chain.from_iterable(filter(None, _column(rows, c))))
        if not _plain_reals([x for x in items if isinstance(x, float)]) or not all(
                map(plain_floats, [x for x in items if isinstance(x, (list, dict))])):
            return False
    return True


def _column(rows: Sequence[Row], c: str) -> list[Any]:
    try:
        return list(map(itemgetter(c), rows))
    except KeyError:  # a row without the column: None, as row_pair reads it
        return [r.get(c) for r in rows]


def _plain_reals(floats: list[float]) -> bool:
    """`all(map(plain_float, floats))` at C speed: a NaN or an infinity shows in the sum (then
    each is checked), the others by their smallest non-zero and largest magnitude."""
    if not floats:
        return True
    total = sum(floats)
    if total != total or total in (math.inf, -math.inf):
        return all(map(plain_float, floats))
    mags = set(map(abs, floats))
    mags.discard(0.0)
    return not mags or (min(mags) >= PLAIN_MIN and max(mags) < PLAIN_MAX)
