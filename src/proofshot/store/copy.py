"""Moving evidence from one store to another place: the one operation behind `sync`, `push`
and `export`.

    copy(src, dst)   check that dst's chain is a prefix of ours (else refuse), then send what
                     dst lacks: the signer's identity, packs (or, for a sink that keeps raw
                     objects, the selected objects), job-record entries, time-stamp tokens,
                     and last the manifests in chain order through dst's `advance`, so an
                     interrupted copy leaves a destination that verifies, only shorter.

A destination is a `Sink`: any `Backend` (through `BackendSink`: a directory, PostgreSQL), an
ssh:// directory (proofshot.transports.sftp_sync) or an evidence bundle being written
(proofshot.engagement.bundle). Nothing at the destination is overwritten except a pack that
fails its hash there and is repaired from ours (`repair`).
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from proofshot.model.canonical import canonical
from proofshot.model.errors import BadInput, IntegrityError
from proofshot.store.api import EvidenceStore
from proofshot.store.backend import Backend, Kind
from proofshot.store.dirbackend import DirBackend, atomic_write, info_of
from proofshot.store.embedded import Store, manifest_id
from proofshot.store.keys import verify_signature
from proofshot.store.trust import Signer
from proofshot.store.verify import VerifyReport


class DestinationDiverged(BadInput):
    """The destination holds evidence this store does not: refuse to touch it."""


@dataclass
class CopyResult:
    dest: Path | str
    packs: int = 0
    manifests: int = 0
    other: int = 0
    objects: int = 0
    bytes: int = 0
    repaired: int = 0
    report: VerifyReport | None = None  # the destination's check afterwards


class Sink(Protocol):
    """What copy needs of a destination."""

    location: str
    takes_packs: bool  # True: packs as they are; False: raw objects (put_object)

    def list(self, kind: Kind) -> builtins.list[str]: ...

    def get(self, kind: Kind, name: str) -> bytes: ...

    def put(self, kind: Kind, name: str, data: bytes, *, replace: bool = False) -> None: ...

    def put_object(self, oid: str, raw: bytes) -> None: ...

    def advance_doc(self, prev: str | None, sid: str, doc: bytes) -> None: ...

    def adopt(self, store: EvidenceStore) -> int:
        """Take (or check) the signer's identity; returns how many files that wrote."""
        ...


class BackendSink:
    """A backend as a copy destination. A directory copy is a store of its own: it gets our
    public key and the salt (0600) so it verifies without us; the signing key stays here.
    A PostgreSQL store must have our key enrolled (`proofshot key trust`)."""

    takes_packs = True

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.location = backend.location

    def list(self, kind: Kind) -> builtins.list[str]:
        return self.backend.list(kind)

    def get(self, kind: Kind, name: str) -> bytes:
        return self.backend.get(kind, name)

    def put(self, kind: Kind, name: str, data: bytes, *, replace: bool = False) -> None:
        self.backend.put(kind, name, data, replace=replace)

    def put_object(self, oid: str, raw: bytes) -> None:
        raise TypeError("a backend takes packs")

    def advance_doc(self, prev: str | None, sid: str, doc: bytes) -> None:
        self.backend.advance(prev, info_of(sid, json.loads(doc)["body"]), doc)

    def adopt(self, store: EvidenceStore) -> int:
        be = self.backend
        if isinstance(be, DirBackend):
            keys = be.root / "keys"
            pub = keys / "signing.pub"
            if pub.is_file():
                if pub.read_text().strip() != store.keys.public_b64:
                    raise DestinationDiverged(
                        f"destination {self.location} is a store with another signing key; "
                        "refusing to mix evidence (choose another destination)")
                return 0
            keys.mkdir(mode=0o700, parents=True, exist_ok=True)
            be.tmp_dir.mkdir(exist_ok=True)
            atomic_write(keys / "salt", store.keys.salt, be.tmp_dir, mode=0o600)
            atomic_write(pub, (store.keys.public_b64 + "\n").encode(), be.tmp_dir)
            ca = store.workspace.root / "tsa-ca.pem"
            if ca.is_file():
                atomic_write(be.root / "tsa-ca.pem", ca.read_bytes(), be.tmp_dir)
            return 2
        signers = enrolled_signers(be)
        if store.keys.public_b64 not in signers or signers[store.keys.public_b64].revoked:
            raise BadInput(f"{self.location} does not accept this workspace's key "
                           f"{store.keys.fingerprint}: the store's owner must enroll it first "
                           "(proofshot key trust FILE.pub)")
        return 0


def enrolled_signers(be: Backend) -> dict[str, Signer]:
    """Enrolled signers of a backend we do not sign for (only its records are read)."""
    from proofshot.store.trust import check_records
    from proofshot.store.workspace import Workspace

    # a directory store is its own workspace (its owner key is keys/signing.pub there); a
    # PostgreSQL store names its owner in its records
    ws = Workspace(be.root if isinstance(be, DirBackend) else Path("/nonexistent"))
    return check_records(Store(be, ws))[0]


