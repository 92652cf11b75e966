"""Queries over WinRM: PowerShell remoting (PSRP over WS-Management) with pypsrp.

HTTPS on 5986 by default, the server's certificate verified (against `ca` when given); plain
HTTP on 5985 only with message encryption, which negotiate, kerberos, ntlm and credssp give.
Basic authentication is never sent over HTTP (refused here, whatever the caller asks).

pypsrp is synchronous: every call runs in a worker thread of one pool shared by all WinRM
targets (MAX_THREADS: so 50 hosts are read at once while the event loop stays free); one
target's queries run one after the other on its runspace pool. A query is a declared
`powershell.exe ... -EncodedCommand B64` argv: its script is decoded and run in the runspace,
its output objects (the JSON text) are the answer's stdout, the error stream its stderr.

Faults become data: a refused login is AuthFailed, a host that does not answer Unreachable
(both raised by open()); a query that fails (a WS-Management fault, a receive failure, the
operation timeout) is an Answer with its error, never an exception.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from proofshot.model.errors import AuthFailed, BadInput, TransportError, Unreachable
from proofshot.model.transcript import DEFAULT_TIMEOUT, Answer, Query

MAX_THREADS = 64
_POWERSHELL = ("powershell.exe", "-NoProfile", "-NonInteractive", "-EncodedCommand")
_POOL: ThreadPoolExecutor | None = None
# WS-Management fault codes (MS-WSMV) that have a meaning of their own here
FAULT_OPERATION_TIMEOUT = 2150858793
FAULT_ACCESS_DENIED = 5
FAULT_MAX_ENVELOPE = 2150858817


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=MAX_THREADS, thread_name_prefix="winrm")
    return _POOL


def script_of(argv: list[str] | tuple[str, ...]) -> str | None:
    """The PowerShell script of a declared -EncodedCommand argv; None for any other argv."""
    if len(argv) != len(_POWERSHELL) + 1 or tuple(argv[:-1]) != _POWERSHELL:
        return None
    try:
        return base64.b64decode(argv[-1], validate=True).decode("utf-16-le")
    except ValueError:
        return None


def classify(exc: BaseException) -> tuple[str, str]:
    """(kind, message) of a pypsrp / requests failure: kind is auth, unreachable, timeout,
    refused or error."""
    from pypsrp.exceptions import AuthenticationError, WinRMTransportError, WSManFaultError

    if isinstance(exc, AuthenticationError):
        return "auth", f"authentication failed: {exc}"
    if isinstance(exc, WSManFaultError):
        code = exc.code
        text = f"WS-Management fault {code}: {exc.reason or exc.message}".strip()
        if code == FAULT_OPERATION_TIMEOUT:
            return "timeout", text
        if code == FAULT_ACCESS_DENIED:
            return "refused", text
        return "error", text
    if isinstance(exc, WinRMTransportError):
        if exc.code == 401:
            return "auth", f"authentication refused (HTTP 401, {exc.protocol})"
        return "error", f"HTTP {exc.code} from the WinRM service"
    try:
        import requests
    except ImportError:  # pragma: no cover - pypsrp depends on requests
        requests = None  # type: ignore[assignment]
    if requests is not None:
        if isinstance(exc, requests.exceptions.SSLError):
            return "unreachable", f"TLS failed (certificate not trusted?): {exc}"
        if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
            return "unreachable", f"no answer: {type(exc).__name__}"
    if isinstance(exc, OSError):
        return "unreachable", f"{type(exc).__name__}: {exc}"
    return "error", f"{type(exc).__name__}: {exc}"


class WinRMTransport:
    """Runs declared PowerShell queries on one Windows host over one runspace pool."""

    def __init__(self, name: str, host: str, port: int | None = None, *,
                 transport: str = "https", auth: str = "negotiate", user: str,
                 password: str | None = None, ca: str | None = None, tls_verify: bool = True,
                 timeout: float = DEFAULT_TIMEOUT, connect_timeout: float = 10.0,
                 operation_timeout: int = 20, max_envelope_size: int = 153600,
                 path: str = "wsman") -> None:
        if transport not in ("https", "http"):
            raise BadInput(f"{name}: transport must be https or http")
        if auth == "basic" and transport == "http":
            raise BadInput(f"{name}: Basic authentication over plain HTTP is never used")
        self.name = name
        self.host = host
        self.ssl = transport == "https"
        self.port = port or (5986 if self.ssl else 5985)
        self.auth = auth
        self.user = user
        self._password = password
        self.cert_validation: bool | str = (ca or True) if tls_verify else False
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.operation_timeout = operation_timeout
        self.max_envelope_size = max_envelope_size
        self.path = path
        self._pool_obj: Any = None
        self._lock = asyncio.Lock()
        # a query that timed out still runs in its worker thread: the next one waits for it
        # (pypsrp's session is not shared between threads at once)
        self._pending: asyncio.Future[Any] | None = None

    def __repr__(self) -> str:
        scheme = "https" if self.ssl else "http"
        return f"WinRMTransport({self.name!r}, {scheme}://{self.host}:{self.port})"

    def _msg(self, text: str) -> str:
        msg = f"{self.name} ({self.host}:{self.port}): {text}"
        if self._password:
            msg = msg.replace(self._password, "***")
        return msg

    # --- connection -------------------------------------------------------------------
    def _open_sync(self) -> Any:
        from pypsrp.powershell import RunspacePool
        from pypsrp.wsman import WSMan

        wsman = WSMan(self.host, port=self.port, username=self.user, password=self._password,
                      ssl=self.ssl, path=self.path, auth=self.auth,
                      cert_validation=self.cert_validation,  # type: ignore[arg-type]
                      connection_timeout=int(self.connect_timeout),
                      read_timeout=int(max(self.timeout, self.operation_timeout + 10)),
                      operation_timeout=self.operation_timeout,
                      max_envelope_size=self.max_envelope_size,
                      # https: TLS protects the messages; http: always message-encrypted
                      encryption="auto" if self.ssl else "always", no_proxy=True)
        pool = RunspacePool(wsman)
        try:
            pool.open()
        except BaseException:
            wsman.close()
            raise
        return pool

    async def open(self) -> dict[str, str]:
        loop = asyncio.get_running_loop()
        try:
            self._pool_obj = await asyncio.wait_for(
                loop.run_in_executor(_pool(), self._open_sync), self.connect_timeout + self.timeout)
        except TimeoutError:
            raise Unreachable(self._msg("no answer in time")) from None
        except Exception as exc:
            kind, text = classify(exc)
            if kind == "auth":
                raise AuthFailed(self._msg(text)) from None
            if kind == "unreachable":
                raise Unreachable(self._msg(text)) from None
            raise TransportError(self._msg(text)) from None
        scheme = "https" if self.ssl else "http"
        return {"winrm": f"{scheme}://{self.host}:{self.port}/{self.path}", "auth": self.auth,
                "encryption": "tls" if self.ssl else "message"}

    async def close(self) -> None:
        pool, self._pool_obj = self._pool_obj, None
        if pool is None:
            return

        def shut() -> None:
            # closing the pool of a host that went away: nothing to keep
            with contextlib.suppress(Exception):
                pool.close()
            with contextlib.suppress(Exception):
                pool.connection.close()

        loop = asyncio.get_running_loop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(loop.run_in_executor(_pool(), shut), 10.0)

    # --- queries ------------------------------------------------------------------------
    def _invoke(self, pool: Any, text: str) -> tuple[bytes, bytes, bool]:
        from pypsrp.powershell import PowerShell

        ps = PowerShell(pool)
        ps.add_script(text)
        out = ps.invoke()
        stdout = "\n".join(str(o) for o in out if o is not None)
        errors = "\n".join(str(e) for e in ps.streams.error)
        return stdout.encode("utf-8"), errors.encode("utf-8"), bool(ps.had_errors)

    async def run(self, query: Query, stdin: bytes | None = None) -> Answer:
        start = time.monotonic()
        text = script_of(query.argv)
        if text is None:
            return Answer.failed(query, error="not a declared PowerShell query")
        if self._pool_obj is None:
            return Answer.failed(query, error="not connected")
        timeout = query.timeout or self.timeout
        loop = asyncio.get_running_loop()
        async with self._lock:
            start = time.monotonic()
            if self._pending is not None and not self._pending.done():
                try:
                    await asyncio.wait_for(asyncio.shield(self._pending), timeout)
                except Exception:  # still running or failed: this query gets no turn
                    return Answer.failed(query, timed_out=True,
                                         duration=time.monotonic() - start)
            fut = loop.run_in_executor(_pool(), self._invoke, self._pool_obj, text)
            try:
                stdout, stderr, had_errors = await asyncio.wait_for(asyncio.shield(fut),
                                                                    timeout)
            except TimeoutError:
                self._pending = fut
                fut.add_done_callback(lambda f: f.exception())  # retrieved: no warning
                return Answer.failed(query, timed_out=True, duration=time.monotonic() - start)
            except Exception as exc:
                kind, msg = classify(exc)
                if kind == "timeout":
                    return Answer.failed(query, timed_out=True,
                                         duration=time.monotonic() - start)
                return Answer(query=query.id, argv=list(query.argv), exit_code=None,
                              stdout=b"", stderr=msg.encode(), duration=time.monotonic() - start,
                              error="refused" if kind == "refused" else self._msg(msg))
        code = 1 if had_errors and not stdout else 0
        return Answer(query=query.id, argv=list(query.argv), exit_code=code, stdout=stdout,
                      stderr=stderr, duration=time.monotonic() - start)
