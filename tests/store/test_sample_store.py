"""A frozen sample store (tests/store/sample-v1, a few KB, made by proofshot in 2026): every
future version must still read it, verify it and show the same rows and the same diff, as
restic pins its repository format. Never regenerate it: a change that breaks this test breaks
every customer's old evidence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from proofshot.store.embedded import Store
from proofshot.store.verify import verify_store
from tests.cli.test_errors import ps

HERE = Path(__file__).parent
SAMPLE = HERE / "sample-v1"


def _copy(tmp_path: Path) -> Path:
    dest = tmp_path / "sample"
    shutil.copytree(SAMPLE, dest)  # opening writes an index: never into the repository
    return dest


def test_the_frozen_store_still_verifies(tmp_path: Path) -> None:
    store = Store.open(_copy(tmp_path))
    try:
        rep = verify_store(store)
        assert rep.ok, rep.problems
        assert (rep.snapshots, rep.packs) == (2, 2)
        assert [s.label for s in store.snapshots()] == ["before", "after"]
        assert store.resolve("after").startswith("48e1834355880")
    finally:
        store.close()


def test_the_frozen_store_shows_and_diffs_as_it_did(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    assert ps("verify", "--store", str(root)).returncode == 0
    diff = ps("diff", "before", "after", "--json", "--store", str(root))
    assert diff.returncode == 0, diff.stderr
    assert json.loads(diff.stdout) == json.loads((HERE / "sample-v1.diff.json").read_text())
    show = ps("show", "before", "--json", "--store", str(root))
    assert json.loads(show.stdout) == json.loads((HERE / "sample-v1.show-before.json").read_text())


def test_one_flipped_byte_in_the_frozen_store_is_caught(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    for path in sorted(p for p in root.rglob("*") if p.is_file()
                       and p.parent.name in ("packs", "snapshots", "engagements")):
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
        assert ps("verify", "--store", str(root)).returncode == 4, path.name
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
    assert ps("verify", "--store", str(root)).returncode == 0
