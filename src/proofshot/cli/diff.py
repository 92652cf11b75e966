"""proofshot diff: what changed between two snapshots; --json prints the contract."""

from __future__ import annotations

import json
from collections import Counter
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from proofshot import service
from proofshot.cli.common import JsonOpt, StoreOpt, open_store, out, short
from proofshot.diff.model import Change, DiffResult
from proofshot.views.findings import Finding

MAX_VALUE = 300  # characters of one value on a line (a file's text is shown as lines)
MAX_TEXT_LINES = 40  # lines of an added or removed file's text


def _fmt(v: Any, limit: int = MAX_VALUE) -> str:
    """Collected data shown safely: never read as Rich markup, very long values cut."""
    s = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v
    return escape(s if len(s) <= limit else s[: limit - 3] + "...")


def _key(c: Change) -> str:
    return ", ".join(f"{_fmt(v)}" for v in c.key.values())


def _row_lines(c: Change) -> list[str]:
    """Every non-empty column of an added or removed row, one per line; a multi-line text
    (a config file) as its first MAX_TEXT_LINES lines, then how many more there are."""
    row = c.after if c.kind == "added" else c.before
    sign, style = ("+", "green") if c.kind == "added" else ("-", "red")
    lines: list[str] = []
    for k, v in (row or {}).items():
        if k in c.key or v in (None, "", [], {}):
            continue
        if isinstance(v, str) and "\n" in v.strip("\n"):
            text = v.splitlines()
            lines.append(f"      {escape(k)}: ({len(text)} lines)")
            lines += [f"        [{style}]{sign}{escape(ln)}[/{style}]"
                      for ln in text[:MAX_TEXT_LINES]]
            if len(text) > MAX_TEXT_LINES:
                lines.append(f"        [dim]... {len(text) - MAX_TEXT_LINES} more lines[/dim]")
            continue
        lines.append(f"      {escape(k)}: {_fmt(v)}")
    return lines


def stat_rows(res: DiffResult) -> list[dict[str, Any]]:
    """Per target: added, removed, changed rows and unverifiable parts (the summary)."""
    per: dict[str, Counter[str]] = {}
    for c in res.changes:
        per.setdefault(c.target, Counter())[c.kind] += 1
    for u in res.unverifiable:
        per.setdefault(u.target, Counter())["unverifiable"] += 1
    for same in res.unchanged:
        per.setdefault(same.target, Counter())
    return [{"target": t, "added": n["added"], "removed": n["removed"], "changed": n["changed"],
             "unverifiable": n["unverifiable"]} for t, n in sorted(per.items())]


def render_stat(res: DiffResult) -> None:
    out.print(f"[bold]diff {short(res.from_id)} -> {short(res.to_id)}[/bold]")
    rt = RichTable(box=None, header_style="bold", pad_edge=False)
    for c in ("target", "added", "removed", "changed", "unverifiable"):
        rt.add_column(c, justify="left" if c == "target" else "right")
    for r in stat_rows(res):
        rt.add_row(escape(r["target"]), *(str(r[k]) if r[k] else "-" for k in
                                          ("added", "removed", "changed", "unverifiable")))
    out.print(rt)
    n = Counter(c.kind for c in res.changes)
    out.print(f"{len(res.changes)} changes ({n['added']} added, {n['removed']} removed, "
              f"{n['changed']} changed), {len(res.unverifiable)} unverifiable")


