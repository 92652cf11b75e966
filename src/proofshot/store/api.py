"""The store as the layers above see it: `typing.Protocol`s, not the class (restic's `Repository`
interface, Nornir's inventory protocols). Only store/ and the service layer import the concrete
`proofshot.store.embedded.Store`; everyone else imports from here (tests/model/test_seams.py greps).

    ObjectReader       has/get/get_json: objects by id (rederive, bundles, record readers)
    ObjectSink         put/put_json: a scan's new objects (`Store.writer()`), visible after commit
    SnapshotIndex      resolve/manifest/snapshots/latest: manifests and labels
    Settings           root/tmp_dir/lock: config.json (identity, logo) and scratch space
    EvidenceStore      all of it, plus the backend, the workspace (keys, settings, scratch), the
                       lock and commit: what sync, bundles and the scan service need

    open_store(location)    an existing store (a directory or a postgresql:// URL)
    create_store(location)  a new one
    store_on(backend, ws)   evidence in a backend opened elsewhere (ssh://, transports/)

The factories import the class on first call: `proofshot --version` and the other fast commands
(cli/fast.py) load nothing more by importing this module.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from proofshot.store.backend import Backend, SnapshotInfo
    from proofshot.store.embedded import ObjectWriter
    from proofshot.store.keys import Keys
    from proofshot.store.workspace import Workspace

__all__ = ["EvidenceStore", "ObjectReader", "ObjectSink", "Settings", "SnapshotIndex", "atomic_write",
           "create_store", "open_store", "store_on", "utcnow"]


class ObjectReader(Protocol):
    def has(self, oid: str) -> bool: ...
    def get(self, oid: str) -> bytes: ...
    def get_json(self, oid: str) -> Any: ...


class ObjectSink(Protocol):
    @property
    def store(self) -> ObjectReader: ...
    def put(self, raw: bytes, base: str | None = None) -> str: ...
    def put_json(self, value: Any) -> str: ...


class SnapshotIndex(Protocol):
    def resolve(self, ref: str) -> str: ...
    def manifest(self, sid: str, check: bool = True) -> dict[str, Any]: ...
    def snapshots(self) -> list[SnapshotInfo]: ...
    def latest(self) -> SnapshotInfo | None: ...


class Settings(Protocol):
    @property
    def root(self) -> Path: ...
    @property
    def tmp_dir(self) -> Path: ...
    def lock(self) -> contextlib.AbstractContextManager[None]: ...


class EvidenceStore(ObjectReader, SnapshotIndex, Settings, Protocol):
    @property
    def backend(self) -> Backend: ...
    @property
    def workspace(self) -> Workspace: ...
    @property
    def keys(self) -> Keys: ...
    @property
    def location(self) -> str: ...
    @property
    def packs_dir(self) -> Path: ...
    @property
    def snap_dir(self) -> Path: ...
    def close(self) -> None: ...
    def reconcile(self) -> None: ...
    def get_compressed(self, oid: str) -> bytes: ...
    def get_many(self, oids: Iterable[str]) -> Iterator[bytes]: ...
    def raw_objects(self) -> Iterator[tuple[str, bytes]]: ...
    def depth(self, oid: str) -> int: ...
    def writer(self) -> ObjectWriter: ...
    def commit(self, body: dict[str, Any], writer: ObjectWriter) -> str: ...
    def manifest_doc(self, sid: str) -> dict[str, Any]: ...
    def manifest_doc_bytes(self, sid: str) -> bytes: ...
    def signers(self) -> dict[str, Any]: ...
    def forget_signers(self) -> None: ...
    def accepts(self, pub: str, body: dict[str, Any]) -> bool: ...


def open_store(location: Path | str) -> EvidenceStore:
    """The store at a location: a directory (its own workspace) or a postgresql:// URL (signed by
    the local workspace). `BadInput` when there is none."""
    from proofshot.store.embedded import Store

    return Store.open(location)


def create_store(location: Path | str) -> EvidenceStore:
    from proofshot.store.embedded import Store

    return Store.create(location)


def store_on(backend: Backend, workspace: Workspace) -> EvidenceStore:
    """Evidence in an already open backend (e.g. a directory store on another machine, read
    over SFTP), signed and checked with `workspace`'s keys."""
    from proofshot.store.embedded import Store

    return Store(backend, workspace)


def utcnow() -> str:
    """Now, UTC, to the second, as the store writes it (`2026-01-31T12:00:00Z`)."""
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def atomic_write(path: Path, data: bytes, tmp_dir: Path) -> None:
    from proofshot.store.dirbackend import atomic_write as write

    write(path, data, tmp_dir)
