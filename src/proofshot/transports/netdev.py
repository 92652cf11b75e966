"""Network device CLIs over SSH: a small prompt engine on one interactive session, bounded.

Switches, routers and firewalls have no shell to run argv in: they show a banner and a prompt,
echo what is typed, page long answers and may want `enable` first. This transport logs in over
SSH (the pinned, bounded connection of transports.ssh), learns the device's exact prompt by
sending an empty line (a banner line that merely looks like a prompt is never taken for it),
enters privileged mode when the platform has one, turns paging off for the session, and then
sends one declared command at a time, reading until the learned prompt comes back.

A platform's knowledge arrives as data (a Dialect, built from collectors/netdev/platforms.py):
prompt and pager patterns, privileged mode, session commands, the declared show-class commands
and error strings. Nothing else is ever sent: a query whose command is not declared is refused
here, before any byte leaves (read-only by construction).

Bounds: the login (banner, prompt, enable) has its own deadline; every command has a timeout,
an output cap and a page limit. A device that never shows a prompt, pages forever or answers
without end gives a clear status within those bounds, never a hang; after a cut answer the
session is out of step with the device, so it is closed and later queries say why.

Answers keep the device's bytes between the echoed command and the next prompt as they came
(carriage returns, escape codes, pager residue): cleaning them is the parsers' work, so the
transcript stays what the device said. Platforms without an interactive CLI (Junos, RouterOS,
OPNsense/pfSense shells in Oxidized's `exec` style) run each command in an exec channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from proofshot.model.errors import AuthFailed, TransportError
from proofshot.model.transcript import Answer, Query
from proofshot.transports._sshlib import asyncssh
from proofshot.transports.limits import CHUNK
from proofshot.transports.ssh import SSHTransport

DEFAULT_COMMAND_TIMEOUT = 60.0
DEFAULT_MAX_BYTES = 32 * 1024 * 1024  # one configuration; a 50 MB answer is cut, not kept
DEFAULT_MAX_PAGES = 2000  # pager prompts answered per command before it counts as endless
LOGIN_CAP = 1 << 20  # banner and prompts at login: more is no device we can talk to
_ANSI = re.compile(rb"\x1b(?:\[[0-9;?]*[A-Za-z]|[()][0-9A-Za-z]|[=>78])")


@dataclass(frozen=True)
class Dialect:
    """How one platform's CLI behaves (pure data; see collectors/netdev/platforms.py)."""

    platform: str
    mode: Literal["shell", "exec"] = "shell"
    prompt: str = r"^[\w.:/@()\[\]~-]+ ?[#>$%] ?$"  # the prompt line (cleaned), a regex
    privileged: str | None = None  # a prompt that is privileged; None: no such mode
    enable: str | None = None  # the command that enters privileged mode
    password_prompt: str = r"[Pp]assword: ?$"
    more: str | None = r"-+ ?\(?[Mm]ore\b.*$"  # a pager prompt (the whole last line so far)
    more_key: str = " "
    press_key: str | None = None  # a login screen that wants a key first (ProCurve)
    session: tuple[str, ...] = ()  # session-only commands (paging off), sent after login
    commands: frozenset[str] = frozenset()  # the declared show-class commands
    errors: tuple[str, ...] = ()  # a line matching one means the command failed
    exit: str = "exit"


def clean_line(raw: bytes) -> str:
    """One line as a terminal shows it: escape codes gone, text after the last CR."""
    text = _ANSI.sub(b"", raw).rstrip(b"\r").decode("utf-8", errors="replace")
    return text.rsplit("\r", 1)[-1]


