"""The conformance suite: every backend keeps the same promises (restic's backend tests, in
spirit). Objects by kind and id, the chain advanced only by compare-and-swap, two writers at
once, kill -9 in the middle of commits, and one flipped byte in any stored value caught by
verify."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from proofshot.model.errors import IntegrityError, StoreError
from proofshot.store.backend import ChainMoved, SnapshotInfo
from proofshot.store.doclog import DocLog
from proofshot.store.embedded import Store
from proofshot.store.packs import read_records
from proofshot.store.timestamp import stamp
from proofshot.store.trust import enroll, key_name
from proofshot.store.verify import verify_store
from tests.bundle.tsa import Tsa, serve
from tests.store.backends import Made, dir_store, flip, flip_index
from tests.store.pg import pg_cluster  # noqa: F401 - a fixture
from tests.synth import commit, row

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = ["dir", "pg"]


@pytest.fixture(params=BACKENDS)
def made(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Made]:
    if request.param == "dir":
        yield from dir_store(tmp_path)
    else:
        from tests.store.pg import pg_store

        yield from pg_store(request.getfixturevalue("pg_cluster"), tmp_path)


@pytest.fixture
def store(made: Made) -> Iterator[Store]:
    s = made.open()
    yield s
    s.close()


def _two(store: Store) -> list[str]:
    return [commit(store, "before", {"h": {"items": [row(i) for i in range(300)]}}),
            commit(store, "after", {"h": {"items": [row(i, name=f"x{i}") if i % 50 == 0
                                                    else row(i) for i in range(300)]}})]


def test_values_by_kind_are_written_once(store: Store) -> None:
    be = store.backend
    name = "engagements/" + "ab" * 32
    assert not be.has("log", name) and name not in be.list("log")
    be.put("log", name, b'{"a": 1}')
    be.put("log", name, b'{"a": 2}')  # a second put of the same name changes nothing
    assert be.get("log", name) == b'{"a": 1}' and be.list("log") == [name]
    be.put("log", name, b'{"a": 3}', replace=True)  # a repair from a good copy
    assert be.get("log", name) == b'{"a": 3}'
    with pytest.raises(IntegrityError, match="missing"):
        be.get("token", "cd" * 32)
    with pytest.raises(StoreError, match="advance"):
        be.put("manifest", "ef" * 32, b"{}")


def test_objects_live_in_packs_and_the_index_says_where(store: Store) -> None:
    ids = _two(store)
    be = store.backend
    in_packs: set[str] = set()
    for name in be.list("pack"):
        with be.open_pack(name) as fh:
            records = [(oid, off, len(data)) for oid, off, data in read_records(fh)]
        assert sorted(records) == be.index_entries(name)
        in_packs.update(oid for oid, _, _ in records)
    assert set(be.object_ids()) == in_packs
    body = store.manifest(ids[1])
    table = body["targets"][0]["tables"]["items"]
    assert be.has_object(table["root"]) and store.get(table["root"])
    assert not be.has_object("00" * 32)
    with pytest.raises(IntegrityError):
        be.object_payload("00" * 32)


def test_advance_is_compare_and_swap(store: Store) -> None:
    a, b = _two(store)
    doc = store.backend.get("manifest", b)
    stale = SnapshotInfo("11" * 32, 2, "stale", "", a)
    with pytest.raises(ChainMoved):
        store.backend.advance(a, stale, doc)  # the tip is b, not a: nothing is stored
    assert [s.id for s in store.snapshots()] == [a, b]
    assert not store.backend.has("manifest", "11" * 32)
    assert verify_store(store).ok


def _writer(made: Made, seed: int, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.crash_writer", made.location, str(seed), str(count)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, **made.env, "PYTHONPATH": str(ROOT)})


def test_two_writers_at_once_both_commit_in_order(made: Made) -> None:
    procs = [_writer(made, 100 + i, count=5) for i in range(2)]
    outs = [p.communicate()[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    store = made.open()
    try:
        rep = verify_store(store)
        assert rep.ok, rep.problems
        assert [s.seq for s in store.snapshots()] == list(range(1, 11))
        assert {s.id for s in store.snapshots()} == set(outs[0]) | set(outs[1])
    finally:
        store.close()


def test_kill_9_mid_commit_loses_nothing_committed(made: Made) -> None:
    rnd = random.Random(17)
    committed: list[str] = []
    for trial in range(6):
        proc = _writer(made, trial, 1000)
        time.sleep(rnd.uniform(0.4, 1.6))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        committed += out.split()
        store = made.open()
        try:
            rep = verify_store(store)
            assert rep.ok, f"trial {trial}: {rep.problems}"
            have = {s.id for s in store.snapshots()}
            assert not [c for c in committed if c not in have], f"trial {trial}: lost some"
        finally:
            store.close()
    assert len(committed) >= 3  # the kills landed between and inside commits


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[Tsa]:
    yield from serve(tmp_path / "tsa")


def test_one_flipped_byte_in_any_stored_value_is_caught(made: Made, store: Store,
                                                        tmp_path: Path, tsa: Tsa) -> None:
    a, b = _two(store)
    stamp(store, b, tsa.url)
    DocLog(store, "engagements").append(None, {"kind": "start", "title": "job"})
    other = Store.create(tmp_path / "other-signer")
    enroll(store, other.keys.public_b64, "site-nord")
    assert verify_store(store).ok, verify_store(store).problems
    be = store.backend
    values = [("pack", n) for n in be.list("pack")] + [("manifest", a), ("manifest", b),
                                                        ("token", b)]
    values += [("log", n) for n in be.list("log")] + [("key", key_name(other.keys.public_b64))]
    for kind, name in values:
        for where in (0.0, 0.3, 0.97):
            flip(made, store, kind, name, where)
            store._trusted = None
            rep = verify_store(store)
            assert not rep.ok, f"{kind} {name[:12]} flipped at {where}: not caught"
            flip(made, store, kind, name, where)  # the same flip again restores the value
            store._trusted = None
            assert verify_store(store).ok, f"{kind} {name[:12]} at {where}: not restored"
    flip_index(made, store)
    rep = verify_store(store)
    assert any("index" in p for p in rep.problems), rep.problems
