"""proofshot show: one snapshot's targets and tables (rows in --json)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from proofshot.cli.common import JsonOpt, StoreOpt, open_store, out, short
from proofshot.store.embedded import Store
from proofshot.store.tree import iter_rows


def snapshot_json(st: Store, sid: str, table: str | None = None) -> dict[str, Any]:
    body = st.manifest(sid)
    targets = []
    for t in body["targets"]:
        tables = {}
        for name, tab in sorted(t["tables"].items()):
            if table and name != table:
                continue
            tables[name] = [json.loads(r) for r in iter_rows(st.get, tab["root"])]
        targets.append({
            "name": t["name"], "type": t["type"], "status": t["status"], "reason": t["reason"],
            "facts": t.get("facts", {}), "tables": tables,
            "unverifiable": t.get("unverifiable", {}),
        })
    return {"id": sid, "label": body.get("label", ""), "created": body.get("created"),
            "seq": body.get("seq"), "targets": targets}


def show(
    snapshot: Annotated[str, typer.Argument(help="Id, id prefix, label, latest or previous.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    table: Annotated[str | None, typer.Option(help="Only this table.")] = None,
) -> None:
    """Show a snapshot: per target its status and tables; --json prints every row."""
    st = open_store(store)
    sid = st.resolve(snapshot)
    if as_json:
        print(json.dumps(snapshot_json(st, sid, table), ensure_ascii=False))
        return
    body = st.manifest(sid)
    out.print(f"[bold]snapshot {short(sid)}[/bold] #{body['seq']} label={body.get('label')!r} "
              f"created {body['created']} by {body.get('technician')}@{body.get('host')}")
    for t in body["targets"]:
        out.print(f"\n[bold]{escape(t['name'])}[/bold] ({t['type']}): {t['status']} "
                  f"{escape(t.get('reason', ''))}")
        rt = RichTable(show_edge=False, header_style="bold")
        for c in ("table", "rows", "hash", "note"):
            rt.add_column(c)
        for name, tab in sorted(t["tables"].items()):
            if table and name != table:
                continue
            rt.add_row(name, str(tab["rows"]), tab["root"][:12], escape(tab.get("note", "")))
        for name, u in sorted(t.get("unverifiable", {}).items()):
            rt.add_row(name, "-", "-", f"[yellow]{u['status']}[/yellow]: {escape(u['reason'])}")
        out.print(rt)
