"""proofshot paths: the communication graph of a snapshot (text, --json, --svg map)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Annotated

import typer

from proofshot import service
from proofshot.cli.common import JsonOpt, StoreOpt, open_store, out, short
from proofshot.model.errors import BadInput, ProofshotError


def render_svg(dot: str) -> bytes:
    """Lay the DOT out with Graphviz (`dot`, Debian package graphviz)."""
    exe = shutil.which("dot")
    if exe is None:
        raise BadInput("Graphviz `dot` not found (apt-get install graphviz)")
    proc = subprocess.run([exe, "-Tsvg"], input=dot.encode(), capture_output=True,
                          timeout=120, check=False)
    if proc.returncode != 0:
        raise ProofshotError(f"dot failed: {proc.stderr.decode(errors='replace')[-300:]}")
    return proc.stdout


def paths(
    snapshot: Annotated[str, typer.Argument(help="Id, id prefix, label, latest or previous.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    svg: Annotated[str | None, typer.Option("--svg", help="Write the map as SVG to FILE.",
                                            metavar="FILE")] = None,
    dot: Annotated[str | None, typer.Option("--dot", help="Write the map as Graphviz DOT.",
                                            metavar="FILE")] = None,
) -> None:
    """Which systems talk to which: hosts, addresses, exposed services, connections, routes,
    neighbours, LLDP, and what the host firewalls allow."""
    st = open_store(store)
    res = service.paths(st, snapshot)
    if dot:
        Path(dot).write_text(res.dot())
    if svg:
        Path(svg).write_bytes(render_svg(res.dot()))
    if as_json:
        print(json.dumps(res.json, ensure_ascii=False))
        return
    out.print(f"[bold]paths of snapshot {short(res.snapshot.id)}[/bold]")
    for line in res.text_lines():
        out.print(line, markup=False)
