"""proofshot access: effective rights in one snapshot (views/access.py), filterable."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.markup import escape

from proofshot import service
from proofshot.cli.common import JsonOpt, StoreOpt, open_store, out, short
from proofshot.model.labels import term
from proofshot.views import access as access_view


def change_text(c: dict[str, Any], lang: str = "en") -> str:
    """What changed in a kept grant: "password required -> no password"."""
    group = f"sudo-{c['condition']}"
    return f"{term(group, c['before'], lang)} -> {term(group, c['after'], lang)}"


def render_delta(delta: dict[str, Any]) -> None:
    out.print("\n[bold]access[/bold]")
    changed = delta.get("changed", [])
    if not delta["gained"] and not delta["lost"] and not changed:
        out.print("  [green]no access changes[/green]")
    for kind, sign, colour in (("gained", "+", "yellow"), ("lost", "-", "cyan")):
        for g in delta[kind]:
            out.print(f"  [{colour}]{sign} {escape(g['principal'])} {kind} "
                      f"{escape(', '.join(g['rights']))} on {escape(g['resource'])} via "
                      f"{escape(access_view.via_text(g['via']) or g['via'][0])}[/{colour}]")
    for g in changed:
        c = g["change"]
        out.print(f"  [yellow]~ {escape(g['principal'])} changed "
                  f"{escape(', '.join(g['rights']))} on {escape(g['resource'])} via "
                  f"{escape(access_view.via_text(g['via']) or g['via'][0])}: "
                  f"{escape(change_text(c))}[/yellow]")
    for u in delta.get("unverifiable", []):
        out.print(f"  [yellow]? {escape(u['target'])}: {escape(u['reason'])}[/yellow]")


def access(
    snapshot: Annotated[str, typer.Argument(help="Id, id prefix, label, latest or previous.")],
    principal: Annotated[str | None, typer.Option(
        help="Only this principal (DOMAIN\\name, host\\user, or just the name).")] = None,
    resource: Annotated[str | None, typer.Option(
        help="Only resources containing this text (e.g. \\\\files\\public).")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Effective rights: principal -> resource -> rights, with the group chain and the ACE,
    mode bits or sudo rule each right comes from."""
    st = open_store(store)
    snap, gs = service.iter_access(st, snapshot, principal, resource)
    sid = snap.id
    if as_json:  # streamed: the text json.dumps of the whole list would be, grant by grant
        write = sys.stdout.write
        write("[")
        for i, g in enumerate(gs):
            write((", " if i else "") + json.dumps(g.to_json(), ensure_ascii=False))
        write("]\n")
        return
    out.print(f"[bold]access in snapshot {short(sid)}[/bold]")
    last = None
    n = 0
    lines: list[str] = []  # printed in blocks: one console call per line is slow
    for g in gs:
        n += 1
        if g.principal != last:
            lines.append(f"\n[bold]{escape(g.principal)}[/bold]")
            last = g.principal
        lines.append(f"  {escape(g.resource)}: {escape(', '.join(g.rights))}  "
                     f"[dim]via {escape(access_view.via_text(g.via))}[/dim]")
        if len(lines) >= 500:
            out.print("\n".join(lines))
            lines = []
    if lines:
        out.print("\n".join(lines))
    out.print(f"\n{n} grants")
