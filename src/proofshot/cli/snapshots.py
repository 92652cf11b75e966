"""proofshot snapshots: list the store's snapshots, oldest first."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from proofshot.cli.common import JsonOpt, StoreOpt, open_store
from proofshot.cli.fast import render_snapshots, snapshot_rows


def snapshots(store: StoreOpt = None, as_json: JsonOpt = False,
              customer: Annotated[str | None, typer.Option(
                  "--customer", help="Only this customer's snapshots.")] = None) -> None:
    """List snapshots: id, sequence, label, time, targets and their status."""
    # the same rows and text as the fast path (cli/fast.py) prints without loading typer
    sys.stdout.write(render_snapshots(snapshot_rows(open_store(store), customer), as_json))
