"""read_capped: what is kept, and the size and SHA-256 of a cut answer's whole (hashed only once
the answer is cut, from the kept blocks on)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable

from proofshot.transports.limits import CHUNK, Whole, read_capped


def _reader(data: bytes, step: int) -> Callable[[int], Awaitable[bytes]]:
    pos = 0

    async def read(n: int) -> bytes:
        nonlocal pos
        block = data[pos:pos + min(n, step)]
        pos += len(block)
        return block

    return read


def test_whole_of_a_cut_answer_is_its_full_size_and_hash() -> None:
    data = bytes(range(256)) * 1000  # 256,000 bytes
    for step in (1000, CHUNK, 7777):
        for limit in (0, 1, 999, 1000, 1001, 65536, 100_000, len(data) - 1):
            whole = Whole()
            kept, cut = asyncio.run(read_capped(_reader(data, step), limit, whole))
            assert cut and kept == data[:limit], (step, limit)
            assert whole.record() == {"bytes": len(data), "complete": True,
                                      "sha256": hashlib.sha256(data).hexdigest()}, (step, limit)
        whole = Whole()
        kept, cut = asyncio.run(read_capped(_reader(data, step), len(data), whole))
        assert not cut and kept == data


def test_drain_limit_stops_reading_and_says_so() -> None:
    data = b"x" * 50_000
    whole = Whole()
    kept, cut = asyncio.run(read_capped(_reader(data, 1000), 10, whole, drain_limit=20_000))
    assert cut and kept == b"x" * 10
    assert whole.complete is False and 20_000 <= whole.size < 50_000
