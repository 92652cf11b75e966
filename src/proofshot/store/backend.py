"""The storage interface every store sits on, in the spirit of restic's backends.

A backend keeps immutable values, each named by kind and content id, and one mutable thing:
the tip of the chain of manifests, moved only by `advance` (compare and swap, atomic).

    kind        name                         value
    pack        SHA-256 of the pack          many objects (packs.py); the backend indexes them
    manifest    snapshot id                  a signed manifest document (advance only)
    log         LOGNAME/entry id             a signed entry of a document log (the job record)
    token       snapshot id                  an RFC 3161 time-stamp response for that manifest
    key         key fingerprint              an enrolled public key (base64 Ed25519 + status)

Objects (the rows, trees and transcripts a manifest points at) live inside packs; the backend
answers where each one is (`object_payload`, `has_object`, `object_ids`), so a reader never
fetches a whole pack for one object.

What is not evidence (the signing key, known hosts, settings, scratch space) is not here: see
`proofshot.store.workspace.Workspace`. Implementations: `dirbackend.DirBackend` (a directory
with a SQLite index) and `pgbackend.PgBackend` (PostgreSQL). `tests/store/test_conformance.py`
holds every backend to the same rules.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal, Protocol

from proofshot.model.errors import StoreError

Kind = Literal["pack", "manifest", "log", "token", "key"]
KINDS: tuple[Kind, ...] = ("pack", "manifest", "log", "token", "key")


class ChainMoved(StoreError):
    """`advance` found another tip than the one the new manifest follows (another writer won)."""


@dataclass(frozen=True)
class SnapshotInfo:
    id: str
    seq: int
    label: str
    created: str
    prev: str | None
    customer: str = ""


@dataclass(frozen=True)
class SealedPack:
    """A pack written and fsynced in the backend's scratch space, not yet part of the store."""

    name: str
    path: Path
    entries: list[tuple[str, int, int]]  # object id, offset of its payload, payload length

    def __iter__(self) -> Iterator[object]:
        """Unpacks as (name, entries), as the writer's list of sealed packs always did."""
        return iter((self.name, self.entries))


class Backend(Protocol):
    """What a store needs from where it keeps its bytes."""

    location: str

    # -- immutable values by kind and content id --------------------------------------------
    def has(self, kind: Kind, name: str) -> bool: ...

    def get(self, kind: Kind, name: str) -> bytes:
        """The value as stored; raises IntegrityError when it is missing."""
        ...

    def open_pack(self, name: str) -> AbstractContextManager[BinaryIO]:
        """A pack as a file (a pack can be large: read it in blocks)."""
        ...

    def list(self, kind: Kind) -> builtins.list[str]: ...

    def put(self, kind: Kind, name: str, data: bytes, *, replace: bool = False) -> None:
        """Store a value once (idempotent). `replace`: overwrite a value that fails its check
        (a repair from a good copy). Manifests go through `advance`, packs also via
        `add_pack`."""
        ...

    # -- packs and the objects in them -------------------------------------------------------
    def scratch(self) -> Path:
        """Where packs are written before `add_pack` (same filesystem for a directory)."""
        ...

    def add_pack(self, pack: SealedPack) -> None:
        """Make a sealed pack part of the store (durable, indexed) and take its file."""
        ...

    def has_object(self, oid: str) -> bool: ...

    def object_payload(self, oid: str) -> bytes:
        """The stored (compressed or delta) payload of one object; IntegrityError if absent."""
        ...

    def object_ids(self) -> Iterator[str]: ...

    def index_entries(self, pack: str) -> builtins.list[tuple[str, int, int]]:
        """What the index says a pack holds."""
        ...

    def check_index(self, pack: str, records: builtins.list[tuple[str, int, int]]
                    ) -> builtins.list[str]:
        """Ids the index places in this pack other than where the pack holds them (verify
        hands over what it read from the pack: (id, offset, length) of each record)."""
        ...

    # -- the chain ---------------------------------------------------------------------------
    def snapshots(self) -> builtins.list[SnapshotInfo]: ...

    def tip(self) -> SnapshotInfo | None: ...

    def advance(self, prev: str | None, info: SnapshotInfo, doc: bytes) -> None:
        """Atomically: if the tip is `prev`, store the signed manifest `doc` as snapshot
        `info.id` and make it the tip; else raise ChainMoved and store nothing."""
        ...

    # -- housekeeping ------------------------------------------------------------------------
    def lock(self) -> AbstractContextManager[None]:
        """One writer at a time for read-modify-write sequences (document logs, sync)."""
        ...

    def refresh(self) -> None:
        """Bring any index up to what is stored (after a crash); a no-op where there is none."""
        ...

    def close(self) -> None: ...
