"""proofshot verify: objects, signatures and the chain; exit 4 when anything is broken."""

from __future__ import annotations

import typer

from proofshot.cli.common import StoreOpt, err, open_store, out
from proofshot.store.verify import verify_store


def verify(store: StoreOpt = None) -> None:
    """Check every object hash, every manifest signature and the chain of manifests."""
    st = open_store(store)
    rep = verify_store(st)
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
