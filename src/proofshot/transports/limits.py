"""Bounded reading shared by transports: a flood or a stall is cut and recorded, never a hang."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

CHUNK = 1 << 16  # bytes per read from a process's or a channel's stream
STDERR_LIMIT = 1 << 20  # stderr kept per query (stdout's limit is the query's own)
# Past what is kept, an answer is still read (counted and hashed, never kept) up to this many
# bytes, so the transcript can say how big the whole answer was and what its SHA-256 was.
DRAIN_LIMIT = 256 << 20


@dataclass
class Whole:
    """Size and SHA-256 of a whole answer, of which only the first part is kept."""

    size: int = 0
    sha: Any = field(default_factory=hashlib.sha256)
    complete: bool = True  # False: reading stopped at DRAIN_LIMIT (the answer is bigger)

    def add(self, block: bytes) -> None:
        self.size += len(block)
        self.sha.update(block)

    def record(self) -> dict[str, Any]:
        return {"bytes": self.size, "sha256": self.sha.hexdigest(), "complete": self.complete}


async def read_capped(read: Callable[[int], Awaitable[bytes]], limit: int,
                      whole: Whole | None = None, drain_limit: int = DRAIN_LIMIT
                      ) -> tuple[bytes, bool]:
    """Read up to `limit` bytes; return (data, truncated). With `whole`, an answer over the
    limit is read on (counted and hashed into `whole`, nothing kept) to its end or to
    `drain_limit` bytes; memory stays within the limit plus one block."""
    chunks: list[bytes] = []
    size = 0
    while True:
        block = await read(CHUNK)
        if not block:
            return b"".join(chunks), False
        if size + len(block) > limit:
            if whole is not None:  # hashed only once the answer is cut: the usual whole
                for kept in chunks:  # answer costs no second pass over its bytes
                    whole.add(kept)
                whole.add(block)
            chunks.append(block[: limit - size])
            data = b"".join(chunks)
            del chunks
            if whole is not None:
                while whole.size < drain_limit:
                    block = await read(CHUNK)
                    if not block:
                        return data, True
                    whole.add(block)
                whole.complete = False
            return data, True
        chunks.append(block)
        size += len(block)


async def read_bounded(stream: asyncio.StreamReader | None, limit: int,
                       whole: Whole | None = None) -> tuple[bytes, bool]:
    """Read up to `limit` bytes; return (data, truncated). See read_capped for `whole`."""
    if stream is None:
        return b"", False
    return await read_capped(stream.read, limit, whole)


async def drain(*streams: asyncio.StreamReader | None) -> None:
    """Read what is left of killed processes' pipes, keeping nothing: asyncio finishes a
    process (and `wait()` returns) only once its pipes reached EOF, and a reader that stopped
    at a limit holds its pipe paused, so without this a flood's `wait()` never returns."""
    async def one(stream: asyncio.StreamReader) -> None:
        while await stream.read(CHUNK):
            pass
    await asyncio.gather(*(one(s) for s in streams if s is not None))
