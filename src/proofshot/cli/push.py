"""proofshot push: append this workspace's snapshots to another store's chain (a team store on
PostgreSQL, a colleague's directory store), signed by this workspace's enrolled key; only what
the destination lacks is sent, then the destination is verified. DEST may also be
ssh://[user@]host[:port]/path: a directory store on another machine, over SFTP (host key pinned in
the workspace's known_hosts on first use; the remote store's lock held while its chain advances).
Exit 2 when the destination has not enrolled this key or has diverged (it holds snapshots this
workspace pushed from a chain it no longer has), 4 when it does not verify afterwards, 1 when an
ssh:// destination cannot be reached, logged into or locked."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from proofshot.cli.common import (
    AcceptHostKeyOpt,
    JsonOpt,
    SshKeyOpt,
    SshPasswordOpt,
    StoreOpt,
    err,
    open_store,
    out,
    short,
    ssh_auth,
)
from proofshot.model.errors import BadInput


def push(
    dest: Annotated[str, typer.Argument(
        help="Destination store: postgresql://user@host:port/db, a directory store, or "
             "ssh://[user@]host[:port]/path (a directory store on another machine).")],
    key: SshKeyOpt = None,
    password: SshPasswordOpt = None,
    accept_host_key: AcceptHostKeyOpt = False,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Send the snapshots the destination lacks and append them to its chain."""
    from proofshot.store.push import push as run
    from proofshot.store.push import push_to

    st = open_store(store)
    if dest.startswith("ssh:"):
        from proofshot.transports.sftp_store import SftpBackend
        from proofshot.transports.sftp_sync import parse_dest

        target = parse_dest(dest)
        key_path, secret = ssh_auth(key, password)
        backend = SftpBackend.open(st, target, key_path=key_path, password=secret,
                                   accept_host_key=accept_host_key)
        try:
            res = push_to(st, backend, str(target))
        finally:
            backend.close()
    elif key or password or accept_host_key:
        raise BadInput("--key, --password and --accept-host-key apply to ssh:// destinations "
                       "only")
    else:
        res = run(st, dest)
    c = res.copy
    if as_json:
        print(json.dumps({"dest": dest.split("@")[-1],
                          "pushed": [{"id": o, "as": t} for o, t in res.sent],
                          "already": res.already, "verified": True,
                          "packs": c.packs if c is not None else 0,
                          "bytes": c.bytes if c is not None else 0}))
        return
    if c is not None:
        err.print(f"sent {c.packs} packs, {c.other} job-record entries ({c.bytes} bytes)")
    for ours, theirs in res.sent:
        err.print(f"pushed {short(ours)} as {short(theirs)}")
    out.print(f"OK: {len(res.sent)} snapshot(s) pushed, {res.already} already there; read "
              f"back and verified at {dest.split('@')[-1]}")
