"""The store: evidence in a `Backend` (objects in packs, signed manifests, the chain, the job
record), signed with the key of a `Workspace`.

    Store.open("DIR")                       a directory store (DirBackend; its own workspace)
    Store.open("postgresql://u@h:5432/db")  a PostgreSQL store (PgBackend), signed by the local
                                            workspace (PROOFSHOT_WORKSPACE or .proofshot upwards)

`commit` writes a scan's packs, then signs the manifest and advances the chain with the
backend's compare-and-swap (retried when another writer won the race). It does nothing else:
time-stamping is the caller's (`proofshot.store.timestamp.stamp_after_commit`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import zstandard

from proofshot.model.canonical import canonical, sha256_hex
from proofshot.model.errors import BadInput, IntegrityError
from proofshot.store.backend import Backend, ChainMoved, SealedPack, SnapshotInfo
from proofshot.store.dirbackend import STORE_FORMAT, DirBackend, atomic_write, info_of
from proofshot.store.keys import salt_fingerprint, verify_signature
from proofshot.store.packs import MAX_DEPTH, PACK_LIMIT, PackWriter, decode, delta_header, read_records
from proofshot.store.refs import resolve_ref
from proofshot.store.workspace import Workspace, find_workspace, is_pg_url

if TYPE_CHECKING:  # the fetch pool's modules load when a pool is first made
    from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["MANIFEST_FORMAT", "STORE_FORMAT", "ObjectWriter", "SnapshotInfo", "Store",
           "manifest_id"]

MANIFEST_FORMAT = "proofshot-manifest/1"


def _atomic_write(path: Path, data: bytes, tmp_dir: Path) -> None:
    atomic_write(path, data, tmp_dir)


def manifest_id(body: dict[str, Any]) -> str:
    return sha256_hex(canonical(body))


class ObjectWriter:
    """Collects new objects of one scan into packs; nothing is visible until `Store.commit`.

    Whether the store already holds an object is asked per object of a directory store (an
    index lookup), but in batches where the backend answers many at once (`has_objects`:
    PostgreSQL, one query per batch instead of one round trip per object): objects wait in
    `pending` (at most PENDING_OBJECTS or PENDING_BYTES) until one query says which are new."""

    PENDING_OBJECTS = 1024
    PENDING_BYTES = 4 << 20

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pack: PackWriter | None = None
        self.sealed: list[SealedPack] = []
        self.seen: set[str] = set()
        self.bytes_new = 0
        self._has_many = getattr(store.backend, "has_objects", None)
        self.pending: list[tuple[str, bytes, str | None]] = []
        self._pending_bytes = 0

    def put(self, raw: bytes, base: str | None = None) -> str:
        """Store an object once. `base`: an earlier, committed object this one is likely a
        new version of; it is then stored as a delta against it (a few bytes per change)."""
        oid = hashlib.sha256(raw).hexdigest()
        if oid in self.seen:
            return oid
        self.seen.add(oid)
        if self._has_many is not None:
            self.pending.append((oid, raw, base))
            self._pending_bytes += len(raw)
            if len(self.pending) >= self.PENDING_OBJECTS or \
                    self._pending_bytes >= self.PENDING_BYTES:
                self.flush()
            return oid
        if not self.store.has(oid):
            self._add(oid, raw, base if base is not None and self.store.has(base) else None)
        return oid

    def flush(self) -> None:
        """Ask the store once which pending objects (and delta bases) it holds; pack the rest."""
        if not self.pending or self._has_many is None:
            return
        pending, self.pending, self._pending_bytes = self.pending, [], 0
        asked = {oid for oid, _, _ in pending} | {b for _, _, b in pending if b is not None}
        held: set[str] = self._has_many(asked)
        for oid, raw, base in pending:
            if oid not in held:
                self._add(oid, raw, base if base in held else None)

    def _add(self, oid: str, raw: bytes, base: str | None) -> None:
        """Pack a new object (`base`: a committed object, or None)."""
        if self.pack is None:
            scratch = self.store.backend.scratch()
            self.pack = PackWriter(scratch, scratch)
        based: tuple[str, bytes, int] | None = None
        if base is not None:
            depth = self.store.depth(base)
            if depth < MAX_DEPTH:
                based = (base, self.store.get(base), depth)
        self.pack.add(oid, raw, based)
        self.bytes_new += len(raw)
        if self.pack.size >= PACK_LIMIT:
            self.sealed.append(self.pack.seal_here())
            self.pack = None

    def put_json(self, value: Any) -> str:
        return self.put(canonical(value))

    def seal(self) -> list[SealedPack]:
        self.flush()
        if self.pack is not None:
            self.sealed.append(self.pack.seal_here())
            self.pack = None
        return self.sealed

    def abort(self) -> None:
        self.pending, self._pending_bytes = [], 0
        if self.pack is not None:
            self.pack.abort()
            self.pack = None
        for p in self.sealed:
            p.path.unlink(missing_ok=True)
        self.sealed = []


class Store:
    """Evidence in a backend, signed by a workspace. Open with `Store.open`, create with
    `Store.create`."""

    def __init__(self, backend: Backend, workspace: Workspace) -> None:
        self.backend = backend
        self.workspace = workspace
        self.keys = workspace.keys
        self._bases: dict[str, bytes] = {}  # raw bytes of recently used delta bases
        self._depths: dict[str, int] = {}
        self._trusted: dict[str, Any] | None = None

    # -- where things are (workspace first: a PostgreSQL store has no directory) -------------
    @property
    def root(self) -> Path:
        return self.workspace.root

    @property
    def tmp_dir(self) -> Path:
        return self.workspace.scratch()

    @property
    def location(self) -> str:
        return self.backend.location

    @property
    def packs_dir(self) -> Path:
        return self._dir().packs_dir

    @property
    def snap_dir(self) -> Path:
        return self._dir().snap_dir

    def _dir(self) -> DirBackend:
        if not isinstance(self.backend, DirBackend):
            raise TypeError(f"{self.location} is not a directory store")
        return self.backend

    # -- lifecycle -------------------------------------------------------------------------
    @classmethod
    def create(cls, location: Path | str) -> Store:
        if is_pg_url(location):
            return cls._create_pg(str(location))
        root = Path(location)
        backend = DirBackend.create(root, _utcnow())
        return cls(backend, Workspace.create(root))

    @classmethod
    def open(cls, location: Path | str) -> Store:
        if is_pg_url(location):
            return cls._open_pg(str(location))
        root = Path(location)
        backend = DirBackend.open(root)
        return cls(backend, Workspace(root))

    @classmethod
    def _create_pg(cls, url: str) -> Store:
        from proofshot.store.pgbackend import PgBackend
        from proofshot.store.trust import enroll_owner

        ws = Workspace.open_or_create(find_workspace())
        store = cls(PgBackend.create(url), ws)
        enroll_owner(store)  # the creating workspace's key signs enrolments
        return store

    @classmethod
    def _open_pg(cls, url: str) -> Store:
        from proofshot.store.pgbackend import PgBackend

        return cls(PgBackend.open(url), Workspace.open_or_create(find_workspace()))

    def close(self) -> None:
        self.backend.close()

    def lock(self) -> contextlib.AbstractContextManager[None]:
        return self.backend.lock()

    def reconcile(self) -> None:
        self.backend.refresh()

    # -- objects ---------------------------------------------------------------------------
    def has(self, oid: str) -> bool:
        return self.backend.has_object(oid)

    def get_compressed(self, oid: str) -> bytes:
        return self.backend.object_payload(oid)

    def get(self, oid: str) -> bytes:
        """The raw object, checked against its id (a flipped byte never goes unnoticed)."""
        cached = self._bases.get(oid)
        if cached is not None:
            return cached
        payload = self.get_compressed(oid)
        head = delta_header(payload)
        try:
            raw = decode(payload, self._base)
        except (zstandard.ZstdError, ValueError):
            raise IntegrityError(f"object {oid} is corrupt (cannot decompress)") from None
        if hashlib.sha256(raw).hexdigest() != oid:
            raise IntegrityError(f"object {oid} is corrupt (content does not match its id)")
        self._depths[oid] = head[1] if head else 0
        return raw

    def get_many(self, oids: Iterable[str]) -> Iterator[bytes]:
        """`get` of many objects, in the order asked, each checked against its id as `get`
        checks it (the same IntegrityError, raised where that object's turn comes).

        A thread pool reads, decompresses and hashes batches ahead (SQLite, pread, zstd and
        SHA-256 release the GIL). A directory store is read on the pool threads (one index
        query per batch, each thread through an index connection of its own); any other
        backend (PostgreSQL: one psycopg connection, never shared between threads) is read
        here, in the caller's thread, and only opened on the pool. Memory: at most
        FETCH_AHEAD batches of FETCH_BATCH objects in flight; batches not reached when the
        caller stops are cancelled. A delta (which needs its base) or a cached base is left
        to `get`, in this thread."""
        pool = _fetch_pool()
        it = iter(oids)
        ahead: deque[tuple[list[str], Future[list[bytes | IntegrityError | None]]]] = deque()
        more = True
        try:
            while True:
                while more and len(ahead) < FETCH_AHEAD:
                    batch = list(islice(it, FETCH_BATCH))
                    if not batch:
                        more = False
                        break
                    ahead.append((batch, self._submit(pool, batch)))
                if not ahead:
                    return
                batch, fut = ahead.popleft()
                for oid, got in zip(batch, fut.result(), strict=True):
                    if isinstance(got, IntegrityError):
                        raise got
                    yield self.get(oid) if got is None else got
        finally:
            for _, fut in ahead:
                fut.cancel()

    def _submit(self, pool: ThreadPoolExecutor, batch: list[str]
                ) -> Future[list[bytes | IntegrityError | None]]:
        """Open a batch on the pool. A backend with `object_payloads` (a directory: safe from
        any thread) is read there too; any other (PostgreSQL: one connection) is read here, one
        object at a time. Cached delta bases are left out (None): `get` answers them."""
        todo = [o for o in batch if o not in self._bases]
        many = getattr(self.backend, "object_payloads", None)
        if many is not None:
            def fetch_and_open() -> list[bytes | IntegrityError | None]:
                found: list[bytes | None] = many(todo)
                got = dict(zip(todo, found, strict=True))
                return open_plain(batch, [
                    IntegrityError(f"object {o} is missing from the store") if o in got and
                    got[o] is None else got.get(o) for o in batch])

            return pool.submit(fetch_and_open)
        payloads: dict[str, bytes | IntegrityError] = {}
        for o in todo:
            try:
                payloads[o] = self.get_compressed(o)
            except IntegrityError as exc:
                payloads[o] = exc
        return pool.submit(open_plain, batch, [payloads.get(o) for o in batch])

    def raw_objects(self) -> Iterator[tuple[str, bytes]]:
        """Every object in every pack, decoded (for searching a store for a secret)."""
        for name in self.backend.list("pack"):
            with self.backend.open_pack(name) as fh:
                for oid, _off, payload in read_records(fh):
                    yield oid, decode(payload, self._base)

    def _base(self, oid: str) -> bytes:
        raw = self._bases.get(oid)
        if raw is None:
            raw = self.get(oid)
            if len(self._bases) >= 512:
                self._bases.pop(next(iter(self._bases)))
            self._bases[oid] = raw
        return raw

    def depth(self, oid: str) -> int:
        """How many deltas deep an object is stored (0: plain)."""
        if oid not in self._depths:
            head = delta_header(self.get_compressed(oid)[:40])
            self._depths[oid] = head[1] if head else 0
        return self._depths[oid]

    def get_json(self, oid: str) -> Any:
        return json.loads(self.get(oid))

    def writer(self) -> ObjectWriter:
        return ObjectWriter(self)

    # -- snapshots -------------------------------------------------------------------------
    def commit(self, body: dict[str, Any], writer: ObjectWriter) -> str:
        """Store the objects, then chain, sign and store the manifest. Returns the id."""
        if not self.accepts(self.keys.public_b64, {"seq": 1 << 62}):  # from now on
            writer.abort()  # nothing of a refused signer enters the store
            raise BadInput(f"{self.location.split('@')[-1]} does not accept this "
                           f"workspace's key {self.keys.fingerprint}: the store's owner "
                           "must enroll it first (proofshot key trust FILE.pub)")
        for pack in writer.seal():
            self.backend.add_pack(pack)
        with self.lock():
            for _ in range(1000):
                self.reconcile()
                tip = self.backend.tip()  # the chain's head, even where rows are hidden
                full = dict(body)
                full["format"] = MANIFEST_FORMAT
                full["seq"] = tip.seq + 1 if tip else 1
                full["prev"] = tip.id if tip else None
                full["key"] = self.keys.fingerprint
                full["salt"] = salt_fingerprint(self.keys.salt)
                sid = manifest_id(full)
                doc = {"body": full, "signature": self.keys.sign(canonical(full)),
                       "public_key": self.keys.public_b64}
                try:
                    self.backend.advance(full["prev"], info_of(sid, full), canonical(doc))
                except ChainMoved:
                    continue
                self._clean_tmp()
                return sid
        raise ChainMoved("the chain kept moving: 1000 commits raced this one")

    def _clean_tmp(self) -> None:
        tmp = self.workspace.tmp_dir
        for p in tmp.glob("*.tmp") if tmp.is_dir() else []:
            parts = p.name.split(".")[-2:-1] + p.name.split("-")[1:2]
            pids = [int(x) for x in parts if x.isdigit()]
            if pids and not _alive(pids[0]):
                if p.is_dir():  # a scan's work directory (scan.service)
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)

    def snapshots(self) -> list[SnapshotInfo]:
        return self.backend.snapshots()

    def latest(self) -> SnapshotInfo | None:
        """The newest snapshot this reader may see (a technician limited to some customers
        sees theirs only); the chain's head is `backend.tip()`."""
        snaps = self.backend.snapshots()
        return snaps[-1] if snaps else None

    def manifest_doc(self, sid: str) -> dict[str, Any]:
        try:
            doc: dict[str, Any] = json.loads(self.manifest_doc_bytes(sid))
        except ValueError:
            raise IntegrityError(f"manifest of snapshot {sid[:12]} is not valid JSON") from None
        return doc

    def manifest_doc_bytes(self, sid: str) -> bytes:
        """The signed manifest as stored (for export and sync)."""
        try:
            return self.backend.get("manifest", sid)  # one read (a round trip on PostgreSQL)
        except IntegrityError:
            raise IntegrityError(f"manifest of snapshot {sid[:12]} is missing") from None

    def signers(self) -> dict[str, Any]:
        """public key (base64) -> its enrolment record; this workspace's own key first."""
        if self._trusted is None:
            from proofshot.store.trust import trusted_keys

            self._trusted = trusted_keys(self)
        return self._trusted

    def forget_signers(self) -> None:
        """After an enrolment or a revocation: `signers` reads the key records again."""
        self._trusted = None

    def accepts(self, pub: str, body: dict[str, Any]) -> bool:
        """Whether a manifest signed by pub belongs here (own or enrolled, not revoked then)."""
        from proofshot.store.trust import accepts

        return accepts(self.signers(), pub, body)

    def manifest(self, sid: str, check: bool = True) -> dict[str, Any]:
        """The manifest body; checked against its id and signature unless check=False."""
        doc = self.manifest_doc(sid)
        body: dict[str, Any] = doc.get("body", {})
        if check:
            if manifest_id(body) != sid:
                raise IntegrityError(f"manifest {sid[:12]} does not match its id (altered)")
            pub = doc.get("public_key")
            if not isinstance(pub, str) or not self.accepts(pub, body) or not verify_signature(
                    pub, doc.get("signature", ""), canonical(body)):
                raise IntegrityError(f"manifest {sid[:12]}: signature does not verify")
        return body

    def resolve(self, ref: str) -> str:
        """An id, a unique id prefix, a label (its latest snapshot), `latest` or `previous`,
        among the snapshots this reader may see (store.refs)."""
        return resolve_ref(self.snapshots(), ref)


FETCH_BATCH = 64
FETCH_AHEAD = 8
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
_LOCAL = threading.local()


def _fetch_pool() -> ThreadPoolExecutor:
    """One pool for every store of the process (its tasks hold no store state of their own:
    bytes, and a directory backend's per-thread readers)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            from concurrent.futures import ThreadPoolExecutor

            _POOL = ThreadPoolExecutor(max(2, min(4, os.cpu_count() or 2)),
                                       thread_name_prefix="proofshot-fetch")
        return _POOL


def _forget_pool() -> None:
    """In a forked child the pool's threads do not exist: the child starts its own."""
    global _POOL, _POOL_LOCK
    _POOL, _POOL_LOCK = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool)


