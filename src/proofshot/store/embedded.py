"""The embedded store: a directory with pack files, signed manifests and a SQLite index.

    config.json          format marker
    keys/                signing.key (0600), signing.pub, salt (0600)
    packs/<sha>.pack     immutable object packs (see packs.py)
    snapshots/<id>.json  immutable signed manifests; <id> = SHA-256 of the canonical body
    index.sqlite         where each object lives, and the snapshot list; rebuilt from the
                         files above if it lags behind them (it is never the truth)
    lock                 flock: one commit at a time, so the chain never forks
    tmp/                 packs and manifests being written

Write order, each step durable before the next: packs (fsync, rename) -> manifest (fsync,
rename) -> index (one SQLite transaction). A kill at any point leaves either the old state or
the new one plus unreferenced packs, which the next open indexes.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zstandard

from proofshot.model.canonical import canonical, sha256_hex
from proofshot.model.errors import BadInput, IntegrityError, SnapshotNotFound, StoreError
from proofshot.store.keys import Keys, create_keys, verify_signature
from proofshot.store.packs import (
    MAX_DEPTH,
    PACK_LIMIT,
    PackWriter,
    decode,
    delta_header,
    fsync_dir,
    read_records,
)

STORE_FORMAT = "proofshot-store/1"
MANIFEST_FORMAT = "proofshot-manifest/1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS packs (name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS objects (
    id BLOB PRIMARY KEY, pack TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, label TEXT, created TEXT, prev TEXT
);
"""


@dataclass(frozen=True)
class SnapshotInfo:
    id: str
    seq: int
    label: str
    created: str
    prev: str | None


def _atomic_write(path: Path, data: bytes, tmp_dir: Path) -> None:
    tmp = tmp_dir / f"{path.name}.{os.getpid()}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def manifest_id(body: dict[str, Any]) -> str:
    return sha256_hex(canonical(body))


