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
from itertools import chain, compress, count
from operator import not_
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


GetMany = Callable[[Iterable[str]], Iterator[bytes]]


def _sequential(get: Get) -> GetMany:
    def many(oids: Iterable[str]) -> Iterator[bytes]:
        return map(get, oids)

    return many


# A frontier: tree entries of one side in key order. A run of entries of one height is
# (height, [entry, ...]), an entry being a node's line for a child (b"<hex id> <rows>", equal
# exactly when the ids are equal) or a root's hex id; an int n stands where n subtrees both
# sides share were. (A root equal to a subtree of the other side is not matched as a whole:
# its children are, one level down.)
_Run = tuple[int, list[bytes]]
_Front = list[_Run | int]


def private_segments(get: Get, a: str, b: str, get_many: GetMany | None = None
                     ) -> list[tuple[list[str], list[str]]]:
    """The leaves only one side has, in key order, cut into aligned segments: segment i of A
    and segment i of B lie between the same two shared subtrees, so they cover the same keys
    (a key cannot sit in a shared subtree on one side and elsewhere on the other: keys are
    unique per side). Rows can therefore be matched segment by segment, in bounded memory.
    Shared subtrees are never read.

    Both frontiers are lowered one height at a time, tallest first, and equal ids cancel at
    every step, so two trees of different heights still meet on their shared nodes. A shared
    subtree leaves a mark in both frontiers (never merged with a neighbour mark: one side may
    have a private leaf between two subtrees that are adjacent on the other), so both sides
    cut into the same number of segments. `get_many` fetches the nodes of one step at once
    (in order, e.g. on a thread pool); without it, `get` one by one.
    """
    if a == b:
        return []
    many = get_many or _sequential(get)
    data = {a: get(a), b: get(b)}
    fa: _Front = [(height(data[a]), [a.encode()])]
    fb: _Front = [(height(data[b]), [b.encode()])]
    while True:
        ids_a = set(chain.from_iterable(run[1] for run in fa if not isinstance(run, int)))
        shared = ids_a.intersection(chain.from_iterable(
            run[1] for run in fb if not isinstance(run, int)))
        if shared:
            fa, fb = _mark(fa, shared), _mark(fb, shared)
        top = max((run[0] for run in (*fa, *fb) if not isinstance(run, int)), default=0)
        if top == 0:
            break
        todo = [i[:64].decode() for front in (fa, fb) for run in front
                if not isinstance(run, int) and run[0] == top for i in run[1]]
        got = iter(many(oid for oid in todo if oid not in data))
        fa, fb = _lower(fa, top, data, got), _lower(fb, top, data, got)
        data = {}
    seg_a, seg_b = _segments(fa), _segments(fb)
    return [(seg_a.get(n, []), seg_b.get(n, [])) for n in sorted(seg_a.keys() | seg_b.keys())]


def _mark(front: _Front, shared: set[bytes]) -> _Front:
    """The frontier with shared entries replaced by their count (Python work per private
    entry; the shared ones, most of a changed node's children, are skipped in C)."""
    out: _Front = []
    for run in front:
        if isinstance(run, int) or shared.isdisjoint(run[1]):
            out.append(run)
            continue
        h, ids = run
        last = -1
        cur: list[bytes] = []
        for k in compress(count(), map(not_, map(shared.__contains__, ids))):
            if k != last + 1:
                if cur:
                    out.append((h, cur))
                    cur = []
                out.append(k - last - 1)
            cur.append(ids[k])
            last = k
        if cur:
            out.append((h, cur))
        if last < len(ids) - 1:
            out.append(len(ids) - 1 - last)
    return out


def _lower(front: _Front, top: int, data: dict[str, bytes], got: Iterator[bytes]) -> _Front:
    out: _Front = []
    for run in front:
        if isinstance(run, int) or run[0] != top:
            out.append(run)
            continue
        for i in run[1]:
            oid = i[:64].decode()
            raw = data[oid] if oid in data else next(got)
            if not raw.startswith(NODE_MAGIC):
                raise ValueError("not a tree object")
            out.append((top - 1, raw.split(b"\n")[2:]))
    return out


def _segments(front: _Front) -> dict[int, list[str]]:
    """The private leaves between the n-th and the n+1-th shared mark, for each n that has some
    (both sides carry the same marks in the same order)."""
    segs: dict[int, list[str]] = {}
    n = 0
    for run in front:
        if isinstance(run, int):
            n += run
        else:
            segs.setdefault(n, []).extend(i[:64].decode() for i in run[1])
    return segs