def open_plain(oids: list[str], payloads: list[bytes | IntegrityError | None]
               ) -> list[bytes | IntegrityError | None]:
    """Decompress and check plain payloads (on a pool thread): the raw object, the
    IntegrityError `Store.get` would raise for it, or None for what `get` must open itself (a
    delta, which needs its base, or an object it did not fetch)."""
    dctx = getattr(_LOCAL, "dctx", None)
    if dctx is None:
        dctx = _LOCAL.dctx = zstandard.ZstdDecompressor()
    out: list[bytes | IntegrityError | None] = []
    for oid, payload in zip(oids, payloads, strict=True):
        if not isinstance(payload, bytes) or delta_header(payload) is not None:
            out.append(None if isinstance(payload, bytes) else payload)
            continue
        try:
            raw: bytes = dctx.decompress(payload)
        except (zstandard.ZstdError, ValueError):
            out.append(IntegrityError(f"object {oid} is corrupt (cannot decompress)"))
            continue
        if hashlib.sha256(raw).hexdigest() != oid:
            out.append(IntegrityError(f"object {oid} is corrupt (content does not match its id)"))
            continue
        out.append(raw)
    return out


def open_backend(location: str) -> Backend:
    """The backend at a location (a directory or a postgresql:// URL), without a workspace."""
    if is_pg_url(location):
        from proofshot.store.pgbackend import PgBackend

        return PgBackend.open(location)
    return DirBackend.open(Path(location))


def _utcnow() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
