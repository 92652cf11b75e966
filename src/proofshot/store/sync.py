"""Copying a store to a second place (NAS mount, USB disk, a PostgreSQL team store),
incrementally, then verifying the copy: `proofshot.store.copy.copy` into the destination's
backend, then `verify_store` on it.

The copy gets the public key only: it is evidence to check, not a workspace to scan into: the
signing key stays here. The salt of the keyed hashes goes along (0600): findings need it, and
without it a produced original answer could no longer be matched against its keyed hash once
the laptop is gone.

Refused (DestinationDiverged, exit 2, nothing written) when the destination holds a manifest
or log entry this store does not have, or another store's key: its chain has diverged from
ours and overwriting it would hide evidence. A manifest altered at the destination is broken
(IntegrityError, exit 4). A pack that fails its hash at the destination is repaired from ours;
a copy that still does not verify raises IntegrityError (exit 4).
"""

from __future__ import annotations

from pathlib import Path

from proofshot.model.errors import BadInput, IntegrityError
from proofshot.store.api import EvidenceStore
from proofshot.store.backend import Backend
from proofshot.store.copy import BackendSink, CopyResult, DestinationDiverged, copy, repair
from proofshot.store.dirbackend import DirBackend
from proofshot.store.embedded import Store, _utcnow
from proofshot.store.verify import VerifyReport, verify_store
from proofshot.store.workspace import Workspace, is_pg_url

__all__ = ["DestinationDiverged", "SyncResult", "sync", "sync_to"]

SyncResult = CopyResult


def _dest_backend(store: EvidenceStore, dest: Path | str) -> tuple[Backend, Path | str]:
    if is_pg_url(dest):
        from proofshot.store.embedded import open_backend

        return open_backend(str(dest)), str(dest)
    if str(dest).startswith("ssh:/"):
        raise BadInput("ssh:// destinations are synced by 'proofshot sync ssh://...' "
                       "(proofshot.transports.sftp_sync)")
    path = Path(dest).expanduser()
    if path.resolve() == store.root.resolve() and not is_pg_url(store.location):
        raise BadInput("the destination is this store itself")
    if path.exists() and not path.is_dir():
        raise BadInput(f"destination {path} is a file")
    if (path / "config.json").is_file():
        return DirBackend.open(path), path
    if not path.exists() or not any(path.iterdir()):
        return DirBackend.create(path, _utcnow()), path
    if {p.name for p in path.iterdir()} <= _PARTIAL and (path / "keys" / "signing.pub").is_file():
        _adopt_partial(path)  # a first sync that stopped before its config: resumed
        return DirBackend.open(path), path
    raise BadInput(f"destination {path} is a directory that is neither empty nor a proofshot "
                   "store")


_PARTIAL = {"keys", "packs", "snapshots", "tmp", "logs", "trusted", "index.sqlite",
            "index.sqlite-wal", "index.sqlite-shm", "lock", "tsa-ca.pem"}


def _adopt_partial(path: Path) -> None:
    import json

    from proofshot.store.dirbackend import STORE_FORMAT, atomic_write

    for name in ("index.sqlite", "index.sqlite-wal", "index.sqlite-shm"):
        (path / name).unlink(missing_ok=True)  # rebuilt from the files (never the truth)
    (path / "tmp").mkdir(exist_ok=True)
    for d in ("packs", "snapshots"):
        (path / d).mkdir(exist_ok=True)
    atomic_write(path / "config.json", json.dumps(
        {"format": STORE_FORMAT, "created": _utcnow()}, indent=2).encode(), path / "tmp")


def sync_to(store: EvidenceStore, backend: Backend, where: Path | str) -> SyncResult:
    """Copy into an open backend, verify it there, repair what fails its hash from ours."""
    sink = BackendSink(backend)
    with store.lock():
        store.reconcile()
        res = copy(store, sink, result=CopyResult(where))
    copy_store = Store(backend, Workspace(Path(where)) if isinstance(backend, DirBackend)
                       else store.workspace)
    report: VerifyReport = verify_store(copy_store)
    if not report.ok and repair(store, sink, report.problems, res):
        report = verify_store(copy_store)
    res.report = report
    if not report.ok:
        raise IntegrityError(f"the copy at {where} does not verify: {report.problems[0]}")
    return res


def sync(store: EvidenceStore, dest: Path | str) -> SyncResult:
    backend, where = _dest_backend(store, dest)
    try:
        return sync_to(store, backend, where)
    finally:
        backend.close()
