"""`proofshot push ssh://[user@]host[:port]/path`: a directory store on another machine, as a
`Backend` (proofshot.store.backend) over SFTP on one SSH connection, so `push` runs the same
code into it as into a local directory or PostgreSQL (proofshot.store.push.push_to).

The store there must exist (`proofshot init --store PATH` on that machine) and its owner must
have enrolled the pushing workspace's key (`proofshot key trust FILE.pub`). Host keys are
pinned in the workspace's known_hosts exactly as for a scan or `sync ssh://` (trust on first
use, a changed key refused unless --accept-host-key).

Writing: every file goes to the store's `tmp/` under a fresh name, is fsynced where the server
offers it, then renamed into place (SftpSink's upload), so a killed push leaves at most a stray
temp file. Packs first, manifests last: an interrupted push leaves a chain that verifies, only
shorter.

The chain: `advance` is a compare-and-swap under the store's own lock, taken on the remote
machine: `flock` on `PATH/lock` (the very lock a proofshot running there takes), held by a
remote process from the push's first commit until it ends, released by the kernel when the
connection drops (a pusher killed with -9 leaves no lock behind). Two pushers at once
therefore commit one after the other, each chained after the other's tip. Under it,
`PATH/push.lock` is created exclusively over SFTP, which is all a remote account without a
shell or flock(1) (SFTP only) can do: so pushers of both kinds exclude each other. A
push.lock made under the flock and found while holding the flock was left by a killed pusher
and is replaced; one made without it makes a push refuse cleanly (exit 1, nothing written)
and name it, since the pusher who made it may be dead and only a person can tell. A chain
that has forked there (two manifests at one position) is refused (exit 2).

The same backend is the source of `proofshot sync DEST --store ssh://...` (`open_remote_store`):
a directory store there copied here (or into PostgreSQL) and verified here, read without its
lock (manifests land after their packs and nothing is removed, so a listing is consistent).

Reading back: objects are read where they landed (a small pack whole, once; a large one a byte
range per object); packs sent are hashed on the remote (`sha256sum`, else downloaded and
hashed here), so `verify_snapshots` and `check_uploaded` see the bytes as they landed.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import io
import json
import os
import shlex
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from proofshot.model.errors import BadInput, IntegrityError, StoreError
from proofshot.store.api import EvidenceStore, store_on, utcnow
from proofshot.store.backend import Backend, ChainMoved, Kind, SealedPack, SnapshotInfo
from proofshot.store.copy import DestinationDiverged
from proofshot.store.dirbackend import STORE_FORMAT, info_of
from proofshot.store.packs import read_records
from proofshot.store.workspace import Workspace
from proofshot.transports._sshlib import asyncssh
from proofshot.transports.sftp_sync import SftpSink, SSHDest, _SyncTransport

_WHOLE_PACK = 8 << 20  # packs up to this size are read whole when one object is needed
_PACK_CACHE = 64 << 20  # bytes of such packs kept
LOCK_WAIT = 120  # seconds a pusher waits for another writer's lock on the remote store
_LOCK_SCRIPT = 'exec flock -x -w "$2" "$1" sh -c "echo locked; exec cat >/dev/null"'


class _PushTransport(_SyncTransport):
    async def start_process(self, command: str) -> Any:
        if self._conn is None:
            raise StoreError(self._msg("not connected"))
        return await self._conn.create_process(command, encoding=None)


class SftpBackend(SftpSink):
    """A directory store on another machine (see the module doc). `hint`: a local backend
    whose packs of the same name are the same bytes (content addressed), so their object
    index need not be read over the network; the objects are still read back from there."""

    def __init__(self, store: EvidenceStore, dest: SSHDest, t: _PushTransport,
                 hint: Backend | None = None) -> None:
        super().__init__(store, dest, t)
        self.t: _PushTransport = t
        self.hint = hint
        self.owner_public = ""
        self._docs: dict[str, bytes] = {}
        self._infos: dict[str, SnapshotInfo] = {}
        self._index: dict[str, tuple[str, int, int]] = {}
        self._indexed: set[str] = set()
        self._entries: dict[str, builtins.list[tuple[str, int, int]]] = {}
        self._handles: dict[str, Any] = {}
        self._packs: dict[str, bytes] = {}  # small packs read whole (read back, not trusted)
        self._cached = 0
        self._listed = False
        self.hold = True  # keep the remote lock from the first commit until close()
        self._lock_depth = 0
        self._lock_proc: Any = None
        self._lock_file = False
        self._scratch: Path | None = None
        self.reader = False  # True: read only, as the source of a sync (no remote lock)

    # --- life cycle -----------------------------------------------------------------------
    @classmethod
    def open(cls, store: EvidenceStore, dest: SSHDest, *, key_path: str | None = None,
             password: str | None = None, accept_host_key: bool = False,
             connect_timeout: float = 10.0) -> SftpBackend:
        """The push destination: host keys pinned in `store`'s workspace."""
        return cls._connect(store, dest, store.workspace.known_hosts, store.backend,
                            key_path=key_path, password=password,
                            accept_host_key=accept_host_key, connect_timeout=connect_timeout)

    @classmethod
    def _connect(cls, store: EvidenceStore | None, dest: SSHDest, known_hosts: Path,
                 hint: Backend | None, *, key_path: str | None, password: str | None,
                 accept_host_key: bool, connect_timeout: float) -> SftpBackend:
        t = _PushTransport(
            "destination" if store is not None else "source", dest.host, dest.port,
            user=dest.user, key_path=key_path, password=password,
            use_agent=key_path is None and password is None, known_hosts_path=known_hosts,
            accept_new_key=accept_host_key, connect_timeout=connect_timeout, retries=1,
            timeout=300.0)
        be = cls(store, dest, t, hint=hint)  # type: ignore[arg-type]  # set below for a source
        try:
            be._run(t.open())
            be.sftp = be.loop.run_until_complete(t.start_sftp())
            be._open_store()
        except BaseException:
            be.close()
            raise
        return be

    def _open_store(self) -> None:
        cfg = self._run(self._read_or_none("config.json"))
        try:
            fmt = json.loads(cfg)["format"] if cfg is not None else None
        except (ValueError, KeyError, TypeError):
            fmt = "unreadable"
        if fmt != STORE_FORMAT:
            raise BadInput(f"no proofshot store at {self.dest} (create it on that machine with "
                           "'proofshot init --store PATH' and enroll this workspace's key there "
                           "with 'proofshot key trust FILE.pub')")
        pub = self._run(self._read_or_none("keys/signing.pub"))
        if pub is None:
            raise BadInput(f"{self.dest}: the store has no keys/signing.pub (its owner key)")
        self.owner_public = pub.decode(errors="replace").strip()
        self.refresh()

    def close(self) -> None:
        if self.loop.is_closed():
            return
        try:
            self._lock_depth = 0
            if self._held():
                self._release()
            for fh in self._handles.values():
                with contextlib.suppress(Exception):
                    self.loop.run_until_complete(fh.close())
            self._handles.clear()
            if self.sftp is not None:
                self.sftp.exit()
            with contextlib.suppress(Exception):
                self.loop.run_until_complete(self.t.close())
        finally:
            self.loop.close()
            if self._scratch is not None:
                shutil.rmtree(self._scratch, ignore_errors=True)

    def refresh(self) -> None:
        """Read the remote listing (the whole store the first time, then the chain's folder:
        packs and job-record entries are only added, and what we add we know); manifests not
        seen yet are read once (immutable)."""
        if not self._listed:
            self.files = set()
            self._run(self._state())
            self._listed = True
        else:
            chain: set[str] = set()
            self.doing = f"listing {self._p('snapshots')}"
            with contextlib.suppress(asyncssh.SFTPNoSuchFile):
                self._run(self._walk("snapshots", chain))
            self.files = {f for f in self.files if not f.startswith("snapshots/")} | chain
        for sid in self.list("manifest"):
            if sid not in self._infos:
                doc = self.get("manifest", sid)
                try:
                    info = info_of(sid, json.loads(doc)["body"])
                except (ValueError, KeyError, TypeError):
                    continue  # verify names it
                self._infos[sid] = info

    # --- values by kind ---------------------------------------------------------------------
    def has(self, kind: Kind, name: str) -> bool:
        return self._rel(kind, name) in self.files

    def get(self, kind: Kind, name: str) -> bytes:
        if kind == "manifest" and name in self._docs:
            return self._docs[name]
        rel = self._rel(kind, name)
        data = self._run(self._read_or_none(rel))
        if data is None:
            raise IntegrityError(f"{kind} {name[:24]} is missing from {self.dest}")
        if kind == "manifest":
            self._docs[name] = data
        return bytes(data)

    @contextlib.contextmanager
    def open_pack(self, name: str) -> Iterator[BinaryIO]:
        yield io.BytesIO(self.get("pack", name))

    def put(self, kind: Kind, name: str, data: bytes, *, replace: bool = False) -> None:
        if kind == "manifest":
            raise StoreError("manifests are stored by advance(), never put()")
        rel = self._rel(kind, name)
        if rel in self.files and not replace and kind != "key":
            return
        if kind == "pack":
            self._cached -= len(self._packs.pop(name, b""))
            try:
                entries = [(o, off, len(d)) for o, off, d in read_records(io.BytesIO(data))]
            except ValueError as exc:
                raise IntegrityError(f"pack {name[:12]}: {exc}") from None
        self._put_rel(rel, data, sha=name if kind == "pack" else None)
        if kind == "pack":
            self._entries[name] = entries
            self._add_index(name, entries)
            self._indexed.add(name)

    # --- packs and objects ------------------------------------------------------------------
    def scratch(self) -> Path:
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="proofshot-push-"))
        return self._scratch

    def add_pack(self, pack: SealedPack) -> None:
        self.put("pack", pack.name, pack.path.read_bytes())
        pack.path.unlink(missing_ok=True)

    def _add_index(self, pack: str, entries: builtins.list[tuple[str, int, int]]) -> None:
        for oid, off, ln in entries:
            self._index.setdefault(oid, (pack, off, ln))

    def _pack_entries(self, pack: str) -> builtins.list[tuple[str, int, int]]:
        """What a remote pack holds: as sent, as the local twin's index says, else read."""
        if pack in self._entries:
            return self._entries[pack]
        if self.hint is not None and self.hint.has("pack", pack):
            entries = self.hint.index_entries(pack)
        else:
            try:
                entries = [(o, off, len(d)) for o, off, d in
                           read_records(io.BytesIO(self.get("pack", pack)))]
            except ValueError:
                entries = []  # a broken pack: verify names it, its objects are "missing"
        self._entries[pack] = entries
        return entries

    def locate(self, oid: str) -> tuple[str, int, int] | None:
        loc = self._index.get(oid)
        if loc is not None:
            return loc
        packs = [p for p in self.list("pack") if p not in self._indexed]
        # packs we have ourselves first: their index is free
        packs.sort(key=lambda p: not (self.hint is not None and self.hint.has("pack", p)))
        for pack in packs:
            self._add_index(pack, self._pack_entries(pack))
            self._indexed.add(pack)
            if oid in self._index:
                return self._index[oid]
        return None

    def has_object(self, oid: str) -> bool:
        return self.locate(oid) is not None

    def object_payload(self, oid: str) -> bytes:
        loc = self.locate(oid)
        if loc is None:
            raise IntegrityError(f"object {oid} is missing from {self.dest}")
        pack, offset, length = loc
        whole = self._packs.get(pack)
        if whole is None and self._extent(pack) <= _WHOLE_PACK:
            # a small pack is read once, whole: one round trip instead of one per object
            whole = self.get("pack", pack)
            while self._packs and self._cached + len(whole) > _PACK_CACHE:
                self._cached -= len(self._packs.pop(next(iter(self._packs))))
            self._packs[pack] = whole
            self._cached += len(whole)
        if whole is not None:
            data = whole[offset:offset + length]
        else:
            data = self._run(self._read_range(pack, offset, length))
        if len(data) != length:
            raise IntegrityError(f"object {oid}: pack {pack[:12]} is truncated at {self.dest}")
        return data

    def _extent(self, pack: str) -> int:
        entries = self._pack_entries(pack)
        return max((off + ln for _o, off, ln in entries), default=0)

    async def _read_range(self, pack: str, offset: int, length: int) -> bytes:
        fh = self._handles.get(pack)
        if fh is None:
            self.doing = f"reading {self._p(self._rel('pack', pack))}"
            try:
                fh = await self.sftp.open(self._p(self._rel("pack", pack)), "rb", encoding=None)
            except asyncssh.SFTPNoSuchFile:
                raise IntegrityError(f"pack {pack[:12]} is missing from {self.dest}") from None
            self._handles[pack] = fh
        data: bytes = await fh.read(length, offset)
        return data

    def object_ids(self) -> Iterator[str]:
        for pack in self.list("pack"):
            for oid, _o, _n in self._pack_entries(pack):
                yield oid

    def index_entries(self, pack: str) -> builtins.list[tuple[str, int, int]]:
        return sorted(self._pack_entries(pack))

    def check_index(self, pack: str, records: builtins.list[tuple[str, int, int]]
                    ) -> builtins.list[str]:
        return []  # no index is kept there: what a pack holds is read from the pack itself

    # --- the chain --------------------------------------------------------------------------
    def snapshots(self) -> builtins.list[SnapshotInfo]:
        return sorted((i for sid, i in self._infos.items() if self.has("manifest", sid)),
                      key=lambda i: (i.seq, i.id))

    def tip(self) -> SnapshotInfo | None:
        """The chain's head; a chain that has forked there is refused (DestinationDiverged)."""
        snaps = self.snapshots()
        prev: SnapshotInfo | None = None
        for info in snaps:
            if prev is not None and (info.seq == prev.seq or info.prev != prev.id):
                raise DestinationDiverged(
                    f"the chain at {self.dest} has forked at position {info.seq} (snapshot "
                    f"{info.id[:12]} follows {str(info.prev)[:12]}, not {prev.id[:12]}); "
                    "refusing to append to it")
            prev = info
        return prev

    def advance(self, prev: str | None, info: SnapshotInfo, doc: bytes) -> None:
        with self.lock():
            self.refresh()
            tip = self.tip()
            if (tip.id if tip else None) != prev:
                raise ChainMoved(f"the chain moved on to {tip.id[:12] if tip else 'nothing'} "
                                 f"(expected {str(prev)[:12]})")
            self._put_rel(self._rel("manifest", info.id), doc, counted=False)
            self._docs[info.id] = doc
            self._infos[info.id] = info

    # --- the remote lock --------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        if self.reader:  # a sync source: manifests land after their packs, nothing is removed,
            yield        # so a listing is consistent without a lock (and needs no write access)
            return
        if self._lock_depth == 0 and not self._held():
            self._acquire()
        self._lock_depth += 1
        try:
            yield
        finally:
            self._lock_depth -= 1
            if self._lock_depth == 0 and not self.hold:
                self._release()

    def _held(self) -> bool:
        return self._lock_proc is not None or self._lock_file

    def _acquire(self) -> None:
        """flock where the remote can, and in any case push.lock created exclusively, so a
        pusher of either kind excludes the other. A push.lock marked as made under the flock
        while we hold the flock was left by a pusher that died: it is removed."""
        flocked = self._run(self._flock())
        note = json.dumps({"host": socket.gethostname(), "pid": os.getpid(),
                           "since": utcnow(), "flock": flocked}).encode()
        self.doing = f"creating {self._p('push.lock')}"
        try:
            self._run(self._create_exclusive("push.lock", note))
        except StoreError:
            held = self._run(self._read_or_none("push.lock")) or b"{}"
            try:
                stale = flocked and json.loads(held).get("flock") is True
            except (ValueError, AttributeError):
                stale = False
            try:
                if not stale:
                    raise StoreError(self._held_message()) from None
                self._run(self.sftp.remove(self._p("push.lock")))
                self._run(self._create_exclusive("push.lock", note))
            except BaseException:
                self._release()
                raise
        self._lock_file = True

    def _held_message(self) -> str:
        raw = self._run(self._read_or_none("push.lock")) or b"{}"
        try:
            who = json.loads(raw)
            by = f" (made {who.get('since')} by pid {who.get('pid')} on {who.get('host')})"
        except (ValueError, AttributeError):
            by = ""
        return (f"{self.dest} is locked by another push: {self._p('push.lock')} exists{by}. "
                "If no push is running there, remove that file and push again")

    async def _flock(self) -> bool:
        """Hold flock(PATH/lock) through a remote process; False when the remote cannot."""
        self.doing = f"locking {self._p('lock')}"
        cmd = shlex.join(["sh", "-c", _LOCK_SCRIPT, "sh", self._p("lock"), str(LOCK_WAIT)])
        try:
            proc = await self.t.start_process(cmd)
        except asyncssh.ChannelOpenError:
            return False
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), LOCK_WAIT + 30)
        except TimeoutError:
            line = b""
        if line.strip() == b"locked":
            self._lock_proc = proc
            return True
        proc.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(proc.wait_closed(), 5)
        if proc.exit_status == 1:  # flock's own timeout
            raise StoreError(f"{self.dest}: another writer held the store's lock for more "
                             f"than {LOCK_WAIT} s; nothing was pushed")
        return False  # no shell or no flock(1) there

    async def _create_exclusive(self, rel: str, data: bytes) -> None:
        try:
            async with self.sftp.open(self._p(rel), "xb", encoding=None) as fo:
                await fo.write(data, 0)
        except asyncssh.SFTPError:
            raise StoreError(f"{self._p(rel)} exists") from None

    def _release(self) -> None:
        if self._lock_file:  # the file first, then the flock it was made under
            self._lock_file = False
            with contextlib.suppress(Exception):
                self.loop.run_until_complete(self.sftp.remove(self._p("push.lock")))
        proc, self._lock_proc = self._lock_proc, None
        if proc is not None:
            async def done() -> None:
                proc.stdin.write_eof()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(proc.wait_closed(), 10)
                proc.close()
            with contextlib.suppress(Exception):
                self.loop.run_until_complete(done())

    # --- checking what was sent -------------------------------------------------------------
    def check_uploaded(self) -> builtins.list[str]:
        """Every file this push wrote, hashed where it landed, must match what was sent."""
        got = self._run(self._remote_hashes(sorted(self.uploaded)))
        problems = []
        for rel, sha in sorted(self.uploaded.items()):
            if rel not in got:
                problems.append(f"{rel} cannot be read back")
            elif got[rel] != sha:
                problems.append(f"{rel} arrived altered (hashes to {got[rel][:12]}, expected "
                                f"{sha[:12]})")
        return problems


