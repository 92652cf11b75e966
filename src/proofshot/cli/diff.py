"""proofshot diff: what changed between two snapshots; --json prints the contract."""

from __future__ import annotations

import json
from collections import Counter
from typing import Annotated, Any

import typer
from rich.markup import escape

from proofshot import service
from proofshot.cli.common import JsonOpt, StoreOpt, open_store, out, short
from proofshot.diff.model import Change, DiffResult


def _fmt(v: Any) -> str:
    """Collected data shown safely: never read as Rich markup, long values cut."""
    s = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v
    return escape(s if len(s) <= 80 else s[:77] + "...")


def _key(c: Change) -> str:
    return ", ".join(f"{_fmt(v)}" for v in c.key.values())


def _values(c: Change) -> str:
    """A few values of an added or removed row, so a person sees what it was."""
    row = c.after if c.kind == "added" else c.before
    shown = [f"{k}={_fmt(v)}" for k, v in (row or {}).items()
             if k not in c.key and v not in (None, "", [], {})][:5]
    return f"  [dim]{' '.join(shown)}[/dim]" if shown else ""


def render(res: DiffResult, show_volatile: bool) -> None:
    out.print(f"[bold]diff {short(res.from_id)} -> {short(res.to_id)}[/bold]")
    if not res.changes:
        out.print("[green]no changes[/green]")
    last: tuple[str, str] | None = None
    for c in res.changes:
        if (c.target, c.table) != last:
            last = (c.target, c.table)
            out.print(f"\n[bold]{escape(c.target)}[/bold] / {c.table}")
        if c.kind == "added":
            out.print(f"  [green]+ {_key(c)}[/green]{_values(c)}")
        elif c.kind == "removed":
            out.print(f"  [red]- {_key(c)}[/red]{_values(c)}")
        else:
            out.print(f"  [yellow]~ {_key(c)}[/yellow]")
            for col in c.columns:
                if col in c.diff:
                    for line in c.diff[col][2:]:
                        style = "green" if line.startswith("+") else (
                            "red" if line.startswith("-") else "dim")
                        out.print(f"      [{style}]{escape(line)}[/{style}]")
                else:
                    b = (c.before or {}).get(col)
                    a = (c.after or {}).get(col)
                    out.print(f"      {col}: {_fmt(b)} -> {_fmt(a)}")
    if res.unverifiable:
        out.print("\n[bold yellow]unverifiable[/bold yellow] (not observed; never counted as "
                  "removed)")
        for u in res.unverifiable:
            out.print(f"  {escape(u.target)}{' / ' + u.table if u.table else ''}: "
                      f"{escape(u.reason)}")
    per_target = Counter(u.target for u in res.unchanged)
    rows = sum(u.rows for u in res.unchanged)
    out.print(f"\n[bold]verified unchanged[/bold]: {len(res.unchanged)} tables, {rows} rows "
              f"across {len(per_target)} targets")
    if res.volatile:
        out.print(f"[dim]volatile movements: {len(res.volatile)} rows (uptime, counters, free "
                  f"space; not changes){'' if show_volatile else ' - show with --volatile'}[/dim]")
        if show_volatile:
            for v in res.volatile:
                moves = v.kind if v.kind != "moved" else ", ".join(
                    f"{c}: {_fmt(v.before.get(c))} -> {_fmt(v.after.get(c))}" for c in v.columns)
                out.print(f"  [dim]{v.target} / {v.table} {_fmt(list(v.key.values()))}: "
                          f"{moves}[/dim]")


def _edge(e: dict[str, Any]) -> str:
    port = f" {e['proto']}/{e['port']}" if e.get("port") is not None else ""
    return f"{e['kind']}: {e['from']} -> {e['to']}{port}"


def render_views(views: dict[str, Any]) -> None:
    p, f = views["paths"], views["findings"]
    out.print("\n[bold]paths[/bold]")
    if not any(p[k] for k in ("new_edges", "lost_edges", "newly_exposed", "blocked")):
        out.print("  [green]no path changes[/green]")
    for e in p["newly_exposed"]:
        out.print(f"  [yellow]! newly exposed {escape(_edge(e))}[/yellow]")
    for e in p["blocked"]:
        users = ", ".join(e.get("used_before_by", []))
        out.print(f"  [red]! now blocked by the host firewall {escape(_edge(e))}"
                  f"{' (used before by ' + escape(users) + ')' if users else ''}[/red]")
    for e in p["new_edges"]:
        out.print(f"  [green]+ {escape(_edge(e))}[/green]")
    for e in p["lost_edges"]:
        out.print(f"  [red]- {escape(_edge(e))}[/red]")
    if p["unverifiable"]:
        out.print(f"  [yellow]{len(p['unverifiable'])} edges unverifiable (a side not read)"
                  "[/yellow]")
    out.print(f"\n[bold]findings[/bold]: {len(f['appeared'])} appeared, "
              f"{len(f['disappeared'])} disappeared, {f['unchanged']} unchanged")
    for x in f["appeared"]:
        out.print(f"  [red]+ {x['severity']} {escape(x['target'])}: {escape(x['title'])}: "
                  f"{escape(x['subject'])}[/red]")
    for x in f["disappeared"]:
        out.print(f"  [green]- {x['severity']} {escape(x['target'])}: {escape(x['title'])}: "
                  f"{escape(x['subject'])}[/green]")
    for x in f["unverifiable"]:
        out.print(f"  [yellow]? {escape(x['target'])}: {escape(x['title'])}: "
                  f"{escape(x['subject'])} (a side not read)[/yellow]")


def diff(
    a: Annotated[str, typer.Argument(help="From: id, prefix, label, latest, previous.")],
    b: Annotated[str, typer.Argument(help="To: id, prefix, label, latest, previous.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    volatile: Annotated[bool, typer.Option("--volatile", help="List volatile movements.")] = False,
) -> None:
    """Show what changed between two snapshots, what could not be verified, and what was
    verified unchanged."""
    st = open_store(store)
    cmp = service.compare(st, a, b, job=False)
    res = cmp.diff
    assert cmp.views is not None
    views = cmp.views.to_json()
    if as_json:
        print(json.dumps(cmp.to_json(), ensure_ascii=False))
        return
    render(res, volatile)
    render_views(views)
    from proofshot.cli.access import render_delta

    render_delta(views["access"])
    if res.changes:
        raise typer.Exit(0)
