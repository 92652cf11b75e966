"""Issue 11 §8: the salt of keyed hashes is part of the evidence (its fingerprint in every
manifest, checked by verify), and sync repairs a destination pack that rotted, while an altered
manifest at the destination is broken (exit 4), not bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

from proofshot.store.embedded import Store
from proofshot.store.keys import salt_fingerprint
from proofshot.store.sync import sync
from tests.cli.test_errors import ps
from tests.synth import commit, row


def _store(tmp_path: Path) -> Store:
    s = Store.create(tmp_path / "laptop")
    commit(s, "a", {"t": {"items": [row(k, secret=f"pw{k}") for k in range(50)]}})
    commit(s, "b", {"t": {"items": [row(k, secret=f"pw{k}") for k in range(51)]}})
    return s


def test_manifest_carries_a_fingerprint_of_the_salt_not_the_salt(tmp_path: Path) -> None:
    s = _store(tmp_path)
    body = s.manifest(s.resolve("latest"))
    salt = (s.root / "keys" / "salt").read_bytes()
    assert body["salt"] == salt_fingerprint(salt)
    doc = s.manifest_doc_bytes(s.resolve("latest"))
    assert salt.hex().encode() not in doc and salt not in doc
    assert salt_fingerprint(os.urandom(32)) != body["salt"]


def test_verify_names_a_changed_or_missing_salt(tmp_path: Path) -> None:
    s = _store(tmp_path)
    salt = s.root / "keys" / "salt"
    good = salt.read_bytes()
    salt.write_bytes(os.urandom(32))  # a restore that brought another workspace's salt
    proc = ps("verify", "--store", str(s.root))
    assert proc.returncode == 4, proc.stderr
    assert "salt of keyed hashes changed: 2 snapshot(s)" in proc.stderr
    salt.unlink()
    proc = ps("verify", "--store", str(s.root))
    assert proc.returncode == 4 and "salt of keyed hashes is missing" in proc.stderr
    salt.write_bytes(good)
    assert ps("verify", "--store", str(s.root)).returncode == 0


def test_sync_repairs_a_rotten_pack_at_the_destination(tmp_path: Path) -> None:
    s = _store(tmp_path)
    nas = tmp_path / "nas"
    sync(s, nas)
    pack = next((nas / "packs").glob("*.pack"))
    data = bytearray(pack.read_bytes())
    data[len(data) // 3] ^= 0x10
    pack.write_bytes(bytes(data))
    assert ps("verify", "--store", str(nas)).returncode == 4
    proc = ps("sync", str(nas), "--store", str(s.root))
    assert proc.returncode == 0, proc.stderr
    assert "repaired 1 pack" in proc.stderr
    assert ps("verify", "--store", str(nas)).returncode == 0


def test_an_altered_manifest_at_the_destination_is_broken(tmp_path: Path) -> None:
    s = _store(tmp_path)
    nas = tmp_path / "nas"
    sync(s, nas)
    path = nas / "snapshots" / f"{s.resolve('a')}.json"
    doc = json.loads(path.read_bytes())
    doc["body"]["label"] = "forged"
    path.write_text(json.dumps(doc))
    before = path.read_bytes()
    proc = ps("sync", str(nas), "--store", str(s.root))
    assert proc.returncode == 4, proc.stderr
    assert "was altered there (its content does not match its id)" in proc.stderr
    assert "remove it from the destination, and sync again" in proc.stderr
    assert path.read_bytes() == before  # kept for inspection: nothing overwritten
