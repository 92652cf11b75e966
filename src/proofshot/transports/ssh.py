"""Queries over SSH (asyncssh): one connection per target, many channels, bounded in time and size.

Host keys are trusted on first use and pinned in the workspace's own known_hosts file (one line
per key: `host:port keytype base64`); a later, different key is refused (HostKeyChanged) before
any credential is sent, unless the caller explicitly accepts the new key.

Nothing is written on the target: each query is one exec channel with the declared argv; the
only extra is `sudo -n --` in front of privileged queries when sudo is enabled. Small queries
may share one channel (run_batch: the static framing script of transports.batch), which saves
the target an sshd session, a login shell and a sudo per query.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import os
import shlex
import socket
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from proofshot.model.errors import AuthFailed, HostKeyChanged, TransportError, Unreachable
from proofshot.model.transcript import DEFAULT_KEEP_BYTES, DEFAULT_TIMEOUT, Answer, Query
from proofshot.transports import batch
from proofshot.transports._sshlib import asyncssh
from proofshot.transports.limits import STDERR_LIMIT, Whole, read_capped

_OPEN_RETRIES = 6
# sshd's default MaxSessions is 10 channels per connection; stay below it.
DEFAULT_MAX_CHANNELS = 8
_CHANNEL_ENV = {"LC_ALL": "C", "LANG": "C"}  # honoured where sshd has `AcceptEnv LANG LC_*`
# Which host key to see (and pin) first when nothing is pinned yet: the same order as OpenSSH.
_HOST_KEY_PREFERENCE = [
    "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa",
]
_SUDO_REFUSALS = (
    b"a password is required",
    b"a terminal is required",
    b"is not in the sudoers file",
    b"is not allowed to execute",
    b"not allowed to run sudo",
    b"may not run sudo",
)


def fingerprint(key: Any) -> str:
    """OpenSSH-style SHA256 fingerprint of an asyncssh public key."""
    return str(key.get_fingerprint("sha256"))


class _PinnedClient(asyncssh.SSHClient):
    """Checks the server's host key against the pins before any authentication happens."""

    def __init__(self, pins: list[Any], accept_any: bool) -> None:
        self.pins = pins
        self.accept_any = accept_any
        self.offered: Any = None

    def validate_host_public_key(self, host: str, addr: str, port: int, key: Any) -> bool:
        self.offered = key
        if self.accept_any or not self.pins:
            return True
        return any(key == pin for pin in self.pins)


