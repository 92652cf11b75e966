"""The content-defined tree: deterministic, insertion-local, and a diff that skips shared parts."""

from __future__ import annotations

import hashlib
import json
import random

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
    when the budget runs out on side B) give the rows only one side has, in key order."""
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
                 "side_b": sum(len(m.get(o)) for o in only_a) + 1}[budget]
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
