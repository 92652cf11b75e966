"""proofshot export: an evidence bundle (zip) that a third party verifies offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from proofshot.cli.common import JsonOpt, StoreOpt, err, open_store, short
from proofshot.engagement.bundle import VERIFIER_NAME
from proofshot.engagement.bundle import export as run_export
from proofshot.engagement.model import resolve


def export(
    a: Annotated[str, typer.Argument(help="The earlier snapshot (id, prefix, label, ...).")],
    b: Annotated[str, typer.Argument(help="The later snapshot.")],
    out_: Annotated[Path, typer.Option("--out", help="The bundle to write (.zip).")],
    redact: Annotated[bool, typer.Option(
        "--redact", help="Leave out the transcripts of queries that fed tables with sensitive "
        "columns (listed in the bundle's index).")] = False,
    report: Annotated[Path | None, typer.Option(help="A report file to include.")] = None,
    engagement: Annotated[str | None, typer.Option(
        "--engagement", "-e", help="Job record to include (default: the one A or B is linked "
        "to, if any).", show_default=False)] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the two manifests, the chain between them, every object they reference, the
    transcripts, timestamps, the public key, the job record and a standalone verifier."""
    st = open_store(store)
    sa, sb = st.resolve(a), st.resolve(b)
    eid = resolve(st, engagement) if engagement else None
    res = run_export(st, sa, sb, out_, redact=redact, report=report, engagement=eid)
    if as_json:
        print(json.dumps({"bundle": str(res.path), "from": sa, "to": sb, "chain": list(res.chain),
                          "objects": res.objects, "timestamps": res.timestamps,
                          "engagement": res.engagement, "redacted": len(res.absent)},
                         ensure_ascii=False))
        return
    err.print(f"{len(res.chain)} manifests ({short(sa)} .. {short(sb)}), {res.objects} objects, "
              f"{res.timestamps} timestamps"
              + (f", engagement {short(res.engagement)}" if res.engagement else "")
              + (f", {len(res.absent)} transcripts redacted" if redact else ""))
    err.print(f"check it with: python {VERIFIER_NAME} {res.path}  (extract {VERIFIER_NAME} "
              "from the zip first)")
    print(res.path)