class SSHTransport:
    """Runs declared queries on one host over one SSH connection."""

    def __init__(
        self,
        name: str,
        host: str,
        port: int = 22,
        *,
        user: str,
        key_path: str | None = None,
        password: str | None = None,
        use_agent: bool = False,
        sudo: bool = False,
        known_hosts_path: str | os.PathLike[str],
        accept_new_key: bool = False,
        connect_timeout: float = 10.0,
        login_timeout: float = 30.0,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_KEEP_BYTES,
        retries: int = 2,
        backoff: float = 0.25,
        max_channels: int = DEFAULT_MAX_CHANNELS,
    ) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.user = user
        self.key_path = key_path
        self._password = password
        self.use_agent = use_agent
        self.sudo = sudo
        self.known_hosts_path = Path(known_hosts_path)
        self.accept_new_key = accept_new_key
        self.connect_timeout = connect_timeout
        self.login_timeout = login_timeout
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.retries = retries
        self.backoff = backoff
        self._slots = asyncio.Semaphore(max(1, max_channels))
        self._conn: asyncssh.SSHClientConnection | None = None

    def __repr__(self) -> str:
        return f"SSHTransport({self.name!r}, {self.user}@{self.host}:{self.port})"

    # --- connection -------------------------------------------------------------------
    async def open(self) -> dict[str, str]:
        if self._conn is not None:
            await self.close()
        pins = _read_pins(self.known_hosts_path, self._pin_name)
        attempt = 0
        while True:
            try:
                conn, client = await self._connect(pins, accept_any=self.accept_new_key)
                break
            except (AuthFailed, HostKeyChanged):
                raise
            except Unreachable:
                if attempt >= self.retries:
                    raise
            attempt += 1
            await asyncio.sleep(self.backoff * (2 ** (attempt - 1)))
        key = client.offered
        facts = {"transport": "ssh", "host_key": fingerprint(key),
                 "host_key_type": str(key.get_algorithm())}
        if not any(key == pin for pin in pins):
            if pins:  # only reachable with accept_new_key
                facts["host_key_replaced"] = ",".join(fingerprint(p) for p in pins)
            _write_pin(self.known_hosts_path, self._pin_name, key, replace=bool(pins))
        self._conn = conn
        return facts

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.wait_closed(), 5)

    @property
    def _pin_name(self) -> str:
        return f"{self.host}:{self.port}"

    async def _connect(
        self, pins: list[Any], *, accept_any: bool
    ) -> tuple[asyncssh.SSHClientConnection, _PinnedClient]:
        client = _PinnedClient(pins, accept_any)
        host_key_algs: Any = _HOST_KEY_PREFERENCE
        if pins and not accept_any:
            host_key_algs = sorted({a.decode() for p in pins for a in p.sig_algorithms})
        client_keys: Any = [self.key_path] if self.key_path else None
        if client_keys is None and self.use_agent:
            # Only the agent's keys: asyncssh's default would also load ~/.ssh/id_*, and None
            # switches the agent off as well.
            client_keys = await _agent_keys() or None
        options: dict[str, Any] = {
            "username": self.user,
            "known_hosts": ([], [], []),  # nothing trusted up front: every key goes to client
            "server_host_key_algs": host_key_algs,
            "config": [],  # never the technician's ~/.ssh/config (aliases, proxies, keys)
            "client_keys": client_keys,
            "password": self._password,
            "agent_path": None,  # agent keys, if wanted, are in client_keys already
            "gss_auth": False,
            "gss_kex": False,
            "kbdint_auth": self._password is not None,
            "connect_timeout": self.login_timeout,  # handshake + auth (TCP is done by then)
            "login_timeout": self.login_timeout,
            "encryption_algs": _encryption_algs(),
            "keepalive_interval": 15,
            "keepalive_count_max": 3,
        }
        try:
            sock = await self._tcp_connect()
            conn = await asyncssh.connect(self.host, self.port, sock=sock,
                                          client_factory=lambda: client, **options)
        except asyncssh.HostKeyNotVerifiable:
            raise self._changed(pins, client.offered) from None
        except (asyncssh.KeyExchangeFailed, asyncssh.ConnectionLost, ConnectionError) as exc:
            # A server that lacks the pinned key's type fails the key exchange (OpenSSH just
            # drops the connection): look at the key it offers now before calling it unreachable.
            if pins and not accept_any and client.offered is None:
                offered = await self._probe_key()
                if offered is not None and not any(offered == p for p in pins):
                    raise self._changed(pins, offered) from None
            if isinstance(exc, asyncssh.KeyExchangeFailed):
                raise TransportError(self._msg(f"key exchange failed: {exc.reason}")) from None
            raise Unreachable(self._msg(f"unreachable: {_describe(exc)}")) from None
        except asyncssh.PermissionDenied as exc:
            raise AuthFailed(self._msg(f"authentication failed for {self.user}: {exc.reason}")) \
                from None
        except TimeoutError as exc:
            raise Unreachable(self._msg(f"unreachable: {_describe(exc)}")) from None
        except asyncssh.DisconnectError as exc:
            if "auth" in exc.reason.lower():
                raise AuthFailed(self._msg(f"authentication failed for {self.user}: "
                                           f"{exc.reason}")) from None
            raise TransportError(self._msg(f"ssh: {exc.reason}")) from None
        except (asyncssh.KeyImportError, asyncssh.KeyEncryptionError) as exc:
            raise AuthFailed(self._msg(f"cannot use key {self.key_path}: {exc}")) from None
        except OSError as exc:
            if self.key_path and exc.filename == self.key_path:
                raise AuthFailed(self._msg(f"cannot read key {self.key_path}: {exc.strerror}")) \
                    from None
            raise Unreachable(self._msg(f"unreachable: {_describe(exc)}")) from None
        return conn, client

    async def _tcp_connect(self) -> socket.socket:
        """TCP alone, bounded by connect_timeout (so a slow login is not taken for a dead host)."""
        loop = asyncio.get_running_loop()
        infos = await asyncio.wait_for(
            loop.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM), self.connect_timeout)
        last: BaseException = OSError(f"no address for {self.host}")
        for family, kind, proto, _, addr in infos:
            sock = socket.socket(family, kind, proto)
            sock.setblocking(False)
            try:
                await asyncio.wait_for(loop.sock_connect(sock, addr), self.connect_timeout)
                return sock
            except (OSError, TimeoutError) as exc:
                sock.close()
                last = exc
        raise last

    async def _probe_key(self) -> Any:
        """Connect only far enough to see the key the server offers now (no authentication)."""
        probe = _PinnedClient([object()], accept_any=False)  # rejects every key after seeing it
        with contextlib.suppress(Exception):
            conn = await asyncssh.connect(
                self.host, self.port, client_factory=lambda: probe, username=self.user,
                known_hosts=([], [], []), server_host_key_algs="default", config=[],
                client_keys=None, password=None,
                agent_path=None, gss_auth=False, gss_kex=False,
                connect_timeout=self.connect_timeout)
            conn.close()
        return probe.offered

    def _changed(self, pins: list[Any], new: Any) -> HostKeyChanged:
        old = ", ".join(f"{p.get_algorithm()} {fingerprint(p)}" for p in pins)
        now = f"{new.get_algorithm()} {fingerprint(new)}" if new is not None else "unknown"
        return HostKeyChanged(self._msg(
            f"host key changed: pinned {old}, server now offers {now} "
            f"(pin file {self.known_hosts_path}); nothing was sent. If the change is expected, "
            "accept the new key explicitly"))

    def _msg(self, text: str) -> str:
        msg = f"{self.name} ({self.host}:{self.port}): {text}"
        if self._password:
            msg = msg.replace(self._password, "***")
        return msg

    # --- queries ------------------------------------------------------------------------
    async def run(self, query: Query, stdin: bytes | None = None) -> Answer:
        use_sudo = query.privileged and self.sudo
        argv = list(query.argv)
        command = shlex.join(argv)
        if use_sudo:
            command = "sudo -n -- " + command
        timeout = query.timeout or self.timeout
        limit = query.max_bytes or self.max_bytes

        def answer(**kw: Any) -> Answer:
            base: dict[str, Any] = {"exit_code": None, "stdout": b"", "stderr": b"",
                                    "duration": time.monotonic() - start}
            base.update(kw)
            return Answer(query=query.id, argv=argv, sudo=use_sudo, stdin=stdin, **base)

        start = time.monotonic()
        conn = self._conn
        if conn is None:
            return answer(error="not connected")
        async with self._slots:
            start = time.monotonic()
            try:
                proc = await _open_channel(conn, command, timeout, start)
            except TimeoutError:
                return answer(timed_out=True)
            except asyncssh.ChannelOpenError as exc:
                return answer(error=self._msg(f"channel refused: {exc.reason}"))
            except (asyncssh.Error, OSError) as exc:
                return answer(error=self._msg(f"connection lost: {_describe(exc)}"))
            return await self._collect(proc, stdin, timeout, limit, use_sudo, answer)

    async def run_batch(self, queries: Sequence[Query]) -> list[Answer | None]:
        """Several queries in one channel (and one sudo), framed by transports.batch; None for
        each query the batch could not answer exactly (the caller runs it alone)."""
        use_sudo = batch.sudo_of(queries, self.sudo)
        conn = self._conn
        if conn is None or use_sudo is None:
            return [None] * len(queries)
        run = batch.BatchRun.start(queries, self.timeout, self.max_bytes)
        command = shlex.join(batch.argv(queries, run.token))
        if use_sudo:
            command = "sudo -n -- " + command
        async with self._slots:
            try:
                proc = await _open_channel(conn, command, self.timeout, time.monotonic())
            except (TimeoutError, asyncssh.Error, OSError):
                return [None] * len(queries)
            complete = False
            with contextlib.suppress(asyncssh.Error, OSError):
                proc.stdin.write_eof()
                complete = await run.collect(proc.stdout.read, proc.stderr.read)
            if complete:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(proc.wait_closed(), 5.0)
            else:
                with contextlib.suppress(Exception):
                    proc.send_signal("KILL")
                proc.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(proc.wait_closed(), 1.0)
        out: list[Answer | None] = []
        for q, f in zip(queries, run.results or [None] * len(queries), strict=True):
            if f is None:
                out.append(None)
                continue
            out.append(Answer(query=q.id, argv=list(q.argv), exit_code=f.code, stdout=f.stdout,
                              stderr=f.stderr, duration=f.duration, timed_out=f.timed_out,
                              error="missing" if f.code == 127 else None, sudo=use_sudo,
                              batched=True))
        return out

    async def _collect(self, proc: Any, stdin: bytes | None, timeout: float, limit: int,
                       use_sudo: bool, answer: Any) -> Answer:
        out: list[bytes] = []
        err: list[bytes] = []
        cut = {"out": False}
        whole = Whole()  # size and hash of a cut stdout, read on past what is kept

        async def pump(stream: Any, sink: list[bytes], cap: int, key: str | None) -> None:
            data, over = await read_capped(stream.read, cap, whole if key else None)
            sink.append(data)
            if over and key:
                cut[key] = True

        async def feed() -> None:
            with contextlib.suppress(OSError, asyncssh.Error, BrokenPipeError):
                if stdin:
                    proc.stdin.write(stdin)
                    await proc.stdin.drain()
                proc.stdin.write_eof()

        timed_out = False
        lost: str | None = None
        helpers = [asyncio.ensure_future(feed()),
                   asyncio.ensure_future(pump(proc.stderr, err, STDERR_LIMIT, None))]
        try:
            async with asyncio.timeout(timeout):
                await pump(proc.stdout, out, limit, "out")
                if not cut["out"]:
                    await asyncio.gather(*helpers)
                    await proc.wait_closed()
        except TimeoutError:
            timed_out = True
        except (asyncssh.Error, OSError) as exc:
            lost = self._msg(f"connection lost: {_describe(exc)}")
        finally:
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
        if timed_out or cut["out"] or lost:
            with contextlib.suppress(Exception):
                proc.send_signal("KILL")  # OpenSSH >= 7.9 forwards it; else closing the channel
            proc.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(proc.wait_closed(), 1.0)
        stdout, stderr = b"".join(out), b"".join(err)
        code = None if timed_out or lost else proc.exit_status
        if code is not None and code < 0:  # killed by a signal, or no status sent
            code = None
        error: str | None = lost
        if code == 127:
            error = "missing"
        elif use_sudo and code == 1 and stderr.startswith(b"sudo:"):
            head = stderr.splitlines()[0].lower()
            if head.endswith(b"command not found"):
                error = "missing"
            elif any(r in head for r in _SUDO_REFUSALS):
                error = "refused"
        result: Answer = answer(exit_code=code, stdout=stdout, stderr=stderr,
                                truncated=cut["out"], timed_out=timed_out, error=error,
                                whole=whole.record() if cut["out"] else None)
        return result