def check_destination(store: EvidenceStore, dst: Sink) -> None:
    """Raise unless dst's chain is ours or a prefix of it: no manifest or log entry we lack
    (DestinationDiverged, exit 2), every shared manifest byte-identical; a shared manifest
    that was altered there is broken (IntegrityError, exit 4)."""
    ours = set(store.backend.list("manifest"))
    theirs = dst.list("manifest")
    extra = sorted(set(theirs) - ours)
    if extra:
        raise DestinationDiverged(
            f"destination {dst.location} has diverged: it holds {len(extra)} snapshot(s) this "
            f"store does not ({', '.join(e[:12] for e in extra[:3])}); refusing to overwrite it")
    for sid in sorted(set(theirs) & ours):
        mine = store.backend.get("manifest", sid)
        there = dst.get("manifest", sid)
        if there != mine:
            raise IntegrityError(
                f"destination {dst.location}: manifest {sid[:12]} was altered there ("
                f"{_why(sid, there)}); it is broken, not ours. Keep it for inspection, remove "
                "it from the destination, and sync again to restore it from this store")
    extra_logs = sorted(set(dst.list("log")) - set(store.backend.list("log")))
    if extra_logs:
        raise DestinationDiverged(f"destination {dst.location} has diverged: log entry "
                                  f"{extra_logs[0]} is not in this store")


def _why(sid: str, raw: bytes) -> str:
    try:
        doc = json.loads(raw)
        body = doc["body"]
    except (ValueError, KeyError, TypeError):
        return "unreadable"
    if manifest_id(body) != sid:
        return "its content does not match its id"
    if not verify_signature(str(doc.get("public_key")), str(doc.get("signature", "")),
                            canonical(body)):
        return "its signature does not verify"
    return "it differs from ours byte for byte"


def copy(src: EvidenceStore, dst: Sink, *, chain: Iterable[str] | None = None,
         objects: Iterable[str] | None = None, logs: Iterable[str] | None = None,
         result: CopyResult | None = None, mirror: bool = True) -> CopyResult:
    """Send dst what it lacks. `chain` (ids, oldest first; default: the whole chain),
    `objects` (raw-object sinks: which objects) and `logs` (default: every entry) select a
    part, as an evidence bundle does. `mirror=False` (push): dst keeps a chain of its own, so
    it is not checked against ours and gets no manifests here (push re-chains them). Call
    under src.lock()."""
    res = result or CopyResult(dst.location)
    if mirror:
        res.other += dst.adopt(src)  # another key: refused before anything is written
        check_destination(src, dst)
    sb = src.backend
    if dst.takes_packs:
        have = set(dst.list("pack"))
        for name in sb.list("pack"):
            if name not in have:
                data = _pack_bytes(src, name)
                dst.put("pack", name, data)
                res.packs += 1
                res.bytes += len(data)
    else:
        for oid in sorted(set(objects or ())):
            raw = src.get(oid)
            dst.put_object(oid, raw)
            res.objects += 1
            res.bytes += len(raw)
    if mirror and dst.takes_packs:  # enrolled signers go along: the copy accepts them too
        have_keys = set(dst.list("key"))
        for name in sb.list("key"):
            if name not in have_keys:
                data = sb.get("key", name)
                dst.put("key", name, data)
                res.other += 1
                res.bytes += len(data)
    have_logs = set(dst.list("log"))
    for name in logs if logs is not None else sb.list("log"):
        if name not in have_logs:
            data = sb.get("log", name)
            dst.put("log", name, data)
            res.other += 1
            res.bytes += len(data)
    ids = list(chain) if chain is not None else [s.id for s in src.snapshots()] if mirror \
        else []
    have_tokens = set(dst.list("token"))
    for sid in ids:
        if sid not in have_tokens and sb.has("token", sid):
            data = sb.get("token", sid)
            dst.put("token", sid, data)
            res.other += 1
            res.bytes += len(data)
    have_m = set(dst.list("manifest"))
    for sid in ids:
        if sid in have_m:
            continue
        doc = sb.get("manifest", sid)
        prev = json.loads(doc)["body"].get("prev")
        dst.advance_doc(prev if isinstance(prev, str) else None, sid, doc)
        res.manifests += 1
        res.bytes += len(doc)
    return res


def _pack_bytes(src: EvidenceStore, name: str) -> bytes:
    import hashlib

    with src.backend.open_pack(name) as fh:
        data = fh.read()
    if hashlib.sha256(data).hexdigest() != name:
        raise IntegrityError(f"packs/{name}.pack is corrupt in this store (its hash does not "
                             "match its name); run 'proofshot verify' before syncing")
    return data


def repair(src: EvidenceStore, dst: Sink, problems: list[str], res: CopyResult) -> bool:
    """Re-send each pack the destination's check found altered, from our good copy. True
    when something was repaired (the caller checks the destination again)."""
    fixed = False
    ours = set(src.backend.list("pack"))
    for p in problems:
        words = p.split()
        if len(words) > 1 and words[0] == "pack" and "altered" in p:
            hits = [n for n in ours if n.startswith(words[1].rstrip(":"))]
            if len(hits) == 1:
                dst.put("pack", hits[0], _pack_bytes(src, hits[0]), replace=True)
                res.repaired += 1
                fixed = True
    return fixed

