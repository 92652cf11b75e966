"""proofshot verify: objects, signatures and the chain; exit 4 when anything is broken."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from proofshot.cli.common import (
    AcceptHostKeyOpt,
    JsonOpt,
    SshKeyOpt,
    SshPasswordOpt,
    StoreOpt,
    err,
    open_read_store,
    out,
    short,
)
from proofshot.scan.rederive import rederive
from proofshot.store.api import EvidenceStore
from proofshot.store.verify import verify_store


def verify(
    store: StoreOpt = None,
    rederive_: Annotated[bool, typer.Option(
        "--rederive", help="Also re-derive every table from its stored transcripts.")] = False,
    as_json: JsonOpt = False,
    key: SshKeyOpt = None,
    password: SshPasswordOpt = None,
    accept_host_key: AcceptHostKeyOpt = False,
) -> None:
    """Check every object hash, every manifest signature and the chain of manifests.
    `--store ssh://[user@]host/path`: a store on another machine (a sync copy), its objects
    read here over SFTP and checked against the signing key it holds."""
    st = open_read_store(store, key, password, accept_host_key)
    try:
        _verify(st, rederive_, as_json)
    finally:
        if store is not None and store.startswith("ssh:"):
            st.close()


def _verify(st: EvidenceStore, rederive_: bool, as_json: bool) -> None:
    rep = verify_store(st)
    rederived: list[dict[str, Any]] = []
    if rederive_ and rep.ok:
        for info in st.snapshots():
            rd = rederive(st, info.id)
            rep.problems += [f"snapshot {short(info.id)}: {p}" for p in rd.problems]
            rederived.append({"snapshot": info.id, "tables": rd.tables, "matched": rd.matched,
                              "skipped": list(rd.skipped), "problems": list(rd.problems)})
            if not rd.problems and not as_json:
                out.print(f"re-derived {short(info.id)}: {rd.matched}/{rd.tables} tables match"
                          + (f" ({len(rd.skipped)} skipped)" if rd.skipped else ""))
                for why in rd.skipped:
                    out.print(f"  skipped {why}")
    if as_json:
        print(json.dumps({"ok": rep.ok, "snapshots": rep.snapshots, "objects": rep.objects,
                          "packs": rep.packs, "key": st.keys.fingerprint,
                          "problems": list(rep.problems), "rederived": rederived},
                         ensure_ascii=False))
        if not rep.ok:
            raise typer.Exit(4)
        return
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
