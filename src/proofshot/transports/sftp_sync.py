"""`proofshot sync ssh://[user@]host[:port]/path`: the store's second copy on another machine.

The same operation as a local sync (proofshot.store.copy.copy: refuses a diverged destination,
sends what it lacks, manifests last), into an `SftpSink`: the destination directory's layout
written over SFTP on one SSH connection with the scan's host-key pinning (the workspace's
known_hosts, trust on first use):

* every file goes to `tmp/` under a fresh name (created exclusively), is fsynced where the
  server offers fsync@openssh.com, then renamed into place: a broken connection leaves at most
  a stray temp file, never a half-written pack or manifest under its real name;
* nothing remote is deleted or overwritten except the TSA CA when ours differs, and a pack
  that fails its hash there (repaired from ours); a temp file is removed only when we just
  wrote it from a pack that turned out corrupt here;
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
import builtins
import contextlib
import getpass
import hashlib
import json
import os
import secrets
import stat
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from proofshot.model.errors import BadInput, IntegrityError, StoreError, TransportError, Unreachable
from proofshot.model.transcript import Query
from proofshot.store.api import EvidenceStore
from proofshot.store.backend import Kind
from proofshot.store.copy import CopyResult, DestinationDiverged, copy
from proofshot.store.verify import VerifyReport, check_chain, check_manifest
from proofshot.transports._sshlib import asyncssh
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


def sync_ssh(store: EvidenceStore, dest: SSHDest, *, key_path: str | None = None,
             password: str | None = None, accept_host_key: bool = False,
             connect_timeout: float = 10.0) -> CopyResult:
    t = _SyncTransport(
        "destination", dest.host, dest.port, user=dest.user, key_path=key_path, password=password,
        use_agent=key_path is None, known_hosts_path=store.workspace.known_hosts,
        accept_new_key=accept_host_key, connect_timeout=connect_timeout, retries=1,
        timeout=300.0)
    with store.lock():
        store.reconcile()
        sink = SftpSink(store, dest, t)
        return sink.run()


_DIRS = ("packs", "snapshots", "tmp", "keys")


class SftpSink:
    """A directory store on another machine, written over SFTP (a copy `Sink`). Its async
    calls run on a private event loop, one at a time."""

    takes_packs = True

    def __init__(self, store: EvidenceStore, dest: SSHDest, t: _SyncTransport) -> None:
        self.store = store
        self.dest = dest
        self.location = str(dest)
        self.t = t
        self.root = dest.path
        self.sftp: Any = None
        self.loop = asyncio.new_event_loop()
        self.files: set[str] = set()
        self.config = False
        self.uploaded: dict[str, str] = {}  # rel path -> SHA-256 of what was sent
        self.doing = "starting"  # for error messages: the SFTP status alone names no file
        self.made: set[str] = set()

    def _p(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    def _run(self, coro: Any) -> Any:
        try:
            return self.loop.run_until_complete(coro)
        except asyncssh.SFTPError as exc:
            raise StoreError(self.t.mask(f"{self.doing}: {exc.reason}")) from None
        except (asyncssh.Error, ConnectionError) as exc:
            reason = getattr(exc, "reason", "") or str(exc) or type(exc).__name__
            raise Unreachable(self.t.mask(f"connection lost: {reason}")) from None

    def run(self) -> CopyResult:
        res = CopyResult(str(self.dest))
        try:
            self.loop.run_until_complete(self.t.open())
            self.sftp = self.loop.run_until_complete(self.t.start_sftp())
            try:
                self._run(self._state())
                copy(self.store, self, result=res)
                if not self.config:
                    self._put_rel("config.json", self._config_bytes())
                    res.other += 0
                report = self._run(self._verify())
                if not report.ok and self._repair(report, res):
                    report = self._run(self._verify())
                res.report = report
            finally:
                self.sftp.exit()
                self.loop.run_until_complete(self.t.close())
        finally:
            self.loop.close()
        if not res.report.ok:
            raise IntegrityError(f"the copy at {self.dest} does not verify: "
                                 f"{res.report.problems[0]}")
        return res

    def _config_bytes(self) -> bytes:
        from proofshot.store.api import utcnow
        from proofshot.store.dirbackend import STORE_FORMAT

        return json.dumps({"format": STORE_FORMAT, "created": utcnow()}, indent=2).encode()

    # --- the Sink ---------------------------------------------------------------------------
    @staticmethod
    def _rel(kind: Kind, name: str) -> str:
        return {"pack": f"packs/{name}.pack", "manifest": f"snapshots/{name}.json",
                "token": f"snapshots/{name}.tsr", "log": f"logs/{name}.json",
                "key": f"trusted/{name}.json"}[kind]

    def list(self, kind: Kind) -> builtins.list[str]:
        pre, suf = self._rel(kind, "\0").split("\0")
        return sorted(f[len(pre):-len(suf)] for f in self.files
                      if f.startswith(pre) and f.endswith(suf)
                      and (kind == "log" or "/" not in f[len(pre):-len(suf)]))

    def get(self, kind: Kind, name: str) -> bytes:
        data: bytes = self._run(self._read(self._rel(kind, name)))
        return data

    def put(self, kind: Kind, name: str, data: bytes, *, replace: bool = False) -> None:
        rel = self._rel(kind, name)
        if rel in self.files and not replace:
            return
        self._put_rel(rel, data, sha=name if kind == "pack" else None)

    def put_object(self, oid: str, raw: bytes) -> None:
        raise TypeError("an ssh:// store takes packs")

    def advance_doc(self, prev: str | None, sid: str, doc: bytes) -> None:
        self._put_rel(self._rel("manifest", sid), doc)

    def adopt(self, store: EvidenceStore) -> int:
        pub = store.keys.public_b64
        if "keys/signing.pub" in self.files:
            theirs = self._run(self._read("keys/signing.pub")).decode(errors="replace").strip()
            if theirs != pub:
                raise DestinationDiverged(
                    f"destination {self.dest} is a store with another signing key; refusing "
                    "to mix evidence (choose another destination)")
        elif self.files or self.config:
            raise BadInput(f"destination {self.dest} is a directory that is neither empty nor "
                           "a proofshot store")
        n = 0
        for d in _DIRS:
            self._run(self._mkdirs(d))
        self.doing = f"protecting {self._p('keys')}"
        self._run(self.sftp.chmod(self._p("keys"), 0o700))
        if "keys/salt" not in self.files:
            self._put_rel("keys/salt", store.keys.salt, mode=0o600)
            n += 1
        if "keys/signing.pub" not in self.files:
            self._put_rel("keys/signing.pub", (pub + "\n").encode())
            n += 1
        ca = store.workspace.root / "tsa-ca.pem"
        if ca.is_file() and self._run(self._read_or_none("tsa-ca.pem")) != ca.read_bytes():
            self._put_rel("tsa-ca.pem", ca.read_bytes(), counted=False)
        return n

    def _put_rel(self, rel: str, data: bytes, sha: str | None = None, mode: int = 0o644,
                 counted: bool = True) -> None:
        parent = rel.rpartition("/")[0]
        if parent and parent not in self.made:
            self._run(self._mkdirs(parent))
            self.made.add(parent)
        digest = self._run(self._upload(rel, data, sha, mode))
        if counted:
            self.uploaded[rel] = digest
        self.files.add(rel)
        if rel == "config.json":
            self.config = True

    def _repair(self, report: VerifyReport, res: CopyResult) -> bool:
        """Packs that fail their hash there, sent again from our good copy."""
        fixed = False
        ours = set(self.store.backend.list("pack"))
        for rel in sorted(self.altered):
            name = rel[len("packs/"):-len(".pack")]
            if name in ours:
                with self.store.backend.open_pack(name) as fh:
                    data = fh.read()
                self._put_rel(rel, data, sha=name)
                res.repaired += 1
                fixed = True
        return fixed

    # --- reading the destination ----------------------------------------------------------
    async def _state(self) -> None:
        self.doing = f"listing {self.root}"
        try:
            attrs = await self.sftp.stat(self.root)
        except asyncssh.SFTPNoSuchFile:
            return
        if not _is_dir(attrs):
            raise BadInput(f"destination {self.dest} is a file")
        top = [n for n in await self.sftp.readdir(self.root) if n.filename not in (".", "..")]
        self.config = any(n.filename == "config.json" for n in top)
        for n in top:
            if n.filename in ("packs", "snapshots", "keys", "logs", "trusted") \
                    and _is_dir(n.attrs):
                await self._walk(n.filename, self.files)
            elif n.filename not in ("config.json", "tmp", "tsa-ca.pem", "index.sqlite",
                                    "index.sqlite-wal", "index.sqlite-shm", "lock",
                                    "known_hosts"):
                self.files.add(n.filename)

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

    async def _upload(self, rel: str, data: bytes, want: str | None, mode: int) -> str:
        self.doing = f"writing {self._p(rel)}"
        name = rel.rpartition("/")[2]
        tmp = self._p(f"tmp/{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        sha = hashlib.sha256(data).hexdigest()
        if want is not None and sha != want:
            raise IntegrityError(f"{rel} is corrupt in this store (its hash does not match its "
                                 "name); run 'proofshot verify' before syncing")
        async with self.sftp.open(tmp, "xb", asyncssh.SFTPAttrs(permissions=mode),
                                  encoding=None) as fo:
            for off in range(0, len(data), _BLOCK):
                await fo.write(data[off:off + _BLOCK], off)
            with contextlib.suppress(asyncssh.SFTPOpUnsupported):
                await fo.fsync()
        try:
            await self.sftp.posix_rename(tmp, self._p(rel))
        except asyncssh.SFTPOpUnsupported:
            with contextlib.suppress(asyncssh.SFTPError):
                await self.sftp.remove(self._p(rel))
            await self.sftp.rename(tmp, self._p(rel))
        return sha

    # --- checking the copy ----------------------------------------------------------------
    async def _verify(self) -> VerifyReport:
        rep = VerifyReport()
        self.altered: set[str] = set()
        # 1. every file written now hashes on the remote to what we sent, and every pack there
        #    (written now or before) to its name: a copy that rotted since the last sync shows
        files: set[str] = set()
        for folder in ("packs", "snapshots", "keys", "logs", "trusted"):
            with contextlib.suppress(asyncssh.SFTPNoSuchFile):
                await self._walk(folder, files)
        packs = {f for f in files if f.startswith("packs/") and f.endswith(".pack")}
        want = {rel: rel[len("packs/"):-len(".pack")] for rel in packs}
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
                if rel in packs:
                    self.altered.add(rel)
        # 2. the listing lacks nothing this store has
        be = self.store.backend
        mine = {self._rel("pack", n) for n in be.list("pack")} | \
            {self._rel("manifest", s.id) for s in self.store.snapshots()} | \
            {self._rel("log", n) for n in be.list("log")} | \
            {self._rel("token", n) for n in be.list("token")} | {"keys/signing.pub", "keys/salt"}
        missing = sorted(mine - files)
        if missing:
            rep.problems.append(f"{missing[0]} is missing ({len(missing)} file(s) in all)")
        if await self._read_or_none("config.json") is None:
            rep.problems.append("config.json is missing")
        pub = self.store.keys.public_b64
        theirs = await self._read_or_none("keys/signing.pub")
        if theirs is None or theirs.decode(errors="replace").strip() != pub:
            rep.problems.append("keys/signing.pub is not this store's public key")
        rep.packs = len(packs)
        # 3. every manifest read back: id = hash of its canonical body, our key, signature, chain
        bodies: dict[str, dict[str, object]] = {}
        for rel in sorted(f for f in files if f.startswith("snapshots/") and f.endswith(".json")):
            sid = rel[len("snapshots/"):-len(".json")]
            body, problem = check_manifest(sid, await self._read(rel), pub)
            if problem is not None:
                rep.problems.append(problem)
            elif body is not None:
                bodies[sid] = body
        rep.snapshots = len(bodies)
        rep.problems.extend(check_chain(bodies))
        return rep

    async def _remote_hashes(self, rels: builtins.list[str]) -> dict[str, str]:
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

