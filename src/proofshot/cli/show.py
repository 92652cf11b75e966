"""proofshot show: one snapshot's targets and tables (rows in --json)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from proofshot import service
from proofshot.cli.common import JsonOpt, StoreOpt, open_store, out, short


def show(
    snapshot: Annotated[str, typer.Argument(help="Id, id prefix, label, latest or previous.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    table: Annotated[str | None, typer.Option(help="Only this table.")] = None,
) -> None:
    """Show a snapshot: per target its status and tables; --json prints every row."""
    st = open_store(store)
    shown = service.show(st, snapshot, table, rows=as_json)
    if as_json:
        print(json.dumps(shown.to_json(), ensure_ascii=False))
        return
    snap = shown.snapshot
    assert snap is not None
    m = snap.manifest
    out.print(f"[bold]snapshot {short(snap.id)}[/bold] #{m.seq} label={m.label!r} "
              f"created {m.created} by {m.technician}@{m.host}")
    for t in m.targets:
        out.print(f"\n[bold]{escape(t.name)}[/bold] ({t.type}): {t.status} "
                  f"{escape(t.reason)}")
        rt = RichTable(show_edge=False, header_style="bold")
        for c in ("table", "rows", "hash", "note"):
            rt.add_column(c)
        for name, tab in sorted(t.tables.items()):
            if table and name != table:
                continue
            rt.add_row(name, str(tab.rows), tab.root[:12], escape(tab.note))
        for name, u in sorted(t.unverifiable.items()):
            rt.add_row(name, "-", "-", f"[yellow]{u.status}[/yellow]: {escape(u.reason)}")
        out.print(rt)
