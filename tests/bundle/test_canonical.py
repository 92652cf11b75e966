"""The standalone verifier's canonical JSON, Merkle root and tree reading equal proofshot's."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from proofshot.model.canonical import canonical
from proofshot.scan.record import merkle_root
from proofshot.store import tree
from proofshot.store import verify_bundle as vb

TRICKY: list[Any] = [
    None, True, False, 0, -1, 2**63, -(2**70), 1.0, -0.0, 0.1, 1e300, 5e-324, 1.5e-7, 123456789.125,
    "", "ä ö ü ß €", "日本語", "emoji 🎉 and \u2028 line sep", "quote \" backslash \\ tab \t nl \n",
    "\x00\x1f control", "\ud7ff", [], {}, [1, [2, [3, {"z": None}]]],
    {"b": 1, "a": 2, "A": 3, "ä": 4, "é": 5, "e\u0301": 6, "10": 7, "9": 8, "": 9},
    {"nested": {"deep": [{"x": 1.25, "y": [True, None, "ü"]}]}, "list": [3, 2, 1]},
]


@pytest.mark.parametrize("value", TRICKY, ids=range(len(TRICKY)))
def test_canonical_identical(value: Any) -> None:
    assert vb.canonical(value) == canonical(value)


def test_canonical_refuses_nan_like_proofshot() -> None:
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError):
            canonical(bad)
        with pytest.raises(ValueError):
            vb.canonical(bad)


def _merkle_by_the_definition(targets: list[dict[str, object]], scope: str) -> str:
    """The documented construction, written out independently: leaves are SHA-256 of the
    canonical [target, kind, name, ids...] lists, sorted; pairs hashed, an odd one carried up."""
    leaves = [canonical(["scope", scope])]
    for t in targets:
        for name, tab in t["tables"].items():  # type: ignore[attr-defined]
            leaves.append(canonical([t["name"], "table", name, tab["root"], tab["schema"]]))
        for c in t["coverage"]:  # type: ignore[attr-defined]
            leaves.append(canonical([t["name"], "transcript", c["query"], c["transcript"]]))
    level = sorted(hashlib.sha256(x).digest() for x in leaves)
    while len(level) > 1:
        level = [hashlib.sha256(level[i] + level[i + 1]).digest() if i + 1 < len(level)
                 else level[i] for i in range(0, len(level), 2)]
    return level[0].hex()


def test_merkle_root_follows_the_definition() -> None:
    """proofshot and the bundle verifier share one merkle_root; this pins its definition."""
    targets = [{"name": f"t{i}", "tables": {f"tab{j}": {"root": f"{i}{j}" * 8, "schema": "s" * 64}
                                            for j in range(i)},
                "coverage": [{"query": f"q{k}", "transcript": f"{k}" * 64} for k in range(3)]}
               for i in range(5)]
    assert merkle_root(targets, "a" * 64) == _merkle_by_the_definition(targets, "a" * 64)
    assert vb.merkle_root([], "b" * 64) == _merkle_by_the_definition([], "b" * 64)


def test_tree_children_identical() -> None:
    objects: dict[str, bytes] = {}

    def put(raw: bytes) -> str:
        oid = hashlib.sha256(raw).hexdigest()
        objects[oid] = raw
        return oid

    root, _ = tree.build(put, [(canonical([k]), canonical({"id": k})) for k in range(5000)])
    assert tree.children(objects[root]) is not None
    for raw in objects.values():
        kids = tree.children(raw)
        assert vb.tree_children(raw) == (None if kids is None else [k for k, _ in kids])