async def _open_channel(conn: asyncssh.SSHClientConnection, command: str, timeout: float,
                        start: float) -> Any:
    """One exec channel for `command`. sshd frees a session slot only after it has processed
    the previous channel's close, so an open right after one may be refused: retry a few times
    while within `timeout` of `start`. Raises TimeoutError, or the last ChannelOpenError."""
    for attempt in range(_OPEN_RETRIES):
        try:
            return await asyncio.wait_for(
                conn.create_process(command, encoding=None, env=_CHANNEL_ENV), timeout)
        except asyncssh.ChannelOpenError:
            if time.monotonic() - start > timeout:
                raise
            await asyncio.sleep(0.02 * 2 ** attempt)
    return await asyncio.wait_for(
        conn.create_process(command, encoding=None, env=_CHANNEL_ENV), timeout)


def _encryption_algs() -> list[str]:
    """asyncssh's own list with AES-GCM first: with AES-NI it costs both ends the least CPU
    (asyncssh's chacha20-poly1305, its first choice, is done in two passes per packet)."""
    from asyncssh.encryption import get_default_encryption_algs

    default = [a.decode() for a in get_default_encryption_algs()]
    first = [a for a in ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com") if a in default]
    return first + [a for a in default if a not in first]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, asyncssh.DisconnectError):
        return str(exc.reason)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


