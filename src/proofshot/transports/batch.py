"""Several declared queries in one process (one SSH channel, one sudo): a static framing script.

Each query still runs as its own process with its declared argv, in sequence, stdin empty; only
the framing differs from running it alone: after each query the script writes a marker line
`NONCE EXIT` to stdout and to stderr, so every query's stdout, stderr and exit code are cut out
byte for byte. NONCE is a fresh random token per batch, passed as an argument (the script text
is fixed; argvs travel as positional arguments, each preceded by its length, and are run through
`eval` of positional references only, never of their text). Nothing is written on the target.

Whatever the batch cannot answer exactly comes back as None and is run alone by the caller: a
command that is not there (its error text would be the framing shell's), an exit code that may
be a signal's, the batch process failing (e.g. sudo refused) and every query after one that
timed out or went over its size limit.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from proofshot.model.transcript import Query
from proofshot.transports.limits import CHUNK, STDERR_LIMIT

SCRIPT = r"""_ps_m=$1; shift
while [ "$#" -gt 0 ]; do
  _ps_n=$1; shift
  _ps_c='"$1"'; _ps_i=2
  while [ "$_ps_i" -le "$_ps_n" ]; do _ps_c="$_ps_c \"\${$_ps_i}\""; _ps_i=$((_ps_i + 1)); done
  if command -v "$1" >/dev/null 2>&1; then eval "$_ps_c" </dev/null; _ps_r=$?; else _ps_r=M; fi
  printf '%s %s\n' "$_ps_m" "$_ps_r"; printf '%s %s\n' "$_ps_m" "$_ps_r" >&2
  shift "$_ps_n"
done
"""

def nonce() -> str:
    return "--ps-batch-" + secrets.token_hex(16)


def sudo_of(queries: Sequence[Query], sudo: bool) -> bool | None:
    """Whether this batch runs under sudo; None when the queries differ in that (one process
    has one sudo, so such a batch cannot run)."""
    use = bool(queries) and queries[0].privileged and sudo
    return None if any((q.privileged and sudo) != use for q in queries) else use


def argv(queries: Sequence[Query], token: str) -> list[str]:
    """sh -c SCRIPT sh NONCE LEN ARGV... for each query."""
    out = ["sh", "-c", SCRIPT, "sh", token]
    for q in queries:
        out += [str(len(q.argv)), *q.argv]
    return out


@dataclass
class Framed:
    """One query's part of a batch: bytes between markers, exit code, time."""

    stdout: bytes
    stderr: bytes
    code: int | None
    duration: float
    timed_out: bool = False


class _Stream:
    def __init__(self, marker: bytes, limits: Sequence[int]) -> None:
        self.marker = marker
        self.limits = limits
        self.buf = bytearray()
        self.parts: list[tuple[bytes, str]] = []
        self.times: list[float] = []
        self.over = False

    def feed(self, block: bytes) -> bool:
        """Take bytes; False once the current part is over its limit (or garbled). Only the
        new bytes (and a marker's length before them) are searched: a flood costs linear time."""
        start = max(0, len(self.buf) - len(self.marker) - 32)
        self.buf += block
        while True:
            i = self.buf.find(self.marker, start)
            start = 0
            if i < 0:
                break
            j = self.buf.find(b"\n", i)
            if j < 0:
                break
            rc = self.buf[i + len(self.marker):j].decode("ascii", "replace")
            self.parts.append((bytes(self.buf[:i]), rc))
            self.times.append(time.monotonic())
            del self.buf[:j + 1]
        k = len(self.parts)
        limit = self.limits[k] if k < len(self.limits) else 0
        if len(self.buf) > limit + len(self.marker) + 16:
            self.over = True
        return not self.over


@dataclass
class BatchRun:
    """Drives one batch process: `read_out`/`read_err` return b"" at EOF."""

    queries: Sequence[Query]
    token: str
    timeouts: Sequence[float]
    limits: Sequence[int]
    results: list[Framed | None] = field(default_factory=list)

    @classmethod
    def start(cls, queries: Sequence[Query], timeout: float, max_bytes: int) -> BatchRun:
        """A run with a fresh nonce; each query's own timeout and size limit, else these."""
        return cls(queries, nonce(), [q.timeout or timeout for q in queries],
                   [q.max_bytes or max_bytes for q in queries])

    async def collect(self, read_out: Callable[[int], Awaitable[bytes]],
                      read_err: Callable[[int], Awaitable[bytes]]) -> bool:
        """Read both streams to the end. Returns False when the batch had to be cut short (a
        timeout or an oversized answer): the caller kills the process. `results` holds an entry
        per query: Framed, or None for the caller to run the query alone."""
        marker = (self.token + " ").encode()
        n = len(self.queries)
        out = _Stream(marker, self.limits)
        err = _Stream(marker, [STDERR_LIMIT] * n)
        progress = asyncio.Event()

        async def pump(read: Callable[[int], Awaitable[bytes]], s: _Stream) -> None:
            while True:
                block = await read(CHUNK)
                if not block:
                    return
                ok = s.feed(block)
                progress.set()
                if not ok:
                    return

        start = time.monotonic()
        tasks = [asyncio.ensure_future(pump(read_out, out)),
                 asyncio.ensure_future(pump(read_err, err))]
        timed_out: int | None = None
        complete = True
        try:
            while True:
                if out.over or err.over:
                    complete = False
                    break
                if all(t.done() for t in tasks):
                    break
                k = len(out.parts)
                if k >= n:
                    await asyncio.wait(tasks, timeout=5.0)
                    if not all(t.done() for t in tasks):
                        complete = False
                    break
                begun = out.times[k - 1] if k else start
                left = begun + self.timeouts[k] - time.monotonic()
                if left <= 0:
                    timed_out, complete = k, False
                    break
                progress.clear()
                waiter = asyncio.ensure_future(progress.wait())
                await asyncio.wait([waiter, *tasks], timeout=left,
                                   return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        self.results = []
        for k in range(n):
            if k < len(out.parts) and k < len(err.parts):
                (o, rc), (e, rc2) = out.parts[k], err.parts[k]
                begun = out.times[k - 1] if k else start
                code = int(rc) if rc == rc2 and rc.isdigit() else None
                if code is None or 128 < code <= 128 + 64:
                    self.results.append(None)  # missing, or maybe a signal: run it alone
                    continue
                self.results.append(Framed(o, e, code, out.times[k] - begun))
            elif k == timed_out:
                begun = out.times[k - 1] if k else start
                self.results.append(Framed(bytes(out.buf),
                                           bytes(err.buf) if len(err.parts) == k else b"",
                                           None, time.monotonic() - begun, timed_out=True))
            else:
                self.results.append(None)
        return complete
