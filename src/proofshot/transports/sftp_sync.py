"""`proofshot sync ssh://[user@]host[:port]/path`: the store's second copy on another machine.

The same rules as a local sync (proofshot.store.sync: `check_destination` refuses a diverged
destination, `plan` says what it lacks, in which order), carried out over SFTP on one SSH
connection with the scan's host-key pinning (the store's known_hosts, trust on first use):

* every file goes to `tmp/` under a fresh name (created exclusively), is fsynced where the
  server offers fsync@openssh.com, then renamed into place: a broken connection leaves at most
  a stray temp file, never a half-written pack or manifest under its real name;
* nothing remote is deleted or overwritten except config.json and the TSA CA when ours differ
  (a temp file is removed only when we just wrote it from a pack that turned out corrupt here);
* afterwards the copy is checked from this side: every uploaded file and every pack there is
  hashed on the remote (`sha256sum`, read-only; downloaded and hashed here when the remote
  cannot run it) and must match what was sent (a pack: its name); every remote manifest is
  downloaded and checked for id, key, signature and chain (store.verify); the listing must
  hold everything this store has.

Exit codes as the local sync: 2 diverged or not a store, 4 the copy does not verify, 1 the
destination cannot be reached, logged into or written. Messages never contain the password.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import hashlib
import os
import secrets
import stat
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import asyncssh

from proofshot.model.errors import BadInput, IntegrityError, StoreError, TransportError, Unreachable
from proofshot.model.transcript import Query
from proofshot.store.embedded import Store
from proofshot.store.sync import (
    DIRS,
    DestState,
    Item,
    SyncResult,
    check_destination,
    corrupt_here,
    count,
    plan,
)
from proofshot.store.verify import VerifyReport, check_chain, check_manifest
from proofshot.transports.ssh import SSHTransport

_BLOCK = 1 << 20
_HASH_BATCH = 200  # files per sha256sum call (far below ARG_MAX)
_HASH_SCRIPT = 'cd -- "$1" && shift && exec sha256sum -- "$@"'


@dataclass(frozen=True)
class SSHDest:
    user: str
    host: str
    port: int
    path: str  # absolute, or relative to the login directory (written ssh://host/~/path)

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if self.port == 22 else f":{self.port}"
        path = self.path if self.path.startswith("/") else f"/~/{self.path}"
        return f"ssh://{self.user}@{host}{port}{path}"


def parse_dest(url: str) -> SSHDest:
    """ssh://[user@]host[:port]/path; /~/path is relative to the user's home."""
    try:
        parts = urlsplit(url)
        port = parts.port or 22
    except ValueError as exc:
        raise BadInput(f"destination {url!r}: {exc}") from None
    if parts.scheme != "ssh" or not parts.hostname:
        raise BadInput(f"destination {url!r}: expected ssh://[user@]host[:port]/path")
    if parts.password is not None:
        raise BadInput("destination: no password in the URL; use --password env:NAME or "
                       "file:PATH")
    if parts.query or parts.fragment:
        raise BadInput(f"destination {url!r}: unexpected '?' or '#' in the path")
    path = parts.path.rstrip("/")
    if path == "/~" or path.startswith("/~/"):
        path = path[3:]
    if not path or path == "/":
        raise BadInput(f"destination {url!r}: name a directory, e.g. "
                       "ssh://host/srv/proofshot or ssh://host/~/proofshot")
    return SSHDest(parts.username or getpass.getuser(), parts.hostname, port, path)


class _SyncTransport(SSHTransport):
    """The scan's SSH transport (pinning, error mapping), plus an SFTP session."""

    async def start_sftp(self) -> Any:
        if self._conn is None:
            raise TransportError(self._msg("not connected"))
        try:
            return await self._conn.start_sftp_client()
        except (asyncssh.SFTPError, asyncssh.ChannelOpenError) as exc:
            raise StoreError(self._msg(f"no SFTP service: {exc.reason}")) from None

    def mask(self, text: str) -> str:
        return self._msg(text)


def sync_ssh(store: Store, dest: SSHDest, *, key_path: str | None = None,
             password: str | None = None, accept_host_key: bool = False,
             connect_timeout: float = 10.0) -> SyncResult:
    t = _SyncTransport(
        "destination", dest.host, dest.port, user=dest.user, key_path=key_path, password=password,
        use_agent=key_path is None, known_hosts_path=store.root / "known_hosts",
        accept_new_key=accept_host_key, connect_timeout=connect_timeout, retries=1,
        timeout=300.0)
    with store.lock():
        store.reconcile()
        return asyncio.run(_Sync(store, dest, t).run())


