"""Bounded reading shared by transports: a flood or a stall is cut and recorded, never a hang."""

from __future__ import annotations

import asyncio

CHUNK = 1 << 16  # bytes per read from a process's or a channel's stream
STDERR_LIMIT = 1 << 20  # stderr kept per query (stdout's limit is the query's own)


async def read_bounded(stream: asyncio.StreamReader | None, limit: int) -> tuple[bytes, bool]:
    """Read up to `limit` bytes; return (data, truncated). Keeps draining nothing past the limit."""
    if stream is None:
        return b"", False
    chunks: list[bytes] = []
    size = 0
    while True:
        block = await stream.read(CHUNK)
        if not block:
            return b"".join(chunks), False
        if size + len(block) > limit:
            chunks.append(block[: limit - size])
            return b"".join(chunks), True
        chunks.append(block)
        size += len(block)