def private_leaves(get: Get, a: str, b: str, get_many: GetMany | None = None
                   ) -> tuple[list[str], list[str]]:
    """Leaves that only one side has, in key order. Shared subtrees are never read."""
    segs = private_segments(get, a, b, get_many)
    return [o for x, _ in segs for o in x], [o for _, y in segs for o in y]


# While the private leaves of side A in one segment hold at most this many bytes, that
# segment's rows are matched as sets of row bytes (each leaf read once, no per-row digest
# call); beyond it, that segment's side A is held as 16-byte digests only.
SET_BYTES = 384 << 20


def differing_rows(get: Get, a: str, b: str, set_bytes: int | None = None,
                   get_many: GetMany | None = None) -> tuple[list[bytes], list[bytes]]:
    """Rows that only one side has (rows equal byte for byte on both sides cancel), in key
    order per side.

    The private leaves hold every difference, and they come in aligned segments (see
    `private_segments`): a row can only find its equal in the same segment of the other side.
    So the leaves are read once, in one stream (`get_many` may fetch ahead on a thread pool),
    and matched segment by segment in a moving window: memory is one segment, not all the
    changed leaves. Within a segment, side A is held as rows while they hold at most
    `set_bytes` (SET_BYTES), and side B is streamed against them; beyond that, side A is held
    as 16-byte digests and read a second time for the rows that found no partner.
    """
    budget = SET_BYTES if set_bytes is None else set_bytes
    segs = private_segments(get, a, b, get_many)
    many = get_many or _sequential(get)
    stream = iter(many(o for x, y in segs for o in (*x, *y)))
    only_a: list[bytes] = []
    only_b: list[bytes] = []
    for leaves_a, leaves_b in segs:
        if not leaves_a or not leaves_b:
            dest = only_a if leaves_a else only_b
            for _ in range(len(leaves_a) + len(leaves_b)):
                dest += leaf_rows(next(stream))
            continue
        rows_a: list[bytes] = []
        held = 0
        digests: set[bytes] | None = None
        for _ in leaves_a:
            data = next(stream)
            held += len(data)
            if digests is None and held > budget:
                digests = set(map(_digest, rows_a))
                rows_a = []
            if digests is None:
                rows_a += leaf_rows(data)
            else:
                digests.update(map(_digest, leaf_rows(data)))
        if digests is None:
            rows_b: list[bytes] = []
            left: set[bytes] | None = None
            for _ in leaves_b:
                rb = leaf_rows(next(stream))
                if left is None:
                    held += sum(map(len, rb))
                    if held <= budget:
                        rows_b += rb
                        continue
                    left = set(rows_a)  # too much to hold: side B streams past side A's set
                    rb, rows_b = rows_b + rb, []
                hit = left.intersection(rb)
                if hit:
                    left -= hit
                    only_b += [r for r in rb if r not in hit]
                else:
                    only_b += rb
            if left is None:
                xa, xb = _match(rows_a, rows_b)
                only_a += xa
                only_b += xb
            else:
                only_a += [r for r in rows_a if r in left] if left else []
            continue
        for _ in leaves_b:
            for row in leaf_rows(next(stream)):
                d = _digest(row)
                if d in digests:
                    digests.discard(d)
                else:
                    only_b.append(row)
        only_a += [row for data in many(leaves_a) for row in leaf_rows(data)
                   if _digest(row) in digests]
    return only_a, only_b


def _match(ra: list[bytes], rb: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """Rows of one segment only one side has. Equal rows at the head and the tail are walked
    past by comparing bytes (most of a changed leaf: no hashing); the rest is matched as sets.
    Rows are unique per side, so a row in the equal head or tail has no other partner."""
    n = min(len(ra), len(rb))
    i = 0
    while i < n and ra[i] == rb[i]:
        i += 1
    j = 0
    while j < n - i and ra[-1 - j] == rb[-1 - j]:
        j += 1
    ma, mb = ra[i:len(ra) - j], rb[i:len(rb) - j]
    if not ma or not mb:
        return ma, mb
    sa, sb = set(ma), set(mb)
    return [r for r in ma if r not in sb], [r for r in mb if r not in sa]


def build(put: Put, rows: Iterable[tuple[bytes, bytes]]) -> tuple[str, int]:
    tb = TreeBuilder(put)
    for key, row in rows:
        tb.add(key, row)
    return tb.finish()
