"""Sorting a stream in bounded memory: sorted runs spilled to temporary files, then merged.

A view over a million-row table yields about as many items as rows (grants of a file
inventory); sorting them whole holds them all. `sorted_stream` holds at most `run` items: up to
that it is `sorted` itself; beyond it each full run is sorted and pickled to an anonymous
temporary file, and the runs are merged lazily (heapq.merge). The order is exactly
`sorted(items, key=key)`'s: runs keep the input order, the sort is stable and the merge takes
equal items from earlier runs first.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, TypeVar

T = TypeVar("T")

RUN = 50_000  # items held per run; a few tens of MB for the views' items
_BATCH = 128  # items pickled together (one pickle per item is several times slower); the
# merge holds one batch per run


def sorted_stream(items: Iterable[T], key: Callable[[T], Any], run: int | None = None
                  ) -> Iterator[T]:
    """`sorted(items, key=key)` as an iterator, holding at most `run` items (RUN when None)."""
    size = run or RUN
    files: list[IO[bytes]] = []
    buf: list[T] = []
    try:
        for item in items:
            buf.append(item)
            if len(buf) >= size:
                files.append(_spill(sorted(buf, key=key)))
                buf = []
        buf.sort(key=key)
        if not files:
            yield from buf
            return
        if buf:
            files.append(_spill(buf))
            buf = []
        yield from heapq.merge(*(_read(f) for f in files), key=key)
    finally:
        for f in files:
            f.close()


def _spill(items: list[T]) -> IO[bytes]:
    f = tempfile.TemporaryFile(prefix="proofshot-sort-")  # noqa: SIM115 - closed by the caller
    for i in range(0, len(items), _BATCH):
        pickle.dump(items[i:i + _BATCH], f, protocol=pickle.HIGHEST_PROTOCOL)
    f.seek(0)
    return f


def _read(f: IO[bytes]) -> Iterator[Any]:
    while True:
        try:
            batch = pickle.load(f)
        except EOFError:
            return
        yield from batch
