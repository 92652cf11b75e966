"""The embedded store: dedup, references, and verify naming every kind of tampering."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from proofshot.model.errors import BadInput, IntegrityError, SnapshotNotFound
from proofshot.store.embedded import Store
from proofshot.store.packs import read_records
from proofshot.store.verify import verify_store
from tests.synth import commit, row


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.create(tmp_path / "store")


def three(store: Store) -> list[str]:
    ids = []
    for i, label in enumerate(["before", "middle", "after"]):
        rows = [row(k) for k in range(2000)] + [row(5000 + i)]
        ids.append(commit(store, label, {"web1": {"items": rows}}))
    return ids


def test_key_is_private_and_store_verifies(store: Store) -> None:
    mode = stat.S_IMODE(os.stat(store.root / "keys" / "signing.key").st_mode)
    assert mode == 0o600
    three(store)
    rep = verify_store(store)
    assert rep.ok, rep.problems
    assert rep.snapshots == 3


def _object_ids(store: Store) -> list[str]:
    """Every record of every pack (an object stored twice is listed twice)."""
    return sorted(oid for p in store.packs_dir.glob("*.pack") for oid, _, _ in read_records(p))


def test_unchanged_table_is_stored_once(store: Store) -> None:
    rows = [row(k) for k in range(3000)]
    a = commit(store, "a", {"t": {"items": rows}})
    objects_after_one = _object_ids(store)
    b = commit(store, "b", {"t": {"items": rows}})
    ma, mb = store.manifest(a), store.manifest(b)
    assert ma["targets"][0]["tables"]["items"]["root"] == mb["targets"][0]["tables"]["items"]["root"]
    # counted in objects, not bytes (sizes depend on the zstd version): nothing new is stored
    assert _object_ids(store) == objects_after_one
    assert mb["prev"] == a and mb["seq"] == 2


def test_resolve_references(store: Store) -> None:
    ids = three(store)
    assert store.resolve("latest") == ids[2]
    assert store.resolve("previous") == ids[1]
    assert store.resolve("before") == ids[0]
    assert store.resolve(ids[1][:10]) == ids[1]
    assert store.resolve(ids[0]) == ids[0]
    with pytest.raises(SnapshotNotFound):
        store.resolve("nope")


def test_store_path_that_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(BadInput, match="is a file"):
        Store.open(f)
    with pytest.raises(BadInput):
        Store.create(f)


def _reopen(store: Store) -> Store:
    store.close()
    return Store.open(store.root)


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_flipped_byte_in_object_is_found(store: Store) -> None:
    three(store)
    pack = max(store.packs_dir.glob("*.pack"), key=lambda p: p.stat().st_size)
    _flip(pack, pack.stat().st_size // 2)
    rep = verify_store(_reopen(store))
    assert not rep.ok
    assert any("object" in p or "pack" in p for p in rep.problems)


def test_flipped_byte_in_manifest_is_found(store: Store) -> None:
    ids = three(store)
    path = store.snap_dir / f"{ids[1]}.json"
    text = path.read_text().replace('"label":"middle"', '"label":"midlle"')
    path.write_text(text)
    rep = verify_store(_reopen(store))
    assert not rep.ok and ids[1][:12] in rep.problems[0]


def test_deleted_snapshot_in_the_middle_breaks_the_chain(store: Store) -> None:
    ids = three(store)
    (store.snap_dir / f"{ids[1]}.json").unlink()
    rep = verify_store(_reopen(store))
    assert not rep.ok
    assert any("chain broken" in p and ids[2][:12] in p for p in rep.problems)


def test_two_snapshots_swapped(store: Store) -> None:
    ids = three(store)
    a, b = store.snap_dir / f"{ids[0]}.json", store.snap_dir / f"{ids[1]}.json"
    tmp = a.read_bytes()
    a.write_bytes(b.read_bytes())
    b.write_bytes(tmp)
    rep = verify_store(_reopen(store))
    assert not rep.ok
    assert any(ids[0][:12] in p for p in rep.problems)


def test_manifest_signed_by_another_key(store: Store, tmp_path: Path) -> None:
    ids = three(store)
    other = Store.create(tmp_path / "other")
    doc = json.loads((store.snap_dir / f"{ids[2]}.json").read_bytes())
    from proofshot.model.canonical import canonical

    doc["signature"] = other.keys.sign(canonical(doc["body"]))
    doc["public_key"] = other.keys.public_b64
    (store.snap_dir / f"{ids[2]}.json").write_bytes(canonical(doc))
    rep = verify_store(_reopen(store))
    assert any("another key" in p for p in rep.problems)
    # and with our public key kept but the other key's signature
    doc["public_key"] = store.keys.public_b64
    (store.snap_dir / f"{ids[2]}.json").write_bytes(canonical(doc))
    rep = verify_store(_reopen(store))
    assert any("signature does not verify" in p for p in rep.problems)


def test_reading_a_corrupt_object_raises_integrity_error(store: Store) -> None:
    ids = three(store)
    pack = max(store.packs_dir.glob("*.pack"), key=lambda p: p.stat().st_size)
    data = bytearray(pack.read_bytes())
    for i in range(100, len(data), 997):
        data[i] ^= 0xFF
    pack.write_bytes(bytes(data))
    s = _reopen(store)
    from proofshot.store.tree import iter_rows

    body = s.manifest(ids[0])
    with pytest.raises(IntegrityError):
        list(iter_rows(s.get, body["targets"][0]["tables"]["items"]["root"]))


def test_index_rebuilt_from_files(store: Store) -> None:
    ids = three(store)
    store.close()
    for f in store.root.glob("index.sqlite*"):
        f.unlink()
    s = Store.open(store.root)
    assert [i.id for i in s.snapshots()] == ids
    assert verify_store(s).ok


def test_sync_copy_verifies_elsewhere(store: Store, tmp_path: Path) -> None:
    three(store)
    store.close()
    dest = tmp_path / "copy"
    shutil.copytree(store.root, dest, ignore=shutil.ignore_patterns("index.sqlite*", "lock"))
    assert verify_store(Store.open(dest)).ok


def test_a_table_root_that_is_no_tree_is_named(store: Store) -> None:
    """A signed manifest whose table points at an intact object of another kind (here the
    scope object) is broken evidence, named as such; the other snapshots still verify."""
    from proofshot.scan.record import manifest_body

    ids = three(store)
    body = store.manifest(ids[-1])
    t = body["targets"][0]
    t["tables"]["items"]["root"] = body["scope"]["object"]
    w = store.writer()
    new = manifest_body("forged", body["targets"], body["scope"]["digest"],
                        body["scope"]["object"], None, "t", {})
    store.commit(new, w)
    rep = verify_store(_reopen(store))
    assert [p for p in rep.problems if "not a tree object" in p] == rep.problems != []
