"""The directory backend: packs, manifests, logs and tokens as files, plus a SQLite index.

    config.json          format marker (and the workspace's settings, see workspace.py)
    packs/<sha>.pack     immutable object packs (see packs.py)
    snapshots/<id>.json  immutable signed manifests; <id> = SHA-256 of the canonical body
    snapshots/<id>.tsr   RFC 3161 time-stamp responses
    logs/<log>/<id>.json signed document-log entries (the job record)
    trusted/<fp>.json    enrolled public keys of other signers
    index.sqlite         where each object lives, and the snapshot list; rebuilt from the
                         files above if it lags behind them (it is never the truth)
    lock                 flock: one writer at a time, so the chain never forks
    tmp/                 packs and manifests being written

Write order, each step durable before the next: packs (fsync, rename) -> manifest (fsync,
rename) -> index (one SQLite transaction). A kill at any point leaves either the old state or
the new one plus unreferenced packs, which the next open indexes.
"""

from __future__ import annotations

import builtins
import contextlib
import fcntl
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from proofshot.model.errors import BadInput, IntegrityError, StoreError
from proofshot.store.backend import ChainMoved, Kind, SealedPack, SnapshotInfo
from proofshot.store.packs import fsync_dir, read_records

STORE_FORMAT = "proofshot-store/1"
MMAP_BYTES = 256 << 20

_SCHEMA = """
CREATE TABLE IF NOT EXISTS packs (name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS objects (
    id BLOB PRIMARY KEY, pack TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, label TEXT, created TEXT, prev TEXT
);
"""


def atomic_write(path: Path, data: bytes, tmp_dir: Path, mode: int = 0o644) -> None:
    tmp = tmp_dir / f"{path.name}.{os.getpid()}.{threading.get_ident():x}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with open(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def _safe(name: str, what: str) -> str:
    parts = name.split("/")
    if not name or any(not p or p in (".", "..") or not p.replace("-", "").replace(
            "_", "").replace(":", "").replace("+", "").replace("=", "").isalnum()
            for p in parts):
        raise BadInput(f"bad {what} name {name!r}")
    return name


