"""proofshot findings: what was already wrong in a snapshot (rules: `proofshot rules`)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from proofshot import service
from proofshot.cli.common import JsonOpt, StoreOpt, open_store, out, short
from proofshot.views.findings import Finding

STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan",
         "info": "dim"}


def render(findings: list[Finding], prefix: str = "") -> None:
    for f in findings:
        st = STYLE.get(f.severity, "")
        out.print(f"{prefix}[{st}]{f.severity:8}[/{st}] {f.target}: {f.title}: ", end="")
        out.print(f.subject + (f" ({f.detail})" if f.detail else ""), markup=False)


def findings(
    snapshot: Annotated[str, typer.Argument(help="Id, id prefix, label, latest or previous.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    remedy: Annotated[bool, typer.Option("--remedy", help="Show the remedy hints.")] = False,
) -> None:
    """Findings over one snapshot: risky settings and faults that predate the work."""
    st = open_store(store)
    snap, found = service.findings(st, snapshot)
    sid = snap.id
    if as_json:
        print(json.dumps([f.to_json() for f in found], ensure_ascii=False))
        return
    out.print(f"[bold]findings of snapshot {short(sid)}[/bold]: {len(found)}")
    render(found, "  ")
    if remedy:
        seen: dict[str, str] = {f.rule: f.remedy for f in found}
        for rule, hint in sorted(seen.items()):
            out.print(f"  [dim]{rule}: {hint}[/dim]", markup=True)
