"""proofshot sync: incremental copy, verified; a diverged destination is refused; the copy
alone serves verify, show and diff after the original is gone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from proofshot.engagement import record
from proofshot.store.embedded import Store
from proofshot.store.sync import DestinationDiverged, sync
from tests.cli.test_errors import ps
from tests.synth import commit, row


def test_sync_delete_original_then_use_the_copy(tmp_path: Path) -> None:
    src = Store.create(tmp_path / "laptop")
    eid = record.start(src, "Job", "Muster GmbH", "Anna")
    commit(src, "before", {"web1": {"items": [row(k) for k in range(500)]}})
    nas = tmp_path / "nas" / "proofshot"
    proc = ps("sync", str(nas), "--store", str(src.root))
    assert proc.returncode == 0, proc.stderr
    assert "OK" in proc.stdout
    assert not (nas / "keys" / "signing.key").exists()
    assert (nas / "keys" / "salt").stat().st_mode & 0o077 == 0
    # incremental: the second sync copies only the new pack and manifest
    commit(src, "after", {"web1": {"items": [row(k) for k in range(501)]}})
    record.note(src, eid, "done")
    res = sync(src, nas)
    assert res.packs == 1 and res.manifests == 1 and res.other == 1
    res = sync(src, nas)
    assert res.packs == 0 and res.manifests == 0 and res.other == 0
    src.close()
    shutil.rmtree(tmp_path / "laptop")
    assert ps("verify", "--store", str(nas)).returncode == 0
    diff = ps("diff", "before", "after", "--json", "--store", str(nas))
    assert diff.returncode == 0, diff.stderr
    assert [c["kind"] for c in json.loads(diff.stdout)["changes"]] == ["added"]
    assert ps("show", "after", "--json", "--store", str(nas)).returncode == 0
    shown = ps("engagement", "show", eid, "--json", "--store", str(nas))
    assert json.loads(shown.stdout)["notes"][0]["text"] == "done"


def test_diverged_destination_is_refused(tmp_path: Path) -> None:
    src = Store.create(tmp_path / "laptop")
    commit(src, "a", {"t": {"items": [row(1)]}})
    dest = tmp_path / "usb"
    sync(src, dest)
    # someone else's store at the destination: another key
    other = Store.create(tmp_path / "other")
    commit(other, "x", {"t": {"items": [row(2)]}})
    with pytest.raises(DestinationDiverged, match="another signing key"):
        sync(src, other.root)
    # the destination got a snapshot we do not have (a fork of our chain)
    fork = tmp_path / "fork"
    shutil.copytree(src.root, fork)
    forked = Store.open(fork)
    commit(forked, "elsewhere", {"t": {"items": [row(3)]}})
    forked.close()
    before = sorted(p.name for p in (fork / "snapshots").iterdir())
    commit(src, "b", {"t": {"items": [row(4)]}})
    proc = ps("sync", str(fork), "--store", str(src.root))
    assert proc.returncode == 2, proc.stderr
    assert "diverged" in proc.stderr
    assert sorted(p.name for p in (fork / "snapshots").iterdir()) == before


def test_refuses_foreign_directory_and_broken_source(tmp_path: Path) -> None:
    src = Store.create(tmp_path / "laptop")
    commit(src, "a", {"t": {"items": [row(k) for k in range(100)]}})
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "holiday.jpg").write_bytes(b"x")
    assert ps("sync", str(junk), "--store", str(src.root)).returncode == 2
    pack = next(src.packs_dir.glob("*.pack"))
    data = bytearray(pack.read_bytes())
    data[len(data) // 2] ^= 1
    pack.write_bytes(bytes(data))
    proc = ps("sync", str(tmp_path / "copy"), "--store", str(src.root))
    assert proc.returncode == 4 and "corrupt" in proc.stderr


def test_interrupted_first_sync_is_resumed(tmp_path: Path) -> None:
    src = Store.create(tmp_path / "laptop")
    commit(src, "a", {"t": {"items": [row(k) for k in range(100)]}})
    dest = tmp_path / "usb"
    sync(src, dest)
    # as if the first sync had stopped before the manifests and the config
    for p in [dest / "config.json", *(dest / "snapshots").iterdir()]:
        p.unlink()
    res = sync(src, dest)
    assert (res.packs, res.manifests) == (0, 1)
    assert res.report is not None and res.report.ok
