"""model.snapshot: the typed manifest keeps everything that was signed, and SnapshotReader is
the one way to read a snapshot's tables. The seams are grep-checked: nothing outside model/ and
store/ indexes a manifest or walks a row tree, the report reaches nothing by importlib, and only
store/ and the service layer import the concrete `Store` (everyone else: proofshot.store.api)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from proofshot.model.errors import IntegrityError
from proofshot.model.snapshot import Manifest, TableGap
from proofshot.store.embedded import Store
from proofshot.store.reader import open_snapshot, read_manifest
from tests.synth import commit, row

SRC = Path(__file__).parents[2] / "src" / "proofshot"


def test_typed_manifest_of_a_real_snapshot(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "s")
    sid = commit(store, "before", {"web": {"items": [row(2), row(1)]}, "db": {"items": []}},
                 status={"db": "unreachable"},
                 unverifiable={"web": {"sysctl": {"status": "refused", "reason": "no sudo",
                                                  "queries": ["sysctl"]}}})
    m = read_manifest(store, sid)
    assert (m.label, m.seq, m.prev, m.technician) == ("before", 1, None, "tester")
    assert m.key == store.keys.fingerprint and m.merkle_root and m.scope.object
    web, db = m.target("web"), m.target("db")
    assert web is not None and db is not None and m.target("nope") is None
    assert web.readable and not db.readable and db.reason == "test says so"
    assert web.collector.name == "synthetic" and web.tables["items"].rows == 2
    assert web.unverifiable == {"sysctl": TableGap("sysctl", "refused", "no sudo", ("sysctl",))}
    assert dict(m.data) == store.manifest(sid)  # nothing that was signed is lost
    assert m.roots() == {"web": {"items": web.tables["items"].root}, "db": {}}


def test_unknown_fields_are_kept_not_dropped() -> None:
    body = {"label": "x", "future": 1, "targets": [{
        "name": "t", "status": "ok", "later": [1],
        "tables": {"a": {"root": "r", "rows": 3, "schema": "s", "partial": True}},
        "coverage": [{"query": "q", "status": "ok", "streamed": True}]}]}
    m = Manifest.from_data(body)
    t = m.targets[0]
    assert m.data["future"] == 1 and t.extra == {"later": [1]}
    assert t.tables["a"].extra == {"partial": True} and t.coverage[0].extra == {"streamed": True}
    with pytest.raises(IntegrityError):
        Manifest.from_data({"targets": [{"status": "ok"}]})  # a target without a name


def test_reader_streams_rows_chunk_by_chunk(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "s")
    sid = commit(store, "big", {"web": {"items": [row(i) for i in range(3000, 0, -1)]}})
    read: list[str] = []
    get = store.get

    def counting(oid: str) -> bytes:
        read.append(oid)
        return get(oid)

    store.get = counting  # type: ignore[method-assign]
    snap = open_snapshot(store, sid)
    it = snap.iter_rows("web", "items")
    next(it)
    first = len(read)
    rest = list(it)
    assert len(read) > first + 1  # the other chunks were read only when reached
    assert len(rest) == 2999 and sorted(r["id"] for r in snap.rows("web", "items")) == \
        list(range(1, 3001))
    assert snap.rows("web", "nosuch") == [] and snap.rows("nobody", "items") == []
    schema = snap.schema("web", "items")
    assert schema is not None and schema.key == ("id",)
    assert snap.scope() == {} and snap.coverage("web") == ()


def test_an_altered_manifest_does_not_open(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "s")
    sid = commit(store, "x", {"web": {"items": [row(1)]}})
    path = store.snap_dir / f"{sid}.json"
    path.write_bytes(path.read_bytes().replace(b'"label":"x"', b'"label":"y"'))
    with pytest.raises(IntegrityError):
        open_snapshot(store, sid)


def _python_outside(*allowed: str) -> list[tuple[Path, str]]:
    return [(p, p.read_text()) for p in sorted(SRC.rglob("*.py"))
            if p.relative_to(SRC).parts[0] not in allowed]


def test_no_module_outside_model_and_store_indexes_a_manifest() -> None:
    indexed = re.compile(r"\.manifest\([^()]*\)\s*(\[|\.get\()|\b(body|manifest)\[\"")
    walks = re.compile(r"\biter_rows\(\w+\.get\b|from proofshot\.store\.tree import .*iter_rows")
    for path, text in _python_outside("model", "store"):
        assert not indexed.search(text), f"{path}: read manifests through model.snapshot"
        assert not walks.search(text), f"{path}: read tables through SnapshotReader"


def test_no_importlib_lookups_in_the_report() -> None:
    for path in sorted((SRC / "report").rglob("*.py")):
        text = path.read_text()
        assert ("import_module" not in text and "importlib import resources" in text) or \
            "importlib" not in text, path


_CONCRETE = re.compile(r"^\s*(from proofshot\.store\.embedded import|import proofshot\.store\.embedded"
                       r"|from proofshot\.store import .*\bembedded\b)", re.M)


def test_store_class_is_imported_only_by_store_and_the_service() -> None:
    """Reading chosen: "imported only by store/ and the service layer" is about the concrete class
    (proofshot.store.embedded); the Protocols and factories of proofshot.store.api are for all."""
    importers = {p.relative_to(SRC).parts[0] for p in sorted(SRC.rglob("*.py"))
                 if _CONCRETE.search(p.read_text())}
    assert "store" in importers  # the pattern sees the imports that are allowed
    assert importers <= {"store", "service"}, importers
    for path, text in _python_outside("store", "service"):
        assert not _CONCRETE.search(text), f"{path}: use proofshot.store.api (Protocols, open_store)"
