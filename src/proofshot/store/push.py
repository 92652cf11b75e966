"""`proofshot push DEST`: hand this workspace's snapshots to another store that keeps a chain
of its own (a team store on PostgreSQL, a colleague's directory store), where `sync` mirrors
our chain into a copy of it.

The objects go with the one copy (`copy(..., mirror=False)`: packs and job-record entries the
destination lacks). Each snapshot not yet there is then appended to the destination's chain:
the same body (targets, tables, Merkle root, label, customer) plus `origin` (the id and number
it has in our chain), chained after the destination's tip and signed by this workspace's key,
which the destination's owner must have enrolled (`proofshot key trust`); otherwise nothing is
appended (exit 2). Pushing again sends nothing twice. A destination holding snapshots this
workspace pushed from a chain it no longer has (restored from an older copy, or forked) is
refused (DestinationDiverged, exit 2, nothing written). `push_to` takes any open backend: a
directory on another machine over SSH is proofshot.transports.sftp_store.SftpBackend.
Afterwards what was pushed is read back and checked there (`verify_snapshots`: manifests,
links, every referenced object); `proofshot verify --store DEST` checks the whole store.
Time-stamp tokens stamp the original manifests and stay with them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from proofshot.model.errors import BadInput, IntegrityError
from proofshot.store.api import EvidenceStore
from proofshot.store.backend import Backend
from proofshot.store.copy import (
    BackendSink,
    CopyResult,
    DestinationDiverged,
    copy,
    enrolled_signers,
)
from proofshot.store.embedded import Store, open_backend
from proofshot.store.verify import verify_snapshots

_CHAIN_FIELDS = ("format", "seq", "prev", "key", "salt")


@dataclass
class PushResult:
    dest: str
    sent: list[tuple[str, str]] = field(default_factory=list)  # (our id, id there)
    already: int = 0
    copy: CopyResult | None = None
    problems: list[str] = field(default_factory=list)


def pushed_origins(dst: EvidenceStore, signed_by: str | None = None) -> dict[str, str]:
    """origin id -> id at the destination, for snapshots pushed there before (`signed_by`: by
    the key of that fingerprint only)."""
    out: dict[str, str] = {}
    for sid in dst.backend.list("manifest"):
        try:
            body = json.loads(dst.backend.get("manifest", sid))["body"]
            origin = body.get("origin")
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        if isinstance(origin, dict) and isinstance(origin.get("id"), str) and (
                signed_by is None or body.get("key") == signed_by):
            out[origin["id"]] = sid
    return out


def push(src: EvidenceStore, dest: str) -> PushResult:
    if str(dest).startswith("ssh:"):
        raise BadInput("ssh:// destinations are opened by proofshot.transports.sftp_store "
                       "(proofshot push ssh://...)")
    if Path(dest).expanduser().resolve() == src.root.resolve() and src.location == dest:
        raise BadInput("the destination is this store itself")
    backend = open_backend(dest)
    try:
        return push_to(src, backend, dest)
    finally:
        backend.close()


def push_to(src: EvidenceStore, backend: Backend, dest: str) -> PushResult:
    """Push into an open backend (a directory, PostgreSQL, a directory over SSH)."""
    res = PushResult(dest)
    where = dest.split("@")[-1]
    dst = Store(backend, src.workspace)
    signer = enrolled_signers(backend).get(src.keys.public_b64)
    if signer is None or signer.revoked:
        raise BadInput(f"{where} does not accept this workspace's key "
                       f"{src.keys.fingerprint}: the store's owner must enroll it first "
                       "(proofshot key trust FILE.pub)")
    with src.lock():
        src.reconcile()
        # what this workspace pushed there before (one read of the destination's manifests);
        # an origin we no longer have: this store was restored from an older copy or forked
        done = pushed_origins(dst, signed_by=src.keys.fingerprint)
        lost = sorted(set(done) - {s.id for s in src.snapshots()})
        if lost:
            raise DestinationDiverged(
                f"{where} holds {len(lost)} snapshot(s) this workspace pushed from a chain "
                f"it no longer has ({', '.join(o[:12] for o in lost[:3])}): this store was "
                "restored from an older copy or has forked; refusing to push")
        res.copy = copy(src, BackendSink(backend), mirror=False, result=CopyResult(dest))
        for info in src.snapshots():
            if info.id in done:
                res.already += 1
                continue
            body = src.manifest(info.id)  # checked: id and signature
            if body.get("key") != src.keys.fingerprint:
                continue  # pushed to us by someone else: theirs to push
            fresh = {k: v for k, v in body.items() if k not in _CHAIN_FIELDS}
            fresh["origin"] = {"id": info.id, "seq": info.seq}
            res.sent.append((info.id, dst.commit(fresh, dst.writer())))
    res.problems = verify_snapshots(dst, [theirs for _, theirs in res.sent])
    check_uploaded = getattr(backend, "check_uploaded", None)  # bytes hashed where they landed
    if callable(check_uploaded):
        res.problems += check_uploaded()
    if res.problems:
        raise IntegrityError(f"{where} does not verify after the push: {res.problems[0]}")
    return res
