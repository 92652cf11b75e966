"""proofshot report: the evidence report of two snapshots, or the documentation of one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from proofshot.cli.common import StoreOpt, err, open_store, out
from proofshot.report.render import check_args
from proofshot.report.render import report as render_report


def report(
    a: Annotated[str, typer.Argument(help="Snapshot (before, or the one to document).")],
    b: Annotated[str | None, typer.Argument(help="Snapshot after the work; omit to document A.",
                                            show_default=False)] = None,
    out_file: Annotated[Path, typer.Option("--out", help="FILE.pdf or FILE.html.",
                                           show_default=False)] = Path("missing"),
    lang: Annotated[str, typer.Option("--lang", help="de or en.")] = "de",
    engagement: Annotated[str | None, typer.Option(
        "--engagement", help="Job record to include (default: the one the snapshots name).",
        show_default=False)] = None,
    store: StoreOpt = None,
) -> None:
    """Write the evidence report of A -> B, or with A alone the IT documentation of A."""
    check_args(out_file, lang)
    st = open_store(store)
    written = render_report(st, a, b, out_file, lang, engagement)
    for p in written[1:]:
        err.print(f"[dim]wrote {p}[/dim]")
    out.print(str(written[0]))
