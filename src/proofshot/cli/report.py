"""proofshot report: the evidence report of two snapshots, or the documentation of one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from proofshot.cli.common import JsonOpt, StoreOpt, err, open_store, out
from proofshot.model.errors import BadInput
from proofshot.report.render import check_args
from proofshot.report.render import report as render_report
from proofshot.store.api import EvidenceStore


def report(
    a: Annotated[str | None, typer.Argument(
        help="Snapshot (before, or the one to document); omit both to report the current (or "
        "--engagement) job: its before, its last after, its control pair and its record.",
        show_default=False)] = None,
    b: Annotated[str | None, typer.Argument(help="Snapshot after the work; omit to document A.",
                                            show_default=False)] = None,
    out_file: Annotated[Path, typer.Option("--out", help="FILE.pdf or FILE.html.",
                                           show_default=False)] = Path("missing"),
    lang: Annotated[str, typer.Option("--lang", help="de or en.")] = "de",
    engagement: Annotated[str | None, typer.Option(
        "--engagement", "-e", help="Job record to include (default: the one the snapshots "
        "name; with no snapshots given, the current one).", show_default=False)] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the evidence report of A -> B, or with A alone the IT documentation of A; with
    neither, the evidence report of the current engagement."""
    check_args(out_file, lang)
    st = open_store(store)
    if a is None:
        a, b, engagement = job_snapshots(st, engagement)
    written = render_report(st, a, b, out_file, lang, engagement)
    if as_json:
        print(json.dumps({"report": str(written[0]), "files": [str(p) for p in written[1:]]},
                         ensure_ascii=False))
        return
    for p in written[1:]:
        err.print(f"[dim]wrote {p}[/dim]")
    out.print(str(written[0]))


def job_snapshots(st: EvidenceStore, engagement: str | None) -> tuple[str, str, str]:
    """(before, last after, engagement id) of the named or current engagement."""
    from proofshot.engagement.model import load, resolve

    eng = load(st, resolve(st, engagement, closed_ok=engagement is None))
    missing = [r for r in ("before", "after") if r not in eng.links]
    if missing:
        raise BadInput(f"engagement {eng.id[:12]} ({eng.title}) has no "
                       f"{' and no '.join(missing)} snapshot yet: scan while it is current "
                       "(the first scan is before, later ones after), or name snapshots A B")
    return eng.links["before"], eng.links["after"], eng.id