def render(res: DiffResult, show_volatile: bool) -> None:
    render_stat(res)
    if not res.changes:
        out.print("[green]no changes[/green]")
    last: tuple[str, str] | None = None
    for c in res.changes:
        if (c.target, c.table) != last:
            last = (c.target, c.table)
            out.print(f"\n[bold]{escape(c.target)}[/bold] / {c.table}")
        by = f"  [cyan]{escape(c.by)}[/cyan]" if c.by else ""
        if c.kind in ("added", "removed"):
            sign, style = ("+", "green") if c.kind == "added" else ("-", "red")
            out.print(f"  [{style}]{sign} {_key(c)}[/{style}]  [dim]({c.kind})[/dim]{by}")
            for line in _row_lines(c):
                out.print(line)
        else:
            out.print(f"  [yellow]~ {_key(c)}[/yellow]{by}")
            for col in c.columns:
                if col in c.diff:
                    out.print(f"      {escape(col)}:")
                    for line in c.diff[col][2:]:
                        style = "green" if line.startswith("+") else (
                            "red" if line.startswith("-") else "dim")
                        out.print(f"        [{style}]{escape(line)}[/{style}]")
                else:
                    b = (c.before or {}).get(col)
                    a = (c.after or {}).get(col)
                    out.print(f"      {escape(col)}: {_fmt(b)} -> {_fmt(a)}")
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
    for h in res.hashes:  # only a --trust-metadata side is worth a line: its blind spot
        if h.get("mode") == "trust-metadata":
            out.print(f"[dim]{escape(h['target'])} / {h['table']} ({h['side']} snapshot): "
                      f"{escape(h['text'])}[/dim]")
    if res.volatile:
        out.print(f"[dim]volatile movements: {len(res.volatile)} rows (uptime, counters, free "
                  f"space; not changes){'' if show_volatile else ' - show with --volatile'}[/dim]")
        if show_volatile:
            for v in res.volatile:
                moves = v.kind if v.kind != "moved" else ", ".join(
                    f"{c}: {_fmt(v.before.get(c))} -> {_fmt(v.after.get(c))}" for c in v.columns)
                out.print(f"  [dim]{v.target} / {v.table} {_fmt(list(v.key.values()))}: "
                          f"{moves}[/dim]")


def render_drift(alerts: list[Finding]) -> None:
    """Changes no engagement's window covers (service/_drift.py): one line per target."""
    if not alerts:
        return
    out.print("\n[bold red]changed outside any engagement[/bold red]")
    for f in alerts:
        out.print(f"  [red]! {f.severity} {escape(f.target)}: {escape(f.title)}: "
                  f"{escape(f.subject)}[/red]  [dim]({f.rule})[/dim]")


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
    a: Annotated[str, typer.Argument(help="From: id, prefix, label (label~1: the one before), "
                                     "latest, previous.")],
    b: Annotated[str, typer.Argument(help="To: id, prefix, label (label~1: the one before), "
                                     "latest, previous.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    volatile: Annotated[bool, typer.Option("--volatile", help="List volatile movements.")] = False,
    stat: Annotated[bool, typer.Option("--stat", help="Only the summary: per target the rows "
                                       "added, removed, changed and the parts unverifiable.")
                    ] = False,
    exit_code: Annotated[bool, typer.Option("--exit-code", help="Exit 1 when there are changes, "
                                            "0 when there are none (as git diff does).")
                         ] = False,
) -> None:
    """Show what changed between two snapshots, what could not be verified, and what was
    verified unchanged."""
    st = open_store(store)
    if stat:
        cmp = service.compare(st, a, b, views=False, job=False, drift=False)
        if as_json:
            print(json.dumps({"from": cmp.a.id, "to": cmp.b.id, "stat": stat_rows(cmp.diff)},
                             ensure_ascii=False))
        else:
            render_stat(cmp.diff)
        res = cmp.diff
    else:
        cmp = service.compare(st, a, b, job=False)
        res = cmp.diff
        assert cmp.views is not None
        views = cmp.views.to_json()
        if as_json:
            print(json.dumps(cmp.to_json(), ensure_ascii=False))
        else:
            render(res, volatile)
            render_drift(cmp.drift or [])
            render_views(views)
            from proofshot.cli.access import render_delta

            render_delta(views["access"])
    if exit_code and res.changes:
        raise typer.Exit(1)