class NetdevTransport(SSHTransport):
    """One interactive CLI session (or exec channels) on one device; queries are ("cli", CMD)."""

    def __init__(self, name: str, host: str, port: int = 22, *, dialect: Dialect,
                 enable_secret: str | None = None,
                 command_timeout: float = DEFAULT_COMMAND_TIMEOUT,
                 login_timeout: float = 20.0, max_bytes: int = DEFAULT_MAX_BYTES,
                 max_pages: int = DEFAULT_MAX_PAGES, settle: float = 0.15,
                 **ssh: Any) -> None:
        ssh.setdefault("retries", 0)
        super().__init__(name, host, port, login_timeout=login_timeout,
                         timeout=command_timeout, max_bytes=max_bytes, **ssh)
        self.dialect = dialect
        self._enable = enable_secret
        self.max_pages = max_pages
        self.settle = settle
        self._prompt_re = re.compile(dialect.prompt)
        self._more_re = re.compile(dialect.more) if dialect.more else None
        self._pw_re = re.compile(dialect.password_prompt)
        self._priv_re = re.compile(dialect.privileged) if dialect.privileged else None
        self._err_re = [re.compile(e) for e in dialect.errors]
        self._proc: Any = None
        self._buf = b""
        self._paged_at = -1  # buffer length when the last pager prompt was answered
        self.prompt = ""
        self._broken: str | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"NetdevTransport({self.name!r}, {self.dialect.platform}, {self.host}:{self.port})"

    # --- session ------------------------------------------------------------------------
    async def open(self) -> dict[str, str]:
        facts = await super().open()
        facts["transport"] = "netdev"
        facts["platform"] = self.dialect.platform
        if self.dialect.mode == "exec":
            return facts
        try:
            await asyncio.wait_for(self._login(), self.login_timeout)
        except TimeoutError:
            last = clean_line(self._buf.rsplit(b"\n", 1)[-1])[-60:]
            await self.close()
            raise TransportError(self._msg(
                f"no prompt within {self.login_timeout:g}s after login "
                f"(last text: {last!r})")) from None
        except (asyncssh.Error, OSError) as exc:
            await self.close()
            raise TransportError(self._msg(f"cli session failed: {exc}")) from None
        except TransportError:
            await self.close()
            raise
        facts["prompt"] = self.prompt
        if self.dialect.session:
            facts["session"] = "; ".join(self.dialect.session)
        return facts

    async def _login(self) -> None:
        assert self._conn is not None
        self._proc = await self._conn.create_process(term_type="vt100", term_size=(511, 24),
                                                     encoding=None)
        await self._login_read(self._is_prompt_or_key, quiet=True)  # banner, prompt, silence
        for _ in range(3):  # "Press any key to continue": the key, then the prompt
            if self._is_prompt() or self.dialect.press_key is None:
                break
            self._buf = b""
            self._send("\n")
            await self._login_read(self._is_prompt_or_key, quiet=True)
        await self._learn_prompt()
        if self._priv_re is not None and self.dialect.enable and \
                not self._priv_re.search(self.prompt):
            await self._enter_privileged()
        for cmd in self.dialect.session:
            self._buf = b""
            self._send(cmd + "\n")
            await self._login_read(self._at_prompt)

    async def _learn_prompt(self) -> None:
        """An empty line answers with the prompt alone: that exact text ends every answer."""
        self._buf = b""
        self._send("\n")
        await self._login_read(self._is_prompt, quiet=True)
        self.prompt = self._last_line()

    async def _enter_privileged(self) -> None:
        assert self.dialect.enable is not None
        self._buf = b""
        self._send(self.dialect.enable + "\n")
        await self._login_read(lambda: self._is_prompt() or self._is_password_prompt())
        if self._is_password_prompt():
            self._buf = b""
            self._send((self._enable or "") + "\n")
            await self._login_read(lambda: self._is_prompt() or self._is_password_prompt())
            if self._is_password_prompt():  # asked again: the secret was wrong (or none given)
                raise AuthFailed(self._msg(
                    "privileged mode refused: enable secret " +
                    ("wrong" if self._enable else "missing (scope field 'enable')")))
        await self._learn_prompt()
        assert self._priv_re is not None
        if not self._priv_re.search(self.prompt):
            raise AuthFailed(self._msg(f"privileged mode refused (prompt {self.prompt!r})"))

    async def _login_read(self, done: Any, quiet: bool = False) -> None:
        if not await self._read(done, quiet=quiet, cap=LOGIN_CAP):
            raise TransportError(self._msg(f"no prompt in the first {LOGIN_CAP} bytes after "
                                           "login"))

    def _send(self, text: str) -> None:
        self._proc.stdin.write(text.encode())

    def _last_line(self) -> str:
        return clean_line(self._buf.rsplit(b"\n", 1)[-1]).rstrip()

    def _is_prompt(self) -> bool:
        return bool(self._prompt_re.search(self._last_line()))

    def _is_prompt_or_key(self) -> bool:
        key = self.dialect.press_key
        return self._is_prompt() or (key is not None and re.search(key, self._last_line())
                                     is not None)

    def _is_password_prompt(self) -> bool:
        return bool(self._pw_re.search(self._last_line()))

    def _at_prompt(self) -> bool:
        return self._last_line() == self.prompt

    async def _read(self, done: Any, quiet: bool = False, cap: int | None = None) -> bool:
        """Read until `done()` holds (and, with `quiet`, nothing more came for `settle` s).
        Returns False when `cap` bytes were read first. Unbounded in time: callers bound it."""
        while True:
            if done():
                if not quiet:
                    return True
                try:
                    more = await asyncio.wait_for(self._proc.stdout.read(CHUNK), self.settle)
                except TimeoutError:
                    return True
            else:
                more = await self._proc.stdout.read(CHUNK)
            if not more:
                raise TransportError(self._msg("the device closed the session"))
            self._buf += more
            if cap is not None and len(self._buf) > cap:
                return False

    async def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(Exception):
                proc.stdin.write((self.dialect.exit + "\n").encode())
            with contextlib.suppress(Exception):
                proc.close()
        await super().close()

    # --- queries ------------------------------------------------------------------------
    async def run(self, query: Query, stdin: bytes | None = None) -> Answer:
        cmd = query.argv[1] if len(query.argv) == 2 and query.argv[0] == "cli" else None
        if cmd is None or cmd not in self.dialect.commands or "\n" in cmd:
            return Answer.failed(query, error=f"not a declared show-class command of "
                                 f"platform {self.dialect.platform}; nothing was sent")
        timeout = query.timeout or self.timeout
        limit = query.max_bytes or self.max_bytes
        if self.dialect.mode == "exec":
            return await self._run_exec(query, cmd, timeout, limit)
        async with self._lock:
            if self._broken or self._proc is None:
                return Answer.failed(query, error=f"session closed earlier: {self._broken}")
            return await self._run_shell(query, cmd, timeout, limit)

    async def run_batch(self, queries: Sequence[Query]) -> list[Answer | None]:
        """No shell framing on a device: every query runs alone (None = run it alone)."""
        return [None] * len(queries)

    async def _run_shell(self, query: Query, cmd: str, timeout: float, limit: int) -> Answer:
        t0 = time.monotonic()
        self._buf = b""
        self._paged_at = -1
        pages = 0
        cut = False
        self._send(cmd + "\n")

        async def until_prompt() -> bool:
            nonlocal pages
            while True:
                if not await self._read(lambda: self._at_prompt() or self._at_more(), cap=limit):
                    return False
                if self._at_prompt():
                    return True
                pages += 1
                if pages > self.max_pages:
                    return True
                self._send(self.dialect.more_key)
                self._paged_at = len(self._buf)  # the same prompt is not answered twice

        try:
            cut = not await asyncio.wait_for(until_prompt(), timeout)
        except TimeoutError:
            self._broken = f"{cmd!r} timed out after {timeout:g}s"
            return Answer(query.id, list(query.argv), None, self._buf[:limit], b"",
                          time.monotonic() - t0, timed_out=True)
        except (TransportError, asyncssh.Error, OSError) as exc:
            self._broken = f"{cmd!r}: {getattr(exc, 'message', exc)}"
            return Answer.failed(query, error=self._broken, duration=time.monotonic() - t0)
        dt = time.monotonic() - t0
        if cut:
            self._broken = f"answer to {cmd!r} over {limit} bytes"
            return Answer(query.id, list(query.argv), None, self._buf[:limit], b"", dt,
                          truncated=True)
        if pages > self.max_pages:
            self._broken = f"{cmd!r} kept paging"
            return Answer(query.id, list(query.argv), None, self._buf[:limit], b"", dt,
                          error=f"paging did not stop after {self.max_pages} pages")
        body = self._strip(self._buf, cmd)
        return self._answer(query, body, dt)

    def _at_more(self) -> bool:
        return (self._more_re is not None and len(self._buf) > self._paged_at
                and bool(self._more_re.match(self._last_line().strip())))

    @staticmethod
    def _strip(buf: bytes, cmd: str) -> bytes:
        """The bytes between the echoed command line and the prompt line, as they came."""
        end = buf.rfind(b"\n")
        body = buf[:end + 1] if end >= 0 else b""
        first, sep, rest = body.partition(b"\n")
        if sep and clean_line(first).rstrip().endswith(cmd):
            return rest
        return body

    def _answer(self, query: Query, body: bytes, dt: float) -> Answer:
        for line in body.split(b"\n"):
            text = clean_line(line)
            if any(e.search(text) for e in self._err_re):
                return Answer(query.id, list(query.argv), 1, body, text.encode(), dt)
        return Answer(query.id, list(query.argv), 0, body, b"", dt)

    async def _run_exec(self, query: Query, cmd: str, timeout: float, limit: int) -> Answer:
        if self._conn is None:
            return Answer.failed(query, error="not connected")
        t0 = time.monotonic()
        chunks: list[bytes] = []
        size = 0
        try:
            async with self._slots:
                proc = await self._conn.create_process(cmd, encoding=None)
                try:
                    async def drain() -> bool:
                        nonlocal size
                        while True:
                            block = await proc.stdout.read(CHUNK)
                            if not block:
                                return True
                            chunks.append(block)
                            size += len(block)
                            if size > limit:
                                return False
                    whole = await asyncio.wait_for(drain(), timeout)
                finally:
                    proc.close()
        except TimeoutError:
            return Answer(query.id, list(query.argv), None, b"".join(chunks)[:limit], b"",
                          time.monotonic() - t0, timed_out=True)
        except (asyncssh.Error, OSError) as exc:
            return Answer.failed(query, error=f"exec channel failed: {exc}",
                                 duration=time.monotonic() - t0)
        dt = time.monotonic() - t0
        data = b"".join(chunks)
        if not whole:
            return Answer(query.id, list(query.argv), None, data[:limit], b"", dt, truncated=True)
        return self._answer(query, data, dt)
