"""proofshot capture: record every target's raw answers (masked) for `type: replay`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from proofshot.cli.common import JsonOpt, StoreOpt, err, open_or_create_store
from proofshot.scan.capture import capture as run_capture
from proofshot.scan.scope import load_scope


def capture(
    scope: Annotated[str, typer.Argument(help="Scope YAML.")],
    out: Annotated[str, typer.Option("--out", "-o", help="Folder; one subfolder per target.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Read the scope's targets and write their answers, masked with this workspace's key, to
    OUT/TARGET (scan one back with `type: replay, path: OUT/TARGET`). Exit 3 when a target
    was not fully read."""
    sc = load_scope(scope)
    st = open_or_create_store(store)
    results = run_capture(st, sc, out, where=scope)
    if as_json:
        print(json.dumps([{"target": r.name, "status": r.status, "answers": len(r.answers),
                           "path": f"{out}/{r.name}", "reason": r.reason or None}
                          for r in results], ensure_ascii=False))
    for r in results if not as_json else []:
        err.print(f"{r.name}: {r.status} ({len(r.answers)} answers) -> {out}/{r.name}"
                  + (f"  {r.reason[:120]}" if r.reason else ""))
    if any(r.status != "ok" for r in results):
        raise typer.Exit(3)
