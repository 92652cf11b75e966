"""Tampering that only one check of `proofshot verify` catches, each by someone who knows the
store's format (and, for a manifest, holds the workspace key): verify exits 4 and names it.

Each test here is the one that fails when its check is skipped in store/verify.py (a mutation
check done by hand; the closing note of issue 18 lists them). The simpler cases (a flipped byte,
a foreign key, a deleted middle snapshot) are in tests/store/test_store.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import zstandard

from proofshot.model.canonical import canonical
from proofshot.scan.scope import load_scope
from proofshot.scan.service import scan
from proofshot.store.embedded import Store, manifest_id
from proofshot.store.packs import MAGIC, decode, delta_header, read_records
from proofshot.store.verify import check_manifest
from tests.synth import commit, row


def verify(store: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "proofshot", "verify", "--store", str(store)],
                          capture_output=True, text=True, timeout=300, env=os.environ.copy())


@pytest.fixture
def three(tmp_path: Path) -> tuple[Path, list[str]]:
    root = tmp_path / "store"
    store = Store.create(root)
    ids = [commit(store, label, {"web1": {"items": [row(k) for k in range(300)]
                                          + [row(1000 + i, text=f"line {i}\n")]}})
           for i, label in enumerate(["before", "middle", "after"])]
    store.close()
    assert verify(root).returncode == 0
    return root, ids


def write_pack(packs: Path, records: list[tuple[str, bytes]]) -> Path:
    body = MAGIC + b"".join(bytes.fromhex(oid) + len(d).to_bytes(4, "big") + d
                            for oid, d in records)
    path = packs / f"{hashlib.sha256(body).hexdigest()}.pack"
    path.write_bytes(body)
    return path


def test_manifest_rewritten_and_resigned_with_the_workspace_key(
        three: tuple[Path, list[str]]) -> None:
    """The insider's forgery: a changed label, signed again with the store's own key, under
    the old file name (so the chain still links). Only the id check sees it."""
    root, ids = three
    path = root / "snapshots" / f"{ids[1]}.json"
    doc = json.loads(path.read_bytes())
    doc["body"]["label"] = "forged"
    store = Store.open(root)
    doc["signature"] = store.keys.sign(canonical(doc["body"]))
    store.close()
    path.write_bytes(canonical(doc))
    proc = verify(root)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert f"manifest {ids[1][:12]} was altered" in proc.stdout + proc.stderr


def test_object_replaced_and_pack_renamed_to_its_new_hash(
        three: tuple[Path, list[str]]) -> None:
    """One stored object replaced by other valid bytes, the pack rewritten and renamed to its
    new SHA-256 (so the pack's own hash holds): only the object's id check sees it."""
    root, _ = three
    packs = root / "packs"
    pack = max(packs.glob("*.pack"), key=lambda p: p.stat().st_size)
    store = Store.open(root)
    records = [(oid, data) for oid, _, data in read_records(pack)]
    victim = next(i for i, (_, d) in enumerate(records) if delta_header(d) is None)
    oid, data = records[victim]
    raw = decode(data, store.get)
    store.close()
    forged = raw.replace(b"item1", b"itemX") if b"item1" in raw else raw + b" "
    records[victim] = (oid, zstandard.ZstdCompressor().compress(forged))
    pack.unlink()
    write_pack(packs, records)
    proc = verify(root)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert f"object {oid} in pack" in proc.stderr and "does not match its id" in proc.stderr


def test_pack_with_an_added_record_is_altered(three: tuple[Path, list[str]]) -> None:
    """A pack that is no longer the file that was written (here: one well-formed record more),
    under its old name: the pack's hash check names it."""
    root, _ = three
    pack = max((root / "packs").glob("*.pack"), key=lambda p: p.stat().st_size)
    extra = b"planted afterwards"
    comp = zstandard.ZstdCompressor().compress(extra)
    with open(pack, "ab") as fh:
        fh.write(hashlib.sha256(extra).digest() + len(comp).to_bytes(4, "big") + comp)
    proc = verify(root)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert f"pack {pack.stem[:12]} was altered" in proc.stderr


def test_newest_snapshot_deleted(three: tuple[Path, list[str]]) -> None:
    """Deleting the last snapshot leaves a whole chain behind: the index still names it."""
    root, ids = three
    (root / "snapshots" / f"{ids[2]}.json").unlink()
    proc = verify(root)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert f"snapshot {ids[2][:12]} (#3, after) was deleted" in proc.stderr


def test_manifest_of_an_unknown_format_is_not_passed(three: tuple[Path, list[str]]) -> None:
    """A manifest this verifier cannot read the rules of (a later format, or one made up) is
    never reported as verified, even with a valid id and signature."""
    root, ids = three
    doc = json.loads((root / "snapshots" / f"{ids[0]}.json").read_bytes())
    doc["body"]["format"] = 99
    store = Store.open(root)
    doc["signature"] = store.keys.sign(canonical(doc["body"]))
    pub = store.keys.public_b64
    store.close()
    sid = manifest_id(doc["body"])
    body, problem = check_manifest(sid, canonical(doc), pub)
    assert body is None and problem == f"manifest {sid[:12]}: unknown format 99"


def test_index_order_altered(three: tuple[Path, list[str]]) -> None:
    """The index (what lists and `previous` read) saying another order than the manifests."""
    root, ids = three
    db = sqlite3.connect(root / "index.sqlite")
    with db:
        db.execute("UPDATE snapshots SET seq = 7 WHERE id = ?", (ids[1],))
    db.close()
    proc = verify(root)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert f"snapshot {ids[1][:12]}: index says #7, manifest says #2" in proc.stderr


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A real local scan (transcripts, schemas, trees, the scope object), kept pristine."""
    work = tmp_path_factory.mktemp("scanned")
    tree = work / "tree"
    tree.mkdir()
    (tree / "a.conf").write_text("x=1\n")
    scope = work / "scope.yaml"
    scope.write_text(f"targets:\n  - {{name: here, type: local, files: ['{tree}']}}\n")
    store = Store.create(work / "store")
    try:
        sid = scan(store, load_scope(scope), "one").snapshot
        body = store.manifest(sid)
    finally:
        store.close()
    return work / "store", body


def referenced(body: dict[str, Any], what: str) -> str:
    (t,) = body["targets"]
    return {"transcript": t["coverage"][0]["transcript"], "scope": body["scope"]["object"],
            "schema": t["tables"]["users"]["schema"], "table root": t["tables"]["users"]["root"]
            }[what]


@pytest.mark.parametrize("what", ["transcript", "scope", "schema", "table root"])
def test_object_taken_out_and_pack_renamed(scanned: tuple[Path, dict[str, Any]],
                                          tmp_path: Path, what: str) -> None:
    """An object a snapshot points at, removed from its pack, the pack rewritten and renamed
    to its new hash (so every remaining object and the pack's own hash hold): verify names the
    missing object."""
    shutil.copytree(scanned[0], tmp_path / "store")
    root = tmp_path / "store"
    oid = referenced(scanned[1], what)
    pack = next(p for p in (root / "packs").glob("*.pack")
                if any(o == oid for o, _, _ in read_records(p)))
    records = [(o, d) for o, _, d in read_records(pack) if o != oid]
    bases = {delta_header(d)[0] for _, d in records if delta_header(d)}  # type: ignore[index]
    assert oid not in bases  # nothing else is stored as a delta against it
    pack.unlink()
    write_pack(root / "packs", records)
    proc = verify(root)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert f"object {oid[:16]} is missing or corrupt" in proc.stderr
