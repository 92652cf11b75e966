"""proofshot push: append this workspace's snapshots to another store's chain (a team store on
PostgreSQL, a colleague's directory store), signed by this workspace's enrolled key; only what
the destination lacks is sent, then the destination is verified. Exit 2 when the destination has
not enrolled this key, 4 when it does not verify afterwards."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from proofshot.cli.common import JsonOpt, StoreOpt, err, open_store, out, short


def push(
    dest: Annotated[str, typer.Argument(
        help="Destination store: postgresql://user@host:port/db or a directory store.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Send the snapshots the destination lacks and append them to its chain."""
    from proofshot.store.push import push as run

    st = open_store(store)
    res = run(st, dest)
    c = res.copy
    if as_json:
        print(json.dumps({"dest": dest.split("@")[-1], "pushed": [{"id": o, "as": t} for o, t in res.sent],
                          "already": res.already, "verified": True}))
        return
    if c is not None:
        err.print(f"sent {c.packs} packs, {c.other} job-record entries ({c.bytes} bytes)")
    for ours, theirs in res.sent:
        err.print(f"pushed {short(ours)} as {short(theirs)}")
    out.print(f"OK: {len(res.sent)} snapshot(s) pushed, {res.already} already there; read "
              f"back and verified at {dest.split('@')[-1]}")
