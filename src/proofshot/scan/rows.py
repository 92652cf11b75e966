"""A validated row as it is stored: canonical key and row bytes, sensitive columns keyed-hashed.

Text needs no masking here: rows are parsed from answers that were masked already.

Rows are encoded with `canonical_plain` (msgspec) when their floats are ones it writes exactly
as the json reference does: the columns that may hold floats (real, list) are worked out once
per table, so a row costs a range check per such column on top of two C-level encodes. Any
other row takes `canonical`. Same bytes either way (tests/model/test_canonical.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from proofshot.model.canonical import canonical, canonical_plain, plain_float
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
