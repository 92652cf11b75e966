"""proofshot show: one snapshot's targets and tables (rows in --json)."""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from proofshot import service
from proofshot.cli.common import JsonOpt, StoreOpt, open_store, out, short
from proofshot.model import hashmode
from proofshot.model.errors import BadInput
from proofshot.model.snapshot import Manifest

RICH_ROWS = 1000  # a table up to this long is laid out as one Rich table
BLOCK = 500  # a longer one is printed as aligned text, BLOCK rows at a time, as it is read


def show(
    snapshot: Annotated[str, typer.Argument(help="Id, id prefix, label, latest or previous.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    table: Annotated[str | None, typer.Option(help="Print this table's rows (per target).")
                     ] = None,
) -> None:
    """Show a snapshot: per target its status and tables; --table T prints that table's rows,
    --json prints every row."""
    st = open_store(store)
    shown = service.show(st, snapshot, table, rows=as_json or table is not None, stream=True)
    snap = shown.snapshot
    assert snap is not None
    if table is not None:
        _check_table(snap.manifest, table)
    if as_json:  # streamed: a row at a time, the same text as json.dumps of the whole object
        write = sys.stdout.write
        for piece in shown.iter_json():
            write(piece)
        write("\n")
        return
    if table is not None:
        _print_rows(shown, table)
        return
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
            rec = hashmode.record_of(tab.extra)
            note = "; ".join(x for x in (tab.note, hashmode.describe(rec) if rec else "") if x)
            rt.add_row(name, str(tab.rows), tab.root[:12], escape(note))
        for name, u in sorted(t.unverifiable.items()):
            rt.add_row(name, "-", "-", f"[yellow]{u.status}[/yellow]: {escape(u.reason)}")
        out.print(rt)


def _check_table(m: Manifest, table: str) -> None:
    """An unknown table is bad input (exit 2); a declared one this snapshot lacks is not."""
    from proofshot.scan.catalog import all_tables

    known = {t.name for t in all_tables()} | {
        n for t in m.targets for n in (*t.tables, *t.unverifiable)}
    if table not in known:
        near = difflib.get_close_matches(table, sorted(known), n=1)
        raise BadInput(f"--table {table}: no such table"
                       + (f" (did you mean '{near[0]}'?)" if near else "")
                       + "; 'proofshot tables' lists them")


def _print_rows(shown: service.Shown, table: str) -> None:
    for t in shown.targets:
        rows = t.tables.get(table)
        u = t.unverifiable.get(table)
        if rows is None:
            if u:
                out.print(f"[bold]{escape(t.name)}[/bold] / {table}: not read "
                          f"({u.status}: {escape(u.reason)})")
            continue
        out.print(f"[bold]{escape(t.name)}[/bold] / {table}: {len(rows)} rows")
        if len(rows) <= RICH_ROWS:
            _rich_rows(rows)
        else:
            _plain_rows(rows)


def _rich_rows(rows: Sequence[dict[str, Any]]) -> None:
    cols = list(next(iter(rows), {}))
    rt = RichTable(show_edge=False, header_style="bold")
    for c in cols:
        rt.add_column(c, overflow="fold")
    for r in rows:
        rt.add_row(*(escape(_cell(r.get(c))) for c in cols))
    out.print(rt)


def _plain_rows(rows: Sequence[dict[str, Any]]) -> None:
    """A long table as aligned text, printed in blocks of BLOCK rows as it is read from the
    store (a Rich table of a million rows is held whole and takes minutes to lay out)."""
    cols: list[str] = []
    block: list[list[str]] = []

    def flush(header: bool) -> None:
        cells = ([cols] if header else []) + block
        widths = [max(len(r[i]) for r in cells) for i in range(len(cols))]
        lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
                 for r in cells]
        if header:
            out.print(f"[bold]{escape(lines[0])}[/bold]")
            lines = lines[1:]
        out.out("\n".join(lines), highlight=False)

    first = True
    for r in rows:
        if not cols:
            cols = list(r)
        block.append([_cell(r.get(c)).replace("\n", " ") for c in cols])
        if len(block) >= BLOCK:
            flush(first)
            first, block = False, []
    if block:
        flush(first)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v if len(v) <= 200 else v[:197] + "..."
    return json.dumps(v, ensure_ascii=False)
