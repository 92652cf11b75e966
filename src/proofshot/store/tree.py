"""Tables as content-defined hash trees (prolly trees, as in Dolt/noms).

Rows arrive sorted by key. A leaf chunk ends after a row whose key hash meets a condition
(first 4 bytes of SHA-256(key) mod LEAF_TARGET == 0), so boundaries depend on keys only:
inserting one row changes one leaf and the path above it, never the later leaves. Inner nodes
are cut the same way on their entries' hashes. Equal subtrees have equal ids, so diff and sync
skip them. Object formats (version 1; canonical rows are psc1, see model.canonical):

    leaf:  b"L1\\n" + b"\\n".join(row)                    row = canonical JSON object
    node:  b"N1\\n" + b"<height>\\n" + b"\\n".join(b"<hex id> <rows>")   children in key order;
           height 1 for a node of leaves, h+1 above nodes of height h
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from typing import cast

LEAF_TARGET = 32
LEAF_MAX = 32 * 16
NODE_TARGET = 32
NODE_MAX = 32 * 16
LEAF_MAGIC = b"L1\n"
NODE_MAGIC = b"N1\n"

Put = Callable[[bytes], str]
PutBased = Callable[[bytes, str | None], str]
Get = Callable[[str], bytes]


class Bases:
    """Finds, for a new chunk, the chunk of the previous version of the table it replaces, so
    the store can keep it as a delta (a changed row then costs its own bytes, not a chunk's).

    A leaf is matched by any of its first rows, a node by any of its children; the old tree is
    read once, on the first new chunk that asks.
    """

    PROBE = 3

    def __init__(self, get: Get, old_root: str | None) -> None:
        self.get = get
        self.old_root = old_root
        self._rows: dict[bytes, str] | None = None
        self._parents: dict[str, str] = {}

    def _index(self) -> dict[bytes, str]:
        if self._rows is None:
            self._rows = {}
            stack = [self.old_root] if self.old_root else []
            while stack:
                oid = stack.pop()
                data = self.get(oid)
                kids = children(data)
                if kids is None:
                    for row in leaf_rows(data)[: self.PROBE]:
                        self._rows.setdefault(_digest(row), oid)
                else:
                    for k, _ in kids:
                        self._parents.setdefault(k, oid)
                        stack.append(k)
        return self._rows

    def for_leaf(self, rows: list[bytes]) -> str | None:
        index = self._index()
        for row in rows[: self.PROBE]:
            hit = index.get(_digest(row))
            if hit:
                return hit
        return None

    def for_node(self, entries: list[tuple[str, int]]) -> str | None:
        self._index()
        for oid, _ in entries:
            hit = self._parents.get(oid)
            if hit:
                return hit
        return None


def _digest(row: bytes) -> bytes:
    return hashlib.blake2b(row, digest_size=16).digest()


class _Level:
    def __init__(self, put: PutBased, height: int, parent: Callable[[str, int], None],
                 bases: Bases | None = None) -> None:
        self.put = put
        self.bases = bases
        self.height = height
        self.parent = parent
        self.entries: list[tuple[str, int]] = []

    def add(self, oid: str, rows: int) -> None:
        self.entries.append((oid, rows))
        if int(oid[:8], 16) % NODE_TARGET == 0 or len(self.entries) >= NODE_MAX:
            self.flush()

    def flush(self) -> None:
        if not self.entries:
            return
        body = b"\n".join(f"{o} {n}".encode() for o, n in self.entries)
        total = sum(n for _, n in self.entries)
        base = self.bases.for_node(self.entries) if self.bases else None
        self.entries = []
        self.parent(self.put(NODE_MAGIC + f"{self.height}\n".encode() + body, base), total)


class TreeBuilder:
    """Streams sorted rows into leaves and nodes; memory is bounded by one chunk per level."""

    def __init__(self, put: Put | PutBased, bases: Bases | None = None) -> None:
        """`put(raw)`, or with `bases`, `put(raw, base)` where base names the old chunk."""
        self.bases = bases
        if bases is None:
            plain = cast(Put, put)
            self.put: PutBased = lambda raw, _base: plain(raw)
        else:
            self.put = cast(PutBased, put)
        self.rows: list[bytes] = []
        self.count = 0
        self.levels: list[_Level] = []
        self._top: list[tuple[str, int]] = []

    def add(self, key: bytes, row: bytes) -> None:
        self.rows.append(row)
        self.count += 1
        # first 4 bytes of SHA-256(key), big-endian, mod LEAF_TARGET: a divisor of 256, so the
        # 4th byte alone decides (asserted below the class)
        if hashlib.sha256(key).digest()[3] % LEAF_TARGET == 0 or len(self.rows) >= LEAF_MAX:
            self._flush_leaf()

    def _flush_leaf(self) -> None:
        if not self.rows:
            return
        base = self.bases.for_leaf(self.rows) if self.bases else None
        oid = self.put(LEAF_MAGIC + b"\n".join(self.rows), base)
        n = len(self.rows)
        self.rows = []
        self._emit(0, oid, n)

    def _emit(self, level: int, oid: str, rows: int) -> None:
        while len(self.levels) <= level:
            lvl = len(self.levels)
            self.levels.append(_Level(self.put, lvl + 1, self._emitter(lvl + 1), self.bases))
        self.levels[level].add(oid, rows)

    def _emitter(self, level: int) -> Callable[[str, int], None]:
        def emit(oid: str, rows: int) -> None:
            self._emit(level, oid, rows)

        return emit

    def finish(self) -> tuple[str, int]:
        """Close every level; return (root id, row count). An empty table is an empty leaf."""
        self._flush_leaf()
        if not self.levels:
            return self.put(LEAF_MAGIC, None), 0
        level = 0
        while True:
            lvl = self.levels[level]
            above = level + 1 < len(self.levels)
            if not above and len(lvl.entries) == 1:
                oid, _ = lvl.entries[0]
                return oid, self.count
            if not above and not lvl.entries:
                # The level above was created by a flush and holds the only entry.
                raise AssertionError("unreachable: empty top level")
            lvl.flush()
            level += 1


assert 256 % LEAF_TARGET == 0, "TreeBuilder.add reads the leaf condition from one byte"


def children(data: bytes) -> list[tuple[str, int]] | None:
    """Child entries of a node object, or None for a leaf."""
    if data.startswith(LEAF_MAGIC):
        return None
    if not data.startswith(NODE_MAGIC):
        raise ValueError("not a tree object")
    body = data[len(NODE_MAGIC):]
    out = []
    for line in body.split(b"\n")[1:]:
        oid, n = line.split(b" ")
        out.append((oid.decode(), int(n)))
    return out


def leaf_rows(data: bytes) -> list[bytes]:
    body = data[len(LEAF_MAGIC):]
    return body.split(b"\n") if body else []


def iter_rows(get: Get, root: str) -> Iterator[bytes]:
    """All rows of a tree in key order, reading one chunk at a time."""
    data = get(root)
    kids = children(data)
    if kids is None:
        yield from leaf_rows(data)
        return
    for oid, _ in kids:
        yield from iter_rows(get, oid)


def iter_objects(get: Get, root: str) -> Iterator[str]:
    """Every object id of a tree (for verify, export and sync)."""
    yield root
    kids = children(get(root))
    if kids:
        for oid, _ in kids:
            yield from iter_objects(get, oid)


def height(data: bytes) -> int:
    """0 for a leaf; for a node the height written in it."""
    if data.startswith(LEAF_MAGIC):
        return 0
    return int(data[len(NODE_MAGIC):data.index(b"\n", len(NODE_MAGIC))])


def private_leaves(get: Get, a: str, b: str) -> tuple[list[str], list[str]]:
    """Leaves that only one side has, in key order. Shared subtrees are never read.

    Both frontiers are lowered one height at a time, tallest first, and equal ids cancel at
    every step, so two trees of different heights still meet on their shared nodes.
    """
    if a == b:
        return [], []
    cache: dict[str, bytes] = {a: get(a), b: get(b)}
    fa: dict[str, int] = {a: height(cache[a])}  # dicts keep key order
    fb: dict[str, int] = {b: height(cache[b])}
    while True:
        for oid in fa.keys() & fb.keys():
            del fa[oid], fb[oid]
        if not fa and not fb:
            return [], []
        top = max([*fa.values(), *fb.values()])
        if top == 0:
            return list(fa), list(fb)
        for side in (0, 1):
            front = fa if side == 0 else fb
            lowered: dict[str, int] = {}
            for oid, h in front.items():
                if h != top:
                    lowered[oid] = h
                    continue
                data = cache.pop(oid, b"") or get(oid)
                for k, _ in children(data) or ():
                    lowered[k] = top - 1
            if side == 0:
                fa = lowered
            else:
                fb = lowered


# While the private leaves of both sides hold at most this many bytes, differing_rows matches
# whole rows in sets (each leaf read once, no per-row digest call; ~1.5x the bytes in memory);
# beyond it, side A is held as 16-byte digests only.
SET_BYTES = 384 << 20


def differing_rows(get: Get, a: str, b: str, set_bytes: int | None = None
                   ) -> tuple[list[bytes], list[bytes]]:
    """Rows that only one side has (rows equal byte for byte on both sides cancel), in key
    order per side.

    A key cannot sit in a shared subtree on one side and a private leaf on the other (keys are
    unique per side), so the private leaves hold every difference. While the private leaves hold
    at most `set_bytes` (SET_BYTES) both sides are read once and matched as sets of row bytes.
    Beyond that memory stays small under heavy churn: side A is held as 16-byte digests only,
    side B is streamed against them, and A is read a second time for the rows that found no
    partner.
    """
    budget = SET_BYTES if set_bytes is None else set_bytes
    leaves_a, leaves_b = private_leaves(get, a, b)
    if not leaves_a or not leaves_b:
        return ([r for o in leaves_a for r in leaf_rows(get(o))],
                [r for o in leaves_b for r in leaf_rows(get(o))])
    held = 0
    sides: list[list[bytes]] = [[], []]
    for side, leaves in ((0, leaves_a), (1, leaves_b)):
        for oid in leaves:
            data = get(oid)
            held += len(data)
            if held > budget:
                del sides
                return _differing_digests(get, leaves_a, leaves_b)
            sides[side] += leaf_rows(data)
    rows_a, rows_b = sides
    in_a, in_b = set(rows_a), set(rows_b)
    return [r for r in rows_a if r not in in_b], [r for r in rows_b if r not in in_a]


def _differing_digests(get: Get, leaves_a: list[str], leaves_b: list[str]
                       ) -> tuple[list[bytes], list[bytes]]:
    unmatched: set[bytes] = set()
    for oid in leaves_a:
        unmatched.update(map(_digest, leaf_rows(get(oid))))
    only_b: list[bytes] = []
    for oid in leaves_b:
        for row in leaf_rows(get(oid)):
            d = _digest(row)
            if d in unmatched:
                unmatched.discard(d)
            else:
                only_b.append(row)
    only_a = [row for oid in leaves_a for row in leaf_rows(get(oid)) if _digest(row) in unmatched]
    return only_a, only_b


def build(put: Put, rows: Iterable[tuple[bytes, bytes]]) -> tuple[str, int]:
    tb = TreeBuilder(put)
    for key, row in rows:
        tb.add(key, row)
    return tb.finish()