class _Sync:
    def __init__(self, store: Store, dest: SSHDest, t: _SyncTransport) -> None:
        self.store = store
        self.dest = dest
        self.t = t
        self.root = dest.path
        self.sftp: Any = None
        self.uploaded: dict[str, str] = {}  # rel path -> SHA-256 of what was sent
        self.doing = "starting"  # for error messages: the SFTP status alone names no file

    def _p(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    async def run(self) -> SyncResult:
        res = SyncResult(str(self.dest))
        await self.t.open()
        try:
            self.sftp = await self.t.start_sftp()
            try:
                await self._upload_all(res)
                res.report = await self._verify(res)
            except asyncssh.SFTPError as exc:
                raise StoreError(self.t.mask(f"{self.doing}: {exc.reason}")) from None
            except (asyncssh.Error, ConnectionError) as exc:
                reason = getattr(exc, "reason", "") or str(exc) or type(exc).__name__
                raise Unreachable(self.t.mask(f"connection lost: {reason}")) from None
            finally:
                self.sftp.exit()
        finally:
            await self.t.close()
        if not res.report.ok:
            raise IntegrityError(f"the copy at {self.dest} does not verify: "
                                 f"{res.report.problems[0]}")
        return res

    # --- reading the destination ----------------------------------------------------------
    async def _state(self) -> DestState:
        self.doing = f"listing {self.root}"
        try:
            attrs = await self.sftp.stat(self.root)
        except asyncssh.SFTPNoSuchFile:
            return DestState()
        if not _is_dir(attrs):
            raise BadInput(f"destination {self.dest} is a file")
        top = [n for n in await self.sftp.readdir(self.root) if n.filename not in (".", "..")]
        state = DestState(config=any(n.filename == "config.json" for n in top), empty=not top)
        for n in top:
            if n.filename in ("packs", "snapshots", "keys", "logs") and _is_dir(n.attrs):
                await self._walk(n.filename, state.files)
        if "keys/signing.pub" in state.files:
            state.public_key = (await self._read("keys/signing.pub")).decode(
                errors="replace").strip()
        return state

    async def _walk(self, rel: str, into: set[str]) -> None:
        for n in await self.sftp.readdir(self._p(rel)):
            if n.filename in (".", ".."):
                continue
            if _is_dir(n.attrs):
                await self._walk(f"{rel}/{n.filename}", into)
            else:
                into.add(f"{rel}/{n.filename}")

    async def _read(self, rel: str) -> bytes:
        self.doing = f"reading {self._p(rel)}"
        async with self.sftp.open(self._p(rel), "rb", encoding=None) as fh:
            data: bytes = await fh.read()
        return data

    async def _read_or_none(self, rel: str) -> bytes | None:
        try:
            return await self._read(rel)
        except asyncssh.SFTPNoSuchFile:
            return None

    # --- writing --------------------------------------------------------------------------
    async def _upload_all(self, res: SyncResult) -> None:
        state = await self._state()
        theirs = {}
        for name in sorted(state.names("snapshots", ".json")):
            theirs[name] = await self._read(f"snapshots/{name}")
        check_destination(self.store, state, lambda name: theirs[name], str(self.dest))
        for d in DIRS:
            await self._mkdirs(d)
        self.doing = f"protecting {self._p('keys')}"
        await self.sftp.chmod(self._p("keys"), 0o700)
        made: set[str] = set()
        for item in plan(self.store, state):
            if item.replace and await self._read_or_none(item.rel) == item.src.read_bytes():
                continue
            parent = item.rel.rpartition("/")[0]
            if parent and parent not in DIRS and parent not in made:
                await self._mkdirs(parent)
                made.add(parent)
            sha, size = await self._upload(item)
            self.uploaded[item.rel] = sha
            count(res, item, size)

    async def _mkdirs(self, rel: str) -> None:
        """The store root (with its parents) and rel below it, as needed."""
        path = ""
        parts = self.root.split("/") + rel.split("/")
        for i, part in enumerate(parts):
            path = part if i == 0 else f"{path}/{part}"
            if not part:  # the leading "/" of an absolute root
                continue
            self.doing = f"creating {path}"
            try:
                attrs = await self.sftp.stat(path)
            except asyncssh.SFTPNoSuchFile:
                await self.sftp.mkdir(path)
                continue
            if not _is_dir(attrs):
                raise BadInput(f"destination {self.dest}: {path} is not a directory")

    async def _upload(self, item: Item) -> tuple[str, int]:
        self.doing = f"writing {self._p(item.rel)}"
        name = item.rel.rpartition("/")[2]
        tmp = self._p(f"tmp/{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        h = hashlib.sha256()
        size = 0
        async with self.sftp.open(tmp, "xb", asyncssh.SFTPAttrs(permissions=item.mode),
                                  encoding=None) as fo:
            with open(item.src, "rb") as fi:
                for block in iter(lambda: fi.read(_BLOCK), b""):
                    h.update(block)
                    await fo.write(block, size)
                    size += len(block)
            with contextlib.suppress(asyncssh.SFTPOpUnsupported):
                await fo.fsync()
        sha = h.hexdigest()
        if item.sha is not None and sha != item.sha:
            with contextlib.suppress(asyncssh.SFTPError):
                await self.sftp.remove(tmp)  # our own temp file, just written
            raise corrupt_here(item)
        try:
            await self.sftp.posix_rename(tmp, self._p(item.rel))
        except asyncssh.SFTPOpUnsupported:
            await self.sftp.rename(tmp, self._p(item.rel))
        return sha, size

    # --- checking the copy ----------------------------------------------------------------
    async def _verify(self, res: SyncResult) -> VerifyReport:
        rep = VerifyReport()
        # 1. every file written now hashes on the remote to what we sent, and every pack there
        #    (written now or before) to its name: a copy that rotted since the last sync shows
        state = await self._state()
        want = {f"packs/{n}": n[:-len(".pack")] for n in state.names("packs", ".pack")}
        want.update(self.uploaded)
        got = await self._remote_hashes(sorted(want))
        for rel, sha in sorted(want.items()):
            if rel not in got:
                rep.problems.append(f"{rel} cannot be read back")
            elif got[rel] != sha:
                how = "arrived altered" if rel in self.uploaded else "was altered on the " \
                      "destination"
                rep.problems.append(f"{rel} {how} (hashes to {got[rel][:12]}, expected "
                                    f"{sha[:12]})")
        # 2. the listing lacks nothing this store has
        missing = [i.rel for i in plan(self.store, state) if not i.replace]
        if missing:
            rep.problems.append(f"{missing[0]} is missing ({len(missing)} file(s) in all)")
        if not state.config:
            rep.problems.append("config.json is missing")
        pub = self.store.keys.public_b64
        if state.public_key != pub:
            rep.problems.append("keys/signing.pub is not this store's public key")
        rep.packs = len(state.names("packs", ".pack"))
        # 3. every manifest read back: id = hash of its canonical body, our key, signature, chain
        bodies: dict[str, dict[str, object]] = {}
        for name in sorted(state.names("snapshots", ".json")):
            sid = name[:-len(".json")]
            body, problem = check_manifest(sid, await self._read(f"snapshots/{name}"), pub)
            if problem is not None:
                rep.problems.append(problem)
            elif body is not None:
                bodies[sid] = body
        rep.snapshots = len(bodies)
        rep.problems.extend(check_chain(bodies))
        return rep

    async def _remote_hashes(self, rels: list[str]) -> dict[str, str]:
        """sha256sum on the remote (read-only). What it does not answer (no sha256sum, no
        shell: an SFTP-only account) is downloaded and hashed here instead."""
        self.doing = f"hashing the files in {self.root}"
        out: dict[str, str] = {}
        for i in range(0, len(rels), _HASH_BATCH):
            batch = rels[i:i + _HASH_BATCH]
            ans = await self.t.run(Query(
                id="sync.sha256sum", argv=("sh", "-c", _HASH_SCRIPT, "sh", self.root, *batch),
                doc="hash the files just uploaded, on the destination", timeout=600,
                max_bytes=len(batch) * 1024))
            for line in ans.stdout.decode(errors="replace").splitlines():
                digest, sep, rel = line.partition("  ")
                if sep and len(digest) == 64 and rel in batch:
                    out[rel] = digest.lower()
        for rel in rels:
            if rel not in out:
                self.doing = f"reading {self._p(rel)} back"
                h = hashlib.sha256()
                try:
                    async with self.sftp.open(self._p(rel), "rb", encoding=None) as fh:
                        while block := await fh.read(_BLOCK):
                            h.update(block)
                except asyncssh.SFTPNoSuchFile:
                    continue
                out[rel] = h.hexdigest()
        return out


def _is_dir(attrs: Any) -> bool:
    if attrs.permissions is not None:
        return stat.S_ISDIR(attrs.permissions)
    return bool(attrs.type == asyncssh.FILEXFER_TYPE_DIRECTORY)

