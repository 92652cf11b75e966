"""proofshot sync: copy the store to a second place, incrementally, and verify the copy.

Exit 2 (nothing written) when the destination has diverged (holds snapshots or job-record
entries this store lacks, or another key), 4 when the copy does not verify."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from proofshot.cli.common import StoreOpt, err, open_store, out
from proofshot.store.sync import sync as run_sync


def sync(
    dest: Annotated[Path, typer.Argument(help="Destination directory (NAS mount, USB disk).")],
    store: StoreOpt = None,
) -> None:
    """Copy what the destination lacks (packs, job record, timestamps, manifests), then verify
    the copy. Refuses a destination whose chain has diverged (exit 2)."""
    st = open_store(store)
    res = run_sync(st, dest)
    rep = res.report
    err.print(f"copied {res.packs} packs, {res.manifests} manifests, {res.other} other files "
              f"({res.bytes} bytes)")
    if rep is not None:
        out.print(f"OK: copy at {dest} verifies: {rep.snapshots} snapshots, {rep.objects} "
                  f"objects; key {st.keys.fingerprint}")
