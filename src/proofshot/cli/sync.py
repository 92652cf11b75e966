"""proofshot sync: copy the store to a second place, incrementally, and verify the copy.

DEST is a directory (NAS mount, USB disk), ssh://[user@]host[:port]/path (SFTP; host key
pinned in the workspace's known_hosts on first use) or postgresql://user@host:port/db (a team
store that mirrors this chain; `proofshot push` appends to a team store's own chain instead).
A pack that fails its hash at the destination is repaired from this store; a manifest altered
there is broken (exit 4). Exit 2 (nothing written) when the destination
has diverged (holds snapshots or job-record entries this store lacks, or another key), 4 when
the copy does not verify, 1 when an ssh:// destination cannot be reached or logged into.

`--store ssh://[user@]host[:port]/path` copies the other way: a directory store on another
machine (read over SFTP, under its lock; host key pinned in the local workspace's known_hosts)
into DEST here, verified here."""

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
    open_read_store,
    open_store,
    out,
    ssh_auth,
)


def sync(
    dest: Annotated[str, typer.Argument(
        help="Destination: a directory (NAS mount, USB disk), ssh://[user@]host[:port]/path "
             "(ssh://host/~/dir: relative to the home directory) or postgresql://user@host/db.")],
    key: SshKeyOpt = None,
    password: SshPasswordOpt = None,
    accept_host_key: AcceptHostKeyOpt = False,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Copy what the destination lacks (packs, job record, timestamps, manifests), then verify
    the copy. Refuses a destination whose chain has diverged (exit 2)."""
    if dest.startswith("ssh:"):
        from proofshot.transports.sftp_sync import parse_dest, sync_ssh

        target = parse_dest(dest)
        key_path, secret = ssh_auth(key, password)
        st = open_store(store)
        res = sync_ssh(st, target, key_path=key_path, password=secret,
                       accept_host_key=accept_host_key)
        if as_json:
            r = res.report
            print(json.dumps({"dest": dest, "packs": res.packs, "manifests": res.manifests,
                              "other": res.other, "bytes": res.bytes, "verified": r is not None,
                              "snapshots": r.snapshots if r is not None else None,
                              "key": st.keys.fingerprint}))
            return
        err.print(f"uploaded {res.packs} packs, {res.manifests} manifests, {res.other} other "
                  f"files ({res.bytes} bytes)" + _repaired(res.repaired))
        if res.report is not None:
            out.print(f"OK: copy at {target} verifies: {res.report.snapshots} snapshots "
                      f"(ids, signatures, chain), {res.report.packs} packs (hashed on the "
                      f"destination); key {st.keys.fingerprint}")
        return
    from proofshot.store.sync import sync as run_sync

    st = open_read_store(store, key, password, accept_host_key)  # ssh://: copied here
    try:
        res = run_sync(st, dest)
        fp = st.keys.fingerprint
    finally:
        if store is not None and store.startswith("ssh:"):
            st.close()
    rep = res.report
    if as_json:
        print(json.dumps({"dest": dest, "packs": res.packs, "manifests": res.manifests,
                          "other": res.other, "bytes": res.bytes, "verified": rep is not None,
                          "snapshots": rep.snapshots if rep is not None else None,
                          "objects": rep.objects if rep is not None else None,
                          "key": fp}))
        return
    err.print(f"copied {res.packs} packs, {res.manifests} manifests, {res.other} other files "
              f"({res.bytes} bytes)" + _repaired(res.repaired))
    if rep is not None:
        out.print(f"OK: copy at {dest} verifies: {rep.snapshots} snapshots, {rep.objects} "
                  f"objects; key {fp}")


def _repaired(n: int) -> str:
    return f"; repaired {n} pack(s) that failed their hash at the destination" if n else ""
