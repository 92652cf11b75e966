"""A validated row as it is stored: canonical key and row bytes, sensitive columns keyed-hashed.

Text needs no masking here: rows are parsed from answers that were masked already.
"""

from __future__ import annotations

from collections.abc import Callable

from proofshot.model.canonical import canonical
from proofshot.model.table import Row, Table

Hasher = Callable[[str], str]


def row_pair(table: Table, row: Row, keyed_hash: Hasher) -> tuple[bytes, bytes]:
    r = row
    if table.sensitive:
        r = dict(row)
        for c in table.sensitive:
            if r.get(c) is not None:
                r[c] = keyed_hash(r[c] if isinstance(r[c], str) else canonical(r[c]).decode())
    return canonical([r[k] for k in table.key]), canonical(r)
