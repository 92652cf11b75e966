"""Sorting the rows of a large table in bounded memory (an external merge sort).

A table's tree needs its rows in key order; a file server's walk yields them in completion
order, millions of them. Rows are kept as canonical (key, row) byte pairs; when the pairs held
reach RUN_BYTES they are sorted and written to a run file; `pairs()` merges the runs. Ties
(the same key twice) keep the first row added, as the in-memory path does (runner.build_table),
so both paths give the same tree.
"""

from __future__ import annotations

import heapq
import struct
from collections.abc import Callable, Iterator
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO

from proofshot.model.table import Row, Table
from proofshot.scan.rows import Hasher, row_pair, table_pairs

RUN_BYTES = 16 << 20
_PAIR_OVERHEAD = 120  # bytes of Python objects around one pair in memory (two bytes, a tuple)
_LEN = struct.Struct(">II")

Pair = tuple[bytes, bytes]


class Sorter:
    """Collects pairs; `pairs()` yields them in key order without duplicate keys (counted)."""

    def __init__(self, tmp_dir: Path, name: str, pair: Callable[[Row], Pair],
                 run_bytes: int = RUN_BYTES,
                 pairs: Callable[[list[Row]], list[Pair]] | None = None) -> None:
        """`pair`: a row to its canonical (key, row) bytes (scan.rows.row_pair); `pairs`, if
        given: the same for a list of rows at once (scan.rows.table_pairs)."""
        self.tmp_dir = tmp_dir
        self.name = name
        self.pair = pair
        self.bulk = pairs
        self.run_bytes = run_bytes
        self._held: list[Pair] = []
        self._bytes = 0
        self._runs: list[Path] = []
        self.count = 0
        self.dupes = 0

    def add_row(self, row: Row) -> None:
        self.add(*self.pair(row))

    def add_rows(self, rows: list[Row]) -> None:
        """`add_row` of each row (validated, in order), encoded in bulk where the sorter can."""
        if self.bulk is None:
            for row in rows:
                self.add_row(row)
            return
        pairs = self.bulk(rows)  # in key order already: the sort in pairs() is a quick one
        self._held.extend(pairs)
        self.count += len(pairs)
        self._bytes += sum(map(len, chain.from_iterable(pairs))) + _PAIR_OVERHEAD * len(pairs)
        if self._bytes >= self.run_bytes:
            self._spill()

    def add(self, key: bytes, row: bytes) -> None:
        self._held.append((key, row))
        self.count += 1
        self._bytes += len(key) + len(row) + _PAIR_OVERHEAD
        if self._bytes >= self.run_bytes:
            self._spill()

    def _spill(self) -> None:
        self._held.sort(key=lambda kr: kr[0])  # stable: the first of equal keys stays first
        path = self.tmp_dir / f"{self.name}.run{len(self._runs)}"
        with open(path, "wb") as fh:
            for key, row in self._held:
                fh.write(_LEN.pack(len(key), len(row)))
                fh.write(key)
                fh.write(row)
        self._runs.append(path)
        self._held = []
        self._bytes = 0

    def pairs(self) -> Iterator[Pair]:
        """Every pair in key order, each key once; may be read once."""
        self._held.sort(key=itemgetter(0))
        if not self._runs:
            held = self._held
            if len(set(map(itemgetter(0), held))) == len(held):  # no duplicate key to drop
                yield from held
                return
            merged: Iterator[tuple[bytes, int, bytes]] = ((k, 0, r) for k, r in held)
        else:
            files = [open(p, "rb") for p in self._runs]  # noqa: SIM115 - closed below
            sources = [_tagged(_read_run(fh), i) for i, fh in enumerate(files)]
            sources.append(_tagged(iter(self._held), len(files)))
            merged = heapq.merge(*sources)
        try:
            last: bytes | None = None
            for key, _, row in merged:
                if key == last:
                    self.dupes += 1
                    continue
                last = key
                yield key, row
        finally:
            if self._runs:
                for fh in files:
                    fh.close()

    def remove(self) -> None:
        for p in self._runs:
            p.unlink(missing_ok=True)
        self._runs = []
        self._held = []


def table_sorter(tmp_dir: Path, name: str, table: Table, keyed_hash: Hasher) -> Sorter:
    """A sorter for the rows of `table` as they are stored (scan.rows.row_pair)."""
    return Sorter(tmp_dir, name, lambda row: row_pair(table, row, keyed_hash),
                  pairs=lambda rows: table_pairs(table, rows, keyed_hash))


def _tagged(pairs: Iterator[Pair], run: int) -> Iterator[tuple[bytes, int, bytes]]:
    """(key, run number, row): equal keys come out in the order of the runs, i.e. added first
    first; the row is never compared."""
    for key, row in pairs:
        yield key, run, row


def _read_run(fh: BinaryIO) -> Iterator[Pair]:
    while True:
        head = fh.read(_LEN.size)
        if not head:
            return
        kl, rl = _LEN.unpack(head)
        yield fh.read(kl), fh.read(rl)

