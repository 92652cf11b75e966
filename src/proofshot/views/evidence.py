"""Evidence: which rows of which table of which target a view's statement rests on.

A row is named by its table's key columns (from the declarations), so it can be found again
with `proofshot show` and re-derived from the raw answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from proofshot.collectors.linux.tables import TABLES as LINUX_TABLES
from proofshot.collectors.snmp.tables import TABLES as SNMP_TABLES
from proofshot.collectors.windows.tables import TABLES as WINDOWS_TABLES
from proofshot.model.table import Table

DECLARED: dict[str, Table] = {t.name: t for t in (*LINUX_TABLES, *SNMP_TABLES, *WINDOWS_TABLES)}


def row_key(table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    decl = DECLARED.get(table)
    if decl is None:
        return dict(row)
    return {k: row.get(k) for k in decl.key}


def evidence(target: str, table: str, row: Mapping[str, Any], *,
             with_row: bool = False) -> dict[str, Any]:
    """{"target", "table", "key"} (+ "row" without long text columns when `with_row`)."""
    out: dict[str, Any] = {"target": target, "table": table, "key": row_key(table, row)}
    if with_row:
        decl = DECLARED.get(table)
        long = {c.name for c in decl.columns if c.lines} if decl else set()
        out["row"] = {k: v for k, v in row.items() if k not in long}
    return out
