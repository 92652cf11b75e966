"""proofshot verify: objects, signatures and the chain; exit 4 when anything is broken."""

from __future__ import annotations

from typing import Annotated

import typer

from proofshot.cli.common import StoreOpt, err, open_store, out, short
from proofshot.scan.rederive import rederive
from proofshot.store.verify import verify_store


def verify(
    store: StoreOpt = None,
    rederive_: Annotated[bool, typer.Option(
        "--rederive", help="Also re-derive every table from its stored transcripts.")] = False,
) -> None:
    """Check every object hash, every manifest signature and the chain of manifests."""
    st = open_store(store)
    rep = verify_store(st)
    if rederive_ and rep.ok:
        for info in st.snapshots():
            rd = rederive(st, info.id)
            rep.problems += [f"snapshot {short(info.id)}: {p}" for p in rd.problems]
            if not rd.problems:
                out.print(f"re-derived {short(info.id)}: {rd.matched}/{rd.tables} tables match"
                          + (f" ({len(rd.skipped)} skipped)" if rd.skipped else ""))
                for why in rd.skipped:
                    out.print(f"  skipped {why}")
    if rep.ok:
        out.print(f"OK: {rep.snapshots} snapshots, {rep.objects} objects in {rep.packs} packs; "
                  f"key {st.keys.fingerprint}")
        return
    err.print(f"[red]BROKEN[/red]: {rep.problems[0]}")
    for p in rep.problems[1:20]:
        err.print(f"  also: {p}")
    if len(rep.problems) > 20:
        err.print(f"  ... and {len(rep.problems) - 20} more")
    raise typer.Exit(4)