class DirBackend:
    """A store directory. `create` lays it out; the constructor opens an existing one."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.location = str(root)
        self.packs_dir = root / "packs"
        self.snap_dir = root / "snapshots"
        self.tmp_dir = root / "tmp"
        self._db: sqlite3.Connection | None = None
        self._fds: dict[str, int] = {}
        self._readers: dict[int, sqlite3.Connection] = {}  # by thread: object_payloads
        self._fd_lock = threading.Lock()
        self._lock_depth = 0
        self._lock_fh: BinaryIO | None = None

    @classmethod
    def create(cls, root: Path, created: str) -> DirBackend:
        if root.exists() and not root.is_dir():
            raise BadInput(f"store path {root} exists and is not a directory")
        if (root / "config.json").exists():
            raise BadInput(f"a store already exists at {root}")
        if root.exists() and any(p for p in root.iterdir() if p.name != ".gitignore"):
            raise BadInput(f"store path {root} is a directory that is not empty")
        root.mkdir(parents=True, exist_ok=True)
        for d in ("packs", "snapshots", "tmp"):
            (root / d).mkdir(exist_ok=True)
        cfg = {"format": STORE_FORMAT, "created": created}
        atomic_write(root / "config.json", json.dumps(cfg, indent=2).encode(), root / "tmp")
        be = cls(root)
        be.db()
        return be

    @classmethod
    def open(cls, root: Path) -> DirBackend:
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
        be = cls(root)
        be.refresh()
        return be

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()
        for conn in self._readers.values():
            conn.close()
        self._readers.clear()
        if self._db is not None:
            self._db.close()
            self._db = None

    def db(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                db = sqlite3.connect(self.root / "index.sqlite", timeout=60, isolation_level=None,
                                     check_same_thread=False)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open index of {self.root}: {exc}") from None
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            # reads map the index instead of copying each B-tree page through a syscall
            # (a diff looks up tens of thousands of objects)
            db.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            db.executescript(_SCHEMA)
            cols = {r[1] for r in db.execute("PRAGMA table_info(snapshots)")}
            if "customer" not in cols:  # an index from before customers: refilled below
                db.execute("ALTER TABLE snapshots ADD COLUMN customer TEXT")
            self._db = db
            self._fill_customers(db)
        return self._db

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """flock on the store's lock file; re-entrant within one Store."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        with open(self.root / "lock", "a+b") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            self._lock_depth = 1
            try:
                yield
            finally:
                self._lock_depth = 0
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    # -- values by kind ----------------------------------------------------------------------
    def _path(self, kind: Kind, name: str) -> Path:
        if kind == "pack":
            return self.packs_dir / f"{_safe(name, 'pack')}.pack"
        if kind == "manifest":
            return self.snap_dir / f"{_safe(name, 'manifest')}.json"
        if kind == "token":
            return self.snap_dir / f"{_safe(name, 'token')}.tsr"
        if kind == "log":
            return self.root / "logs" / f"{_safe(name, 'log entry')}.json"
        return self.root / "trusted" / f"{_safe(name, 'key')}.json"

    def has(self, kind: Kind, name: str) -> bool:
        return self._path(kind, name).is_file()

    def get(self, kind: Kind, name: str) -> bytes:
        try:
            return self._path(kind, name).read_bytes()
        except FileNotFoundError:
            raise IntegrityError(f"{kind} {name[:24]} is missing from the store") from None

    @contextlib.contextmanager
    def open_pack(self, name: str) -> Iterator[BinaryIO]:
        try:
            fh = open(self._path("pack", name), "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            raise IntegrityError(f"pack {name[:12]} is missing from the store") from None
        with fh:
            yield fh

    def list(self, kind: Kind) -> builtins.list[str]:
        if kind == "pack":
            return sorted(p.stem for p in self.packs_dir.glob("*.pack"))
        if kind == "manifest":
            return sorted(p.stem for p in self.snap_dir.glob("*.json"))
        if kind == "token":
            return sorted(p.stem for p in self.snap_dir.glob("*.tsr"))
        if kind == "log":
            logs = self.root / "logs"
            return sorted(p.relative_to(logs).as_posix()[:-len(".json")]
                          for p in logs.glob("*/*.json")) if logs.is_dir() else []
        trusted = self.root / "trusted"
        return sorted(p.stem for p in trusted.glob("*.json")) if trusted.is_dir() else []

    def put(self, kind: Kind, name: str, data: bytes, *, replace: bool = False) -> None:
        if kind == "manifest":
            raise StoreError("manifests are stored by advance(), never put()")
        path = self._path(kind, name)
        if path.is_file() and not replace and kind != "key":
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp_dir.mkdir(exist_ok=True)
        atomic_write(path, data, self.tmp_dir)
        if kind == "pack":
            try:
                entries = [(o, off, len(d)) for o, off, d in read_records(path)]
            except ValueError as exc:
                raise IntegrityError(f"pack {name[:12]}: {exc}") from None
            self._index_packs([(name, entries)], replace=replace)

    # -- packs and objects -------------------------------------------------------------------
    def scratch(self) -> Path:
        return self.tmp_dir

    def add_pack(self, pack: SealedPack) -> None:
        final = self.packs_dir / f"{pack.name}.pack"
        os.replace(pack.path, final)
        fsync_dir(self.packs_dir)
        self._index_packs([(pack.name, pack.entries)])

    def _index_packs(self, packs: builtins.list[tuple[str, builtins.list[tuple[str, int, int]]]],
                     replace: bool = False) -> None:
        db = self.db()
        db.execute("BEGIN IMMEDIATE")
        try:
            verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
            for name, entries in packs:
                db.execute("INSERT OR IGNORE INTO packs(name) VALUES (?)", (name,))
                db.executemany(
                    f"{verb} INTO objects(id, pack, offset, length) VALUES (?,?,?,?)",
                    ((bytes.fromhex(o), name, off, ln) for o, off, ln in entries))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def has_object(self, oid: str) -> bool:
        cur = self.db().execute("SELECT 1 FROM objects WHERE id=?", (bytes.fromhex(oid),))
        return cur.fetchone() is not None

    def locate(self, oid: str) -> tuple[str, int, int] | None:
        row = self.db().execute("SELECT pack, offset, length FROM objects WHERE id=?",
                                (bytes.fromhex(oid),)).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def object_payload(self, oid: str) -> bytes:
        loc = self.locate(oid)
        if loc is None:
            raise IntegrityError(f"object {oid} is missing from the store")
        return self._pread(oid, *loc)

    def object_payloads(self, oids: Sequence[str]) -> builtins.list[bytes | None]:
        """The payloads of many objects (None for one the store lacks), in the order asked:
        one index query per batch instead of one per object, then one pread each. Safe to call
        from several threads at once (a store's fetch pool): each thread reads the index
        through a connection of its own, and pread shares the pack's descriptor."""
        keys = [bytes.fromhex(o) for o in oids]
        where: dict[bytes, tuple[str, int, int]] = {}
        db = self._reader()
        for i in range(0, len(keys), 500):
            part = keys[i:i + 500]
            marks = ",".join("?" * len(part))
            q = f"SELECT id, pack, offset, length FROM objects WHERE id IN ({marks})"
            for rid, pack, offset, length in db.execute(q, part):
                where[rid] = (pack, offset, length)
        out: builtins.list[bytes | None] = []
        fds = self._fds
        for oid, key in zip(oids, keys, strict=True):
            loc = where.get(key)
            if loc is None:
                out.append(None)
                continue
            pack, offset, length = loc
            fd = fds.get(pack)
            data = os.pread(fd if fd is not None else self._fd(oid, pack), length, offset)
            if len(data) != length:
                raise IntegrityError(f"object {oid}: pack {pack} is truncated")
            out.append(data)
        return out

    def _reader(self) -> sqlite3.Connection:
        """This thread's connection to the index, for reading objects' places."""
        me = threading.get_ident()
        conn = self._readers.get(me)
        if conn is None:
            with self._fd_lock:
                self.db()  # the index exists and is up to date
                try:
                    conn = sqlite3.connect(self.root / "index.sqlite", timeout=60,
                                           isolation_level=None, check_same_thread=False)
                    conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
                except sqlite3.Error as exc:
                    raise StoreError(f"cannot open index of {self.root}: {exc}") from None
                self._readers[me] = conn
        return conn

    def _fd(self, oid: str, pack: str) -> int:
        with self._fd_lock:
            fd = self._fds.get(pack)
            if fd is None:
                try:
                    fd = os.open(self.packs_dir / f"{pack}.pack", os.O_RDONLY)
                except OSError:
                    raise IntegrityError(
                        f"pack {pack} holding object {oid} is missing") from None
                self._fds[pack] = fd
            return fd

    def _pread(self, oid: str, pack: str, offset: int, length: int) -> bytes:
        fd = self._fds.get(pack)
        data = os.pread(fd if fd is not None else self._fd(oid, pack), length, offset)
        if len(data) != length:
            raise IntegrityError(f"object {oid}: pack {pack} is truncated")
        return data

    def object_ids(self) -> Iterator[str]:
        for (oid,) in self.db().execute("SELECT id FROM objects"):
            yield bytes(oid).hex()

    def index_entries(self, pack: str) -> builtins.list[tuple[str, int, int]]:
        rows = self.db().execute("SELECT id, offset, length FROM objects WHERE pack=?", (pack,))
        return sorted((bytes(r[0]).hex(), r[1], r[2]) for r in rows)

    def check_index(self, pack: str, records: builtins.list[tuple[str, int, int]]
                    ) -> builtins.list[str]:
        """One primary-key lookup per record (no index on the pack column is kept)."""
        wrong = []
        for oid, off, ln in records:
            loc = self.locate(oid)
            if loc is not None and loc[0] == pack and (loc[1], loc[2]) != (off, ln):
                wrong.append(oid)
        return wrong

    # -- the chain ---------------------------------------------------------------------------
    def snapshots(self) -> builtins.list[SnapshotInfo]:
        rows = self.db().execute(
            "SELECT id, seq, label, created, prev, coalesce(customer, '') FROM snapshots "
            "ORDER BY seq").fetchall()
        return [SnapshotInfo(*r) for r in rows]

    def tip(self) -> SnapshotInfo | None:
        row = self.db().execute(
            "SELECT id, seq, label, created, prev, coalesce(customer, '') FROM snapshots "
            "ORDER BY seq DESC LIMIT 1").fetchone()
        return SnapshotInfo(*row) if row else None

    def advance(self, prev: str | None, info: SnapshotInfo, doc: bytes) -> None:
        with self.lock():
            self.refresh()
            tip = self.tip()
            if (tip.id if tip else None) != prev:
                raise ChainMoved(f"the chain moved on to {tip.id[:12] if tip else 'nothing'} "
                                 f"(expected {str(prev)[:12]})")
            atomic_write(self.snap_dir / f"{info.id}.json", doc, self.tmp_dir)
            db = self.db()
            db.execute("BEGIN IMMEDIATE")
            try:
                self._index_manifest(db, info)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _index_manifest(self, db: sqlite3.Connection, info: SnapshotInfo) -> None:
        db.execute(
            "INSERT OR IGNORE INTO snapshots(id, seq, label, created, prev, customer) "
            "VALUES (?,?,?,?,?,?)",
            (info.id, info.seq, info.label, info.created, info.prev, info.customer))

    def _fill_customers(self, db: sqlite3.Connection) -> None:
        """Index rows written before the customer column: read it from their manifests."""
        ids = [r[0] for r in db.execute("SELECT id FROM snapshots WHERE customer IS NULL")]
        for sid in ids:
            try:
                info = info_of(sid, json.loads((self.snap_dir / f"{sid}.json").read_bytes())[
                    "body"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            db.execute("UPDATE snapshots SET customer=? WHERE id=?", (info.customer, sid))

    def refresh(self) -> None:
        """Bring the index up to the files: packs and manifests written before a crash."""
        db = self.db()
        known_packs = {r[0] for r in db.execute("SELECT name FROM packs")}
        known_snaps = {r[0] for r in db.execute("SELECT id FROM snapshots")}
        new_packs = [p for p in self.packs_dir.glob("*.pack") if p.stem not in known_packs] \
            if self.packs_dir.is_dir() else []
        new_snaps = [p for p in self.snap_dir.glob("*.json") if p.stem not in known_snaps] \
            if self.snap_dir.is_dir() else []
        if not new_packs and not new_snaps:
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            for p in new_packs:
                try:
                    entries = [(o, off, len(d)) for o, off, d in read_records(p)]
                except ValueError:
                    continue  # verify reports it; a broken pack must not block reading others
                db.execute("INSERT OR IGNORE INTO packs(name) VALUES (?)", (p.stem,))
                db.executemany(
                    "INSERT OR IGNORE INTO objects(id, pack, offset, length) VALUES (?,?,?,?)",
                    ((bytes.fromhex(o), p.stem, off, ln) for o, off, ln in entries))
            for p in new_snaps:
                try:
                    info = info_of(p.stem, json.loads(p.read_bytes())["body"])
                except (ValueError, KeyError, TypeError):
                    continue
                self._index_manifest(db, info)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def info_of(sid: str, body: dict[str, Any]) -> SnapshotInfo:
    prev = body.get("prev")
    scope = body.get("scope")
    customer = scope.get("customer") if isinstance(scope, dict) else None
    return SnapshotInfo(sid, int(body["seq"]), str(body.get("label", "")),
                        str(body.get("created", "")), prev if isinstance(prev, str) else None,
                        str(customer or ""))