def open_remote_store(src: SSHDest, pins: Workspace, *, key_path: str | None = None,
                      password: str | None = None, accept_host_key: bool = False,
                      connect_timeout: float = 10.0) -> EvidenceStore:
    """A directory store on another machine as the source of `proofshot sync DEST --store
    ssh://...`: read over SFTP, host keys pinned in `pins` (the local workspace). Its public
    key, salt and TSA certificate are fetched into a scratch workspace (no private key: the
    copy is evidence to check, signed by the store there)."""
    be = SftpBackend._connect(None, src, pins.known_hosts, None, key_path=key_path,
                              password=password, accept_host_key=accept_host_key,
                              connect_timeout=connect_timeout)
    try:
        salt = be._run(be._read_or_none("keys/salt"))
        if salt is None:
            raise BadInput(f"{src}: cannot read keys/salt there (a store copied by sync or "
                           "made by init has it, readable by its owner only)")
        scratch = be.scratch()
        (scratch / "keys").mkdir(mode=0o700)
        (scratch / "keys" / "signing.pub").write_text(be.owner_public + "\n")
        fd = os.open(scratch / "keys" / "salt", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(fd, "wb") as fh:
            fh.write(salt)
        ca = be._run(be._read_or_none("tsa-ca.pem"))
        if ca is not None:
            (scratch / "tsa-ca.pem").write_bytes(ca)
        store = store_on(be, Workspace(scratch))
    except BaseException:
        be.close()
        raise
    be.store = store
    be.reader = True
    return store