class ObjectWriter:
    """Collects new objects of one scan into packs; nothing is visible until `Store.commit`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pack: PackWriter | None = None
        self.sealed: list[tuple[str, list[tuple[str, int, int]]]] = []
        self.seen: set[str] = set()
        self.bytes_new = 0

    def put(self, raw: bytes, base: str | None = None) -> str:
        """Store an object once. `base`: an earlier, committed object this one is likely a
        new version of; it is then stored as a delta against it (a few bytes per change)."""
        oid = hashlib.sha256(raw).hexdigest()
        if oid in self.seen or self.store.has(oid):
            self.seen.add(oid)
            return oid
        self.seen.add(oid)
        if self.pack is None:
            self.pack = PackWriter(self.store.tmp_dir, self.store.packs_dir)
        based: tuple[str, bytes, int] | None = None
        if base is not None and self.store.has(base):
            depth = self.store.depth(base)
            if depth < MAX_DEPTH:
                based = (base, self.store.get(base), depth)
        self.pack.add(oid, raw, based)
        self.bytes_new += len(raw)
        if self.pack.size >= PACK_LIMIT:
            self.sealed.append(self.pack.seal())
            self.pack = None
        return oid

    def put_json(self, value: Any) -> str:
        return self.put(canonical(value))

    def seal(self) -> list[tuple[str, list[tuple[str, int, int]]]]:
        if self.pack is not None:
            self.sealed.append(self.pack.seal())
            self.pack = None
        return self.sealed

    def abort(self) -> None:
        if self.pack is not None:
            self.pack.abort()
            self.pack = None


class Store:
    """One technician's store on disk. Open with `Store.open`, create with `Store.create`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.packs_dir = root / "packs"
        self.snap_dir = root / "snapshots"
        self.tmp_dir = root / "tmp"
        self.keys = Keys(root / "keys")
        self._db: sqlite3.Connection | None = None
        self._fds: dict[str, int] = {}
        self._bases: dict[str, bytes] = {}  # raw bytes of recently used delta bases
        self._depths: dict[str, int] = {}

    # -- lifecycle -------------------------------------------------------------------------
    @classmethod
    def create(cls, root: Path) -> Store:
        if root.exists() and not root.is_dir():
            raise BadInput(f"store path {root} exists and is not a directory")
        if (root / "config.json").exists():
            raise BadInput(f"a store already exists at {root}")
        if root.exists() and any(p for p in root.iterdir() if p.name != ".gitignore"):
            raise BadInput(f"store path {root} is a directory that is not empty")
        root.mkdir(parents=True, exist_ok=True)
        for d in ("packs", "snapshots", "tmp"):
            (root / d).mkdir(exist_ok=True)
        create_keys(root / "keys")
        cfg = {"format": STORE_FORMAT, "created": _utcnow()}
        _atomic_write(root / "config.json", json.dumps(cfg, indent=2).encode(), root / "tmp")
        store = cls(root)
        store.db()
        return store

    @classmethod
    def open(cls, root: Path) -> Store:
        if root.exists() and not root.is_dir():
            raise BadInput(f"store path {root} is a file, not a store directory")
        cfg_path = root / "config.json"
        if not cfg_path.is_file():
            raise BadInput(f"no proofshot store at {root} (run 'proofshot init --store {root}')")
        try:
            cfg = json.loads(cfg_path.read_text())
        except (OSError, ValueError) as exc:
            raise StoreError(f"{cfg_path}: unreadable store config: {exc}") from None
        if cfg.get("format") != STORE_FORMAT:
            raise StoreError(f"{cfg_path}: unknown store format {cfg.get('format')!r}")
        store = cls(root)
        store.reconcile()
        return store

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()
        if self._db is not None:
            self._db.close()
            self._db = None

    def db(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                db = sqlite3.connect(self.root / "index.sqlite", timeout=60, isolation_level=None)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open index of {self.root}: {exc}") from None
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(_SCHEMA)
            self._db = db
        return self._db

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        with open(self.root / "lock", "a+b") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    # -- objects ---------------------------------------------------------------------------
    def has(self, oid: str) -> bool:
        cur = self.db().execute("SELECT 1 FROM objects WHERE id=?", (bytes.fromhex(oid),))
        return cur.fetchone() is not None

    def locate(self, oid: str) -> tuple[str, int, int] | None:
        cur = self.db().execute(
            "SELECT pack, offset, length FROM objects WHERE id=?", (bytes.fromhex(oid),)
        )
        row = cur.fetchone()
        return (row[0], row[1], row[2]) if row else None

    def get_compressed(self, oid: str) -> bytes:
        loc = self.locate(oid)
        if loc is None:
            raise IntegrityError(f"object {oid} is missing from the store")
        pack, offset, length = loc
        fd = self._fds.get(pack)
        if fd is None:
            try:
                fd = os.open(self.packs_dir / f"{pack}.pack", os.O_RDONLY)
            except OSError:
                raise IntegrityError(f"pack {pack} holding object {oid} is missing") from None
            self._fds[pack] = fd
        data = os.pread(fd, length, offset)
        if len(data) != length:
            raise IntegrityError(f"object {oid}: pack {pack} is truncated")
        return data

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

    def raw_objects(self) -> Iterator[tuple[str, bytes]]:
        """Every object in every pack, decoded (for searching a store for a secret)."""
        for pack in sorted(self.packs_dir.glob("*.pack")):
            for oid, _off, payload in read_records(pack):
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
        """Seal the objects, then chain, sign and write the manifest, then index. Returns the id."""
        sealed = writer.seal()
        with self.lock():
            self.reconcile()
            tip = self.latest()
            body = dict(body)
            body["format"] = MANIFEST_FORMAT
            body["seq"] = tip.seq + 1 if tip else 1
            body["prev"] = tip.id if tip else None
            body["key"] = self.keys.fingerprint
            sid = manifest_id(body)
            doc = {
                "body": body,
                "signature": self.keys.sign(canonical(body)),
                "public_key": self.keys.public_b64,
            }
            _atomic_write(self.snap_dir / f"{sid}.json", canonical(doc), self.tmp_dir)
            db = self.db()
            db.execute("BEGIN IMMEDIATE")
            try:
                for pack, entries in sealed:
                    self._index_pack(db, pack, entries)
                self._index_manifest(db, sid, body)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            self._clean_tmp()
        from proofshot.store.timestamp import stamp_after_commit

        stamp_after_commit(self, sid)
        return sid

    def _index_pack(
        self, db: sqlite3.Connection, pack: str, entries: list[tuple[str, int, int]]
    ) -> None:
        db.execute("INSERT OR IGNORE INTO packs(name) VALUES (?)", (pack,))
        db.executemany(
            "INSERT OR IGNORE INTO objects(id, pack, offset, length) VALUES (?,?,?,?)",
            ((bytes.fromhex(o), pack, off, ln) for o, off, ln in entries),
        )

    def _index_manifest(self, db: sqlite3.Connection, sid: str, body: dict[str, Any]) -> None:
        db.execute(
            "INSERT OR IGNORE INTO snapshots(id, seq, label, created, prev) VALUES (?,?,?,?,?)",
            (sid, body["seq"], body.get("label", ""), body.get("created", ""), body.get("prev")),
        )

    def reconcile(self) -> None:
        """Bring the index up to the files: packs and manifests written before a crash."""
        db = self.db()
        known_packs = {r[0] for r in db.execute("SELECT name FROM packs")}
        known_snaps = {r[0] for r in db.execute("SELECT id FROM snapshots")}
        new_packs = [
            p for p in self.packs_dir.glob("*.pack") if p.stem not in known_packs
        ] if self.packs_dir.is_dir() else []
        new_snaps = [
            p for p in self.snap_dir.glob("*.json") if p.stem not in known_snaps
        ] if self.snap_dir.is_dir() else []
        if not new_packs and not new_snaps:
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            for p in new_packs:
                try:
                    entries = [(o, off, len(d)) for o, off, d in read_records(p)]
                except ValueError:
                    continue  # verify reports it; a broken pack must not block reading others
                self._index_pack(db, p.stem, entries)
            for p in new_snaps:
                try:
                    doc = json.loads(p.read_bytes())
                    self._index_manifest(db, p.stem, doc["body"])
                except (ValueError, KeyError, TypeError):
                    continue
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _clean_tmp(self) -> None:
        for p in self.tmp_dir.glob("*.tmp"):
            parts = p.name.split(".")[-2:-1] + p.name.split("-")[1:2]
            pids = [int(x) for x in parts if x.isdigit()]
            if pids and not _alive(pids[0]):
                if p.is_dir():  # a scan's work directory (scan.service)
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)

    def snapshots(self) -> list[SnapshotInfo]:
        rows = self.db().execute(
            "SELECT id, seq, label, created, prev FROM snapshots ORDER BY seq"
        ).fetchall()
        return [SnapshotInfo(*r) for r in rows]

    def latest(self) -> SnapshotInfo | None:
        row = self.db().execute(
            "SELECT id, seq, label, created, prev FROM snapshots ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return SnapshotInfo(*row) if row else None

    def manifest_doc(self, sid: str) -> dict[str, Any]:
        try:
            doc: dict[str, Any] = json.loads(self.manifest_doc_bytes(sid))
        except ValueError:
            raise IntegrityError(f"manifest of snapshot {sid[:12]} is not valid JSON") from None
        return doc

    def manifest_doc_bytes(self, sid: str) -> bytes:
        """The signed manifest file as stored (for export and sync)."""
        try:
            return (self.snap_dir / f"{sid}.json").read_bytes()
        except FileNotFoundError:
            raise IntegrityError(f"manifest of snapshot {sid[:12]} is missing") from None

    def manifest(self, sid: str, check: bool = True) -> dict[str, Any]:
        """The manifest body; checked against its id and signature unless check=False."""
        doc = self.manifest_doc(sid)
        body: dict[str, Any] = doc.get("body", {})
        if check:
            if manifest_id(body) != sid:
                raise IntegrityError(f"manifest {sid[:12]} does not match its id (altered)")
            pub = self.keys.public_b64
            if doc.get("public_key") != pub or not verify_signature(
                pub, doc.get("signature", ""), canonical(body)
            ):
                raise IntegrityError(f"manifest {sid[:12]}: signature does not verify")
        return body

    def resolve(self, ref: str) -> str:
        """An id, a unique id prefix, a label (its latest snapshot), `latest` or `previous`."""
        snaps = self.snapshots()
        if not snaps:
            raise SnapshotNotFound("the store holds no snapshots yet (run 'proofshot scan')")
        if ref == "latest":
            return snaps[-1].id
        if ref == "previous":
            if len(snaps) < 2:
                raise SnapshotNotFound("there is no previous snapshot (only one in the store)")
            return snaps[-2].id
        ids = [s.id for s in snaps]
        if ref in ids:
            return ref
        labelled = [s.id for s in snaps if s.label == ref]
        if labelled:
            return labelled[-1]
        back = re.fullmatch(r"(.+)~(\d+)", ref)  # label~N: the Nth snapshot of that label before
        if back:                                   # its latest (as git's HEAD~N)
            older = [s.id for s in snaps if s.label == back.group(1)]
            n = int(back.group(2))
            if older and n < len(older):
                return older[-1 - n]
            if older:
                raise SnapshotNotFound(f"'{ref}': label '{back.group(1)}' names only "
                                       f"{len(older)} snapshot(s) (~0 .. ~{len(older) - 1})")
        if len(ref) >= 4:
            hits = [i for i in ids if i.startswith(ref.lower())]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                raise SnapshotNotFound(f"'{ref}' matches {len(hits)} snapshots; give more of the id")
        raise SnapshotNotFound(f"no snapshot matches '{ref}' (id, id prefix, label, latest, previous)")


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
