"""`Store.get_many`: the objects of many ids, read ahead on a thread pool, are the bytes `get`
returns, in the order asked, each still checked against its id, on every backend; and a diff
that fetches through it says what a diff one `get` at a time says."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import random
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from proofshot.diff.engine import diff_snapshots
from proofshot.model.errors import IntegrityError
from proofshot.store import embedded
from proofshot.store.embedded import Store
from proofshot.store.tree import iter_objects
from tests.store.backends import Made, dir_store, flip
from tests.store.pg import pg_cluster  # noqa: F401 - a fixture
from tests.store.test_delta import commit_rows
from tests.synth import commit, row


@pytest.fixture(params=["dir", "pg"])
def made(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Made]:
    if request.param == "dir":
        yield from dir_store(tmp_path)
    else:
        from tests.store.pg import pg_store

        yield from pg_store(request.getfixturevalue("pg_cluster"), tmp_path)


def _two_tables(made: Made) -> tuple[str, str]:
    """A table, then its next version stored as deltas against the first (roots)."""
    store = made.open()
    rows = [row(i, text=f"line {i}\n" * 4) for i in range(6000)]
    root_a = commit_rows(store, rows, None)
    for i in range(0, 6000, 97):
        rows[i] = row(i, mode="0600", text=rows[i]["text"])
    root_b = commit_rows(store, rows, root_a)
    store.close()
    return root_a, root_b


def _ids(made: Made, roots: tuple[str, ...]) -> list[str]:
    store = made.open()
    ids = [o for r in roots for o in iter_objects(store.get, r)]
    store.close()
    ids += ids[::7]  # some twice
    random.Random(3).shuffle(ids)
    return ids


def test_many_objects_come_back_as_get_returns_them(made: Made,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded, "FETCH_BATCH", 16)
    roots = _two_tables(made)
    ids = _ids(made, roots)
    assert len(ids) > 3 * embedded.FETCH_BATCH * embedded.FETCH_AHEAD  # the window moves
    ref = made.open()
    want = [ref.get(o) for o in ids]
    assert any(ref.depth(o) > 0 for o in ids), "some objects are deltas"
    ref.close()
    store = made.open()
    readers: set[str] = set()
    name = "object_payloads" if made.kind == "dir" else "object_payload"
    real = getattr(store.backend, name)

    def spy(*args: Any) -> Any:
        readers.add(threading.current_thread().name)
        return real(*args)

    monkeypatch.setattr(store.backend, name, spy)
    got = list(store.get_many(iter(ids)))
    assert got == want
    assert all(hashlib.sha256(raw).hexdigest() == o for o, raw in zip(ids, got, strict=True))
    if made.kind == "dir":  # read on the pool: each thread its own index connection
        assert readers and threading.main_thread().name not in readers
        assert len(store.backend._readers) == len(readers)  # type: ignore[attr-defined]
    else:  # one psycopg connection, never shared: payloads are read in the caller's thread
        assert readers == {threading.current_thread().name}
    assert list(store.get_many([])) == []
    store.close()


def _place(store: Store, oid: str) -> tuple[str, float]:
    """The pack holding an object, and where (0..1) the middle of its payload sits in it."""
    be = store.backend
    for pack in be.list("pack"):
        for o, off, ln in be.index_entries(pack):
            if o == oid:
                with be.open_pack(pack) as fh:
                    size = len(fh.read())
                return pack, (off + ln // 2 + 0.5) / size
    raise AssertionError(f"{oid} is in no pack")


def test_a_rotten_or_missing_object_is_named_in_its_turn(made: Made) -> None:
    roots = _two_tables(made)
    ids = _ids(made, roots)
    store = made.open()
    plain = [o for o in ids if store.depth(o) == 0 and ids.count(o) == 1]
    rotten = plain[len(plain) // 2]
    pack, where = _place(store, rotten)
    store.close()
    flip(made, made.open(), "pack", pack, where)
    fresh = made.open()
    with pytest.raises(IntegrityError) as one:
        fresh.get(rotten)
    fresh.close()
    assert rotten in str(one.value)
    store = made.open()
    got: list[bytes] = []
    with pytest.raises(IntegrityError) as many:
        for raw in store.get_many(ids):
            got.append(raw)
    assert str(many.value) == str(one.value)
    assert len(got) == ids.index(rotten), "every object before it came, none after"
    store.close()

    missing = "0" * 64
    store = made.open()
    asked = [o for o in ids if o != rotten][:300]
    asked.insert(200, missing)
    with pytest.raises(IntegrityError, match=f"object {missing} is missing from the store"):
        for raw in store.get_many(asked):
            got.append(raw)
    store.close()


def test_a_diff_fetched_ahead_says_what_one_get_at_a_time_says(made: Made) -> None:
    store = made.open()
    base = [row(i) for i in range(4000)]
    a = commit(store, "a", {"h": {"items": base}})
    after = [row(i, mode="0600") if i % 211 == 0 else r for i, r in enumerate(base)
             if i % 307 != 5]
    after += [row(i, name="new") for i in range(4000, 4040)]
    b = commit(store, "b", {"h": {"items": after}})
    ma, mb = store.manifest(a), store.manifest(b)
    ahead = diff_snapshots(store.get, a, ma, b, mb, store.get_many)
    store.close()
    store = made.open()
    one = diff_snapshots(store.get, a, ma, b, mb)
    store.close()
    assert json.dumps(ahead.to_json(), sort_keys=True) == json.dumps(one.to_json(),
                                                                     sort_keys=True)
    kinds = {k: sum(c.kind == k for c in ahead.changes) for k in ("added", "removed", "changed")}
    assert kinds == {"added": 40, "removed": 14, "changed": 19}


def _fetch_in_child(location: str, ids: list[str]) -> int:
    store = Store.open(Path(location))
    n = sum(hashlib.sha256(raw).hexdigest() == o for o, raw in zip(ids, store.get_many(ids),
                                                                   strict=True))
    store.close()
    return n


def test_a_forked_child_fetches_on_a_pool_of_its_own(tmp_path: Path) -> None:
    """The parent's pool threads do not exist in a child forked after they started (a
    process pool of a scan or a bench): the child must not wait on them."""
    store = Store.create(tmp_path / "s")
    a = commit(store, "a", {"h": {"items": [row(i) for i in range(3000)]}})
    root = store.manifest(a)["targets"][0]["tables"]["items"]["root"]
    ids = list(iter_objects(store.get, root))
    assert len(list(store.get_many(ids))) == len(ids)  # the pool runs in this process now
    store.close()
    pool = multiprocessing.get_context("fork").Pool(1)
    try:
        assert pool.apply_async(_fetch_in_child, (str(tmp_path / "s"), ids)).get(60) == len(ids)
    except BaseException:
        pool.terminate()
        raise
    pool.close()
    pool.join()
