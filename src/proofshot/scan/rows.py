"""A validated row as it is stored: canonical key and row bytes, sensitive columns keyed-hashed.

Text needs no masking here: rows are parsed from answers that were masked already.

Rows are encoded with `canonical_plain` (msgspec) when their floats are ones it writes exactly
as the json reference does: the columns that may hold floats (real, list) are worked out once
per table, so a row costs a range check per such column on top of two C-level encodes. Any
other row takes `canonical`. Same bytes either way (tests/model/test_canonical.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import isfinite
from operator import itemgetter
from typing import Any

from proofshot.model.canonical import (
    PLAIN_MAX,
    PLAIN_MIN,
    canonical,
    canonical_plain,
    plain_encoder,
    plain_float,
)
from proofshot.model.table import Row, Table

Hasher = Callable[[str], str]

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


def row_pair(table: Table, row: Row, keyed_hash: Hasher) -> tuple[bytes, bytes]:
    _, key, reals, lists, sensitive = _plan(table)
    r = row
    if sensitive:
        r = dict(row)
        for c in sensitive:
            if r.get(c) is not None:
                r[c] = keyed_hash(r[c] if isinstance(r[c], str) else canonical(r[c]).decode())
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


def row_pairs(table: Table, rows: Sequence[Row], keyed_hash: Hasher) -> list[tuple[bytes, bytes]]:
    """`row_pair` of each row, in order: the same bytes. For a table without sensitive or list
    columns whose real columns hold only floats plain_float passes (checked for the whole
    batch at once: finite, 1e-4 <= |x| < 1e16), the plan is looked up once and the rows go
    through msgspec in C-level maps; any other batch takes row_pair row by row."""
    _, key, reals, lists, sensitive = _plan(table)
    enc = plain_encoder()
    if sensitive or lists or enc is None or not all(_plain_batch(rows, c) for c in reals):
        return [row_pair(table, r, keyed_hash) for r in rows]
    try:
        if len(key) == 1:
            keys = [enc([k]) for k in map(itemgetter(key[0]), rows)]
        else:
            keys = [enc(list(k)) for k in map(itemgetter(*key), rows)]
        return list(zip(keys, map(enc, rows), strict=True))
    except TypeError:  # what msgspec does not take (a non-str key, an unknown type)
        return [row_pair(table, r, keyed_hash) for r in rows]


def _plain_batch(rows: Sequence[Row], column: str) -> bool:
    """Every float in this column of the rows is one canonical_plain writes exactly; False
    also when a zero is among them (then row_pair decides per row)."""
    floats = [v for v in map(_getter(column), rows) if isinstance(v, float)]
    return not floats or (all(map(isfinite, floats)) and max(map(abs, floats)) < PLAIN_MAX
                          and min(map(abs, floats)) >= PLAIN_MIN)


def _getter(column: str) -> Callable[[Row], Any]:
    return lambda r: r.get(column)
