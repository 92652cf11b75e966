"""proofshot timestamp: RFC 3161 tokens for snapshots that lack one (or a TSA was down)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from proofshot.cli.common import JsonOpt, StoreOpt, err, open_store, short
from proofshot.store.timestamp import stamp, token


def timestamp(
    snapshots: Annotated[list[str] | None, typer.Argument(
        help="Snapshots to stamp; default: every snapshot without a token.")] = None,
    tsa: Annotated[str | None, typer.Option(
        help="TSA URL (default: PROOFSHOT_TSA, else 'proofshot config set tsa').")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask the time-stamping authority to stamp each manifest's hash; tokens are kept beside
    the manifests (snapshots/<id>.tsr) and checked by `proofshot verify`."""
    st = open_store(store)
    ids = [st.resolve(s) for s in snapshots] if snapshots else [
        s.id for s in st.snapshots() if token(st, s.id) is None]
    for sid in ids:
        stamp(st, sid, tsa)
        if not as_json:
            err.print(f"timestamped {short(sid)}")
    if as_json:
        print(json.dumps({"timestamped": ids}))
