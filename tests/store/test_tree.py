"""The content-defined tree: deterministic, insertion-local, and a diff that skips shared parts."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from proofshot.model.canonical import canonical
from proofshot.store import tree


class Mem:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.reads = 0

    def put(self, raw: bytes) -> str:
        oid = hashlib.sha256(raw).hexdigest()
        self.objects[oid] = raw
        return oid

    def get(self, oid: str) -> bytes:
        self.reads += 1
        return self.objects[oid]


def rows(keys: list[int], tag: str = "v") -> list[tuple[bytes, bytes]]:
    return [(canonical([k]), canonical({"id": k, "v": f"{tag}{k}"})) for k in sorted(keys)]


def leaves(m: Mem, root: str) -> list[str]:
    return [o for o in tree.iter_objects(m.get, root) if m.objects[o].startswith(tree.LEAF_MAGIC)]


def test_roundtrip_and_determinism() -> None:
    m = Mem()
    data = rows(list(range(0, 20000, 2)))
    root, n = tree.build(m.put, data)
    root2, _ = tree.build(Mem().put, data)
    assert n == 10000 and root == root2
    assert list(tree.iter_rows(m.get, root)) == [r for _, r in data]
    assert len(leaves(m, root)) > 100  # really chunked, not one blob


def test_empty_table_has_a_root() -> None:
    m = Mem()
    root, n = tree.build(m.put, [])
    assert n == 0 and list(tree.iter_rows(m.get, root)) == []


def test_one_insertion_changes_one_leaf_not_the_later_ones() -> None:
    m = Mem()
    keys = list(range(0, 40000, 2))
    root_a, _ = tree.build(m.put, rows(keys))
    root_b, _ = tree.build(m.put, rows([*keys, 101]))  # near the start
    la, lb = set(leaves(m, root_a)), set(leaves(m, root_b))
    assert len(lb - la) <= 2, "an insertion may split at most its own leaf"
    assert len(la - lb) <= 1


@pytest.mark.parametrize("budget", ["whole", "side_b", "zero"])
def test_differing_rows_equals_brute_force(budget: str) -> None:
    """Both ways of matching rows (sets of row bytes; A as digests beyond `set_bytes`, also
    when the budget runs out part way through a segment's side A) give the rows only one side
    has, in key order."""
    rnd = random.Random(7)
    m = Mem()
    keys = list(range(30000))
    a = {k: f"v{k}" for k in keys}
    b = dict(a)
    for k in rnd.sample(keys, 30):
        b[k] = "changed"
    for k in rnd.sample(keys, 20):
        b.pop(k, None)
    for k in range(30000, 30015):
        b[k] = "new"
    ra = [(canonical([k]), canonical({"id": k, "v": v})) for k, v in sorted(a.items())]
    rb = [(canonical([k]), canonical({"id": k, "v": v})) for k, v in sorted(b.items())]
    root_a, _ = tree.build(m.put, ra)
    root_b, _ = tree.build(m.put, rb)
    only_a = tree.private_leaves(m.get, root_a, root_b)[0]
    set_bytes = {"whole": tree.SET_BYTES, "zero": 0,
                 "side_b": max(len(m.get(o)) for o in only_a) + 1}[budget]
    m.reads = 0
    da, db = tree.differing_rows(m.get, root_a, root_b, set_bytes)
    want_a = {r for _, r in ra} - {r for _, r in rb}
    want_b = {r for _, r in rb} - {r for _, r in ra}
    assert set(da) == want_a and set(db) == want_b
    assert da == [r for _, r in ra if r in want_a] and db == [r for _, r in rb if r in want_b]
    total = len(m.objects)
    assert m.reads < total / 4, f"diff read {m.reads} of {total} objects"
    assert {json.loads(r)["id"] for r in db} >= set(range(30000, 30015))


def test_equal_roots_read_nothing() -> None:
    m = Mem()
    root, _ = tree.build(m.put, rows(list(range(5000))))
    m.reads = 0
    assert tree.differing_rows(m.get, root, root) == ([], [])
    assert m.reads == 0


def _is_boundary(key: int) -> bool:
    """A key that ends its leaf (TreeBuilder's content-defined cut)."""
    return hashlib.sha256(canonical([key])).digest()[3] % tree.LEAF_TARGET == 0


def _old_differing_rows(m: Mem, a: str, b: str) -> tuple[list[bytes], list[bytes]]:
    """What the diff computed before the moving window: every leaf of one side that the
    other lacks, matched as one set of rows."""
    la, lb = leaves(m, a), leaves(m, b)
    sa, sb = set(la), set(lb)
    ra = [r for o in la if o not in sb for r in tree.leaf_rows(m.objects[o])]
    rb = [r for o in lb if o not in sa for r in tree.leaf_rows(m.objects[o])]
    in_a, in_b = set(ra), set(rb)
    return [r for r in ra if r not in in_b], [r for r in rb if r not in in_a]


def _threaded(m: Mem) -> tree.GetMany:
    pool = ThreadPoolExecutor(3)

    def many(oids: Iterable[str]) -> Iterator[bytes]:
        return pool.map(m.get, list(oids))

    return many


@pytest.mark.parametrize(("shape", "budget"), [
    (shape, budget) for shape in ("edges", "prefix", "rewritten") for budget in (None, 0, 20_000)
] + [("grown", None)])
def test_moving_window_matches_the_old_code_at_leaf_edges(shape: str, budget: int | None
                                                          ) -> None:
    """Churn where segments meet: the first and last rows of leaves changed, boundary rows
    removed (two leaves merge), boundary keys inserted (a leaf splits, or a one-row leaf sits
    between two shared ones), the table's first and last rows changed; also one table a prefix
    of the other, one grown by a level, and one rewritten whole. The segment-wise match gives
    what matching all changed leaves at once gave, row for row and in order, whether the
    leaves come one `get` at a time or from a thread pool, as rows or as digests."""
    rnd = random.Random(shape)
    m = Mem()
    keys = list(range(0, 24000, 2))
    a = {k: f"v{k}" for k in keys}
    root_a, _ = tree.build(m.put, rows_of(a))
    b = dict(a)
    if shape == "edges":
        firsts, lasts = [], []
        for o in leaves(m, root_a):
            ids = [json.loads(r)["id"] for r in tree.leaf_rows(m.objects[o])]
            firsts.append(ids[0])
            lasts.append(ids[-1])
        for k in rnd.sample(firsts, 40) + rnd.sample(lasts, 40) + [keys[0], keys[-1]]:
            b[k] = "edge"
        for k in rnd.sample(lasts[:-1], 25):  # a boundary row gone: its leaf joins the next
            b.pop(k)
        born = [k for k in range(1, 24000, 2) if _is_boundary(k)]
        for k in rnd.sample(born, 25):  # a new boundary key: a leaf splits, or stands alone
            b[k] = "born"
        for k in rnd.sample(range(1, 24000, 2), 25):
            b[k] = "new"
    elif shape == "prefix":
        b = {k: v for k, v in a.items() if k < 9000}
    elif shape == "grown":
        b.update({k: "more" for k in range(24000, 200000, 2)})
    else:
        b = {k: "other" for k in keys}
    root_b, _ = tree.build(m.put, rows_of(b))
    want = _old_differing_rows(m, root_a, root_b)
    assert want[0] or want[1]
    assert tree.differing_rows(m.get, root_a, root_b, budget) == want
    assert tree.differing_rows(m.get, root_a, root_b, budget, _threaded(m)) == want
    assert tree.differing_rows(m.get, root_b, root_a, budget) == (want[1], want[0])
    la, lb = leaves(m, root_a), leaves(m, root_b)
    sa, sb = set(la), set(lb)
    assert tree.private_leaves(m.get, root_a, root_b) == (
        [o for o in la if o not in sb], [o for o in lb if o not in sa])
    if shape == "grown":
        assert tree.height(m.get(root_b)) > tree.height(m.get(root_a))
    if shape == "edges":  # the window really is small: many segments, none holding much
        segs = tree.private_segments(m.get, root_a, root_b)
        sizes = [len(x) + len(y) for x, y in segs]
        assert len(segs) > 50 and max(sizes) * 5 < sum(sizes)


def rows_of(d: dict[int, str]) -> list[tuple[bytes, bytes]]:
    return [(canonical([k]), canonical({"id": k, "v": v})) for k, v in sorted(d.items())]
