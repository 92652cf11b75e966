"""Evidence: which rows of which table of which target a view's statement rests on.

A row is named by its table's key columns (from the declarations), so it can be found again
with `proofshot show` and re-derived from the raw answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from proofshot.model.table import Table
from proofshot.scan.catalog import all_tables


@cache
def declared() -> dict[str, Table]:
    """Every table of every collector plugin (a plugin's rows are named by its own keys)."""
    return {t.name: t for t in all_tables()}


def row_key(table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    decl = declared().get(table)
    if decl is None:
        return dict(row)
    return {k: row.get(k) for k in decl.key}


def evidence(target: str, table: str, row: Mapping[str, Any], *,
             with_row: bool = False) -> dict[str, Any]:
    """{"target", "table", "key"} (+ "row" without long text columns when `with_row`)."""
    out: dict[str, Any] = {"target": target, "table": table, "key": row_key(table, row)}
    if with_row:
        decl = declared().get(table)
        long = {c.name for c in decl.columns if c.lines} if decl else set()
        out["row"] = {k: v for k, v in row.items() if k not in long}
    return out
