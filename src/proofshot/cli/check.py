"""proofshot check: validate a scope, then log in to every target without collecting anything.

Exit 0 when every target let us in, 3 when some did not (each named with why), 2 on a bad scope.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from proofshot import service
from proofshot.cli.common import JsonOpt, StoreOpt, out
from proofshot.scan.scope import load_scope
from proofshot.store.workspace import find_store

_STYLE = {"ok": "green"}


def check(
    scope: Annotated[str, typer.Argument(help="Scope YAML to check.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check a scope: every error at once (file:line:field), then a login to each target
    (nothing is collected). Exit 0 all reachable, 3 some not, 2 bad scope."""
    sc = load_scope(scope)
    root = find_store(store)
    with tempfile.TemporaryDirectory(prefix="proofshot-check-") as tmp:
        # SSH host keys are checked against the store's pins (as a scan would); without a
        # store there is nothing pinned, and nothing is written anywhere that stays
        pins = root if (root / "config.json").is_file() else Path(tmp)
        res = service.check(sc, pins, where=scope)
    if as_json:
        print(json.dumps(res.to_json(), ensure_ascii=False))
    else:
        for t in res.targets:
            style = _STYLE.get(t.status, "red")
            out.print(f"{escape(t.name)} ({t.type}): [{style}]{t.status}[/{style}]"
                      + (f": {escape(t.reason)}" if t.reason else ""))
    if not res.ok:
        raise typer.Exit(3)