# --- the pin file --------------------------------------------------------------------------
def _read_pins(path: Path, name: str) -> list[Any]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    pins = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3 or parts[0] != name:
            continue
        with contextlib.suppress(Exception):
            pins.append(asyncssh.import_public_key(f"{parts[1]} {parts[2]}"))
    return pins


def _write_pin(path: Path, name: str, key: Any, *, replace: bool) -> None:
    line = f"{name} {key.export_public_key('openssh').decode().split()[0]} " \
           f"{base64.b64encode(key.public_data).decode()}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not replace:
            with open(path, "a") as fh:
                fh.write(line)
            return
        try:
            old = path.read_text().splitlines(keepends=True)
        except FileNotFoundError:
            old = []
        kept = [ln for ln in old if not ln.split() or ln.split()[0] != name]
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text("".join(kept) + line)
        os.replace(tmp, path)


async def _agent_keys() -> list[Any]:
    """The keys an ssh-agent (SSH_AUTH_SOCK) offers; none when there is no agent."""
    if not os.environ.get("SSH_AUTH_SOCK"):
        return []
    try:
        agent = await asyncssh.connect_agent()
    except (OSError, asyncssh.Error):
        return []
    if agent is None:
        return []
    try:
        return list(await agent.get_keys())
    except (OSError, asyncssh.Error):
        return []
