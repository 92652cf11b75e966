"""proofshot rules: the catalogue of finding rules."""

from __future__ import annotations

import json

from proofshot.cli.common import JsonOpt, out
from proofshot.views.rules import RULES


def rules(as_json: JsonOpt = False) -> None:
    """List the rules `proofshot findings` applies: id, severity, title, remedy."""
    if as_json:
        print(json.dumps([r.to_json() for r in RULES], ensure_ascii=False))
        return
    for r in RULES:
        out.print(f"[bold]{r.id}[/bold] ({r.severity}): {r.title}", markup=True)
        out.print(f"    {r.remedy}  [dim](reads {', '.join(r.tables)})[/dim]")
