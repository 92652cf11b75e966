"""Streamed answers and large tables: spooled to disk, sorted on disk, stored in pieces, and
the same rows, transcript text and tree as the in-memory path."""

from __future__ import annotations

import hashlib
import json
import random
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from proofshot.collectors.base import NotCollected, TableSpec
from proofshot.model.transcript import Answer
from proofshot.scan.masking import mask_bytes
from proofshot.scan.record import manifest_body, target_entry, transcript_record, write_table
from proofshot.scan.rows import row_pair
from proofshot.scan.runner import TableResult, TargetResult, build_table
from proofshot.scan.sorter import Sorter
from proofshot.scan.spool import Spool
from proofshot.store.embedded import Store
from proofshot.store.tree import iter_rows
from proofshot.store.verify import verify_store
from proofshot.store.verify_bundle import transcript_pieces
from tests.storebytes import everything
from tests.synth import ITEMS, row

SECRET = "Pa55-streamed-secret"
PEM = ("-----BEGIN PRIVATE KEY-----\n" + "\n".join(f"QUJDREVGR0hJSktMTU5PUFFSU1RVVldY{i:04d}"
                                                 for i in range(40)) + "\n-----END PRIVATE KEY-----\n")


def kh(text: str) -> str:
    return "hmac:" + format(abs(hash(("salt", text))), "x")


def answer_text() -> str:
    lines = [json.dumps({"p": f"/d{i:05d}", "d": 2, "x": "y" * (i % 50)}) for i in range(3000)]
    lines[1000] = f"password = {SECRET}"
    lines.insert(2000, PEM.rstrip("\n"))
    return "\n".join(lines) + "\n"


def spool_of(tmp_path: Path, text: str, block: int = 4096, threads: int = 1,
             hasher: Callable[[str], str] = kh) -> Spool:
    sp = Spool(tmp_path / "q.out", hasher, block=block)
    data = text.encode()
    if threads == 1:
        for line in data.splitlines(keepends=True):
            sp.write(line)
    else:
        lines = data.splitlines(keepends=True)
        parts = [lines[i::threads] for i in range(threads)]
        ts = [threading.Thread(target=lambda p=p: [sp.write(x) for x in p]) for p in parts]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    sp.close()
    return sp


def test_spool_masks_like_the_whole_answer_and_cuts_pieces_at_line_ends(tmp_path: Path) -> None:
    text = answer_text()
    sp = spool_of(tmp_path, text)
    pieces = list(sp.pieces())
    assert len(pieces) > 10 and all(p.endswith(b"\n") for p in pieces)
    assert b"".join(pieces) == mask_bytes(text.encode(), kh)  # block cuts change nothing
    joined = b"".join(pieces)
    assert SECRET.encode() not in joined and b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldY0001" not in joined
    assert sp.size == len(joined) and sp.raw_size == len(text.encode())
    rec = sp.stdout_record()
    assert rec["bytes"] == len(text.encode()) and len(rec["sha256"]) == 64


def test_spool_takes_lines_from_many_threads(tmp_path: Path) -> None:
    text = answer_text().replace(PEM, "")  # interleaved lines would cut a PEM block apart
    sp = spool_of(tmp_path, text, threads=8)
    got = b"".join(sp.pieces()).decode().splitlines()
    assert sorted(got) == sorted(mask_bytes(text.encode(), kh).decode().splitlines())


def test_writes_after_close_are_dropped(tmp_path: Path) -> None:
    sp = spool_of(tmp_path, "a\nb\n")
    sp.write(b"late line from a walk that timed out\n")
    assert b"".join(sp.pieces()) == b"a\nb\n"


def test_answer_lines_are_the_same_from_memory_a_spool_and_stored_pieces(tmp_path: Path) -> None:
    text = answer_text()
    masked = mask_bytes(text.encode(), kh)
    in_memory = Answer("walk", ["smb-walk", "s", "3"], 0, masked, b"", 0.1)
    spooled = Answer("walk", ["smb-walk", "s", "3"], 0, b"", b"", 0.1,
                     body=spool_of(tmp_path, text))
    assert list(spooled.lines()) == list(in_memory.lines()) == masked.decode().split("\n")[:-1]
    assert spooled.text == in_memory.text and spooled.size == in_memory.size

    kept: dict[str, bytes] = {}

    def put(raw: bytes) -> str:
        oid = hashlib.sha256(raw).hexdigest()
        kept[oid] = raw
        return oid

    raw = transcript_record(spooled, put)
    assert len(transcript_pieces(raw)) > 10 and all(o in kept for o in transcript_pieces(raw))
    stored = Answer.from_record(json.loads(raw), kept.__getitem__)
    assert list(stored.lines()) == list(in_memory.lines())
    with pytest.raises(ValueError):
        Answer.from_record(json.loads(raw))  # pieces need a reader


def test_sorter_gives_the_in_memory_order_and_keeps_the_first_of_a_key(tmp_path: Path) -> None:
    rng = random.Random(7)
    rows = [row(rng.randrange(5000), mode=f"{i:04o}") for i in range(20000)]  # many dupes
    small = Sorter(tmp_path, "t", partial(row_pair, ITEMS, keyed_hash=kh), run_bytes=64 << 10)
    for r in rows:
        small.add_row(r)
    assert len(list(tmp_path.glob("t.run*"))) > 10  # it really spilled
    got = list(small.pairs())
    seen: dict[bytes, bytes] = {}
    for r in rows:
        k, v = row_pair(ITEMS, r, kh)
        seen.setdefault(k, v)
    assert got == sorted(seen.items())
    assert small.dupes == len(rows) - len(seen)
    small.remove()
    assert not list(tmp_path.glob("t.run*"))


def test_large_table_path_builds_the_same_tree_as_the_list_path(tmp_path: Path) -> None:
    rng = random.Random(3)
    rows = [row(rng.randrange(30000)) for _ in range(20000)]
    spec = TableSpec(ITEMS, ("q",), lambda a: iter(rows), large=True)
    answers = {"q": Answer("q", ["x"], 0, b"", b"", 0.0)}
    listed = build_table(spec, answers, {})
    n = iter(range(100))
    sorted_ = build_table(spec, answers, {}, sorters=lambda t: Sorter(
        tmp_path, f"r{next(n)}", partial(row_pair, t, keyed_hash=kh), run_bytes=256 << 10))
    assert listed.rows is not None and sorted_.rows is None and sorted_.sorted is not None
    store = Store.create(tmp_path / "store")
    w = store.writer()
    a = write_table(w, ITEMS, listed.rows, kh)
    b = write_table(w, ITEMS, sorted_.sorted, kh)
    w.abort()
    assert a == b and a[1] == len({r["id"] for r in rows})


def test_a_lazy_builder_that_gives_up_midway_leaves_nothing_behind(tmp_path: Path) -> None:
    def build(_a: object) -> object:
        yield row(1)
        raise NotCollected("walk of s: gone", "failed")

    spec = TableSpec(ITEMS, ("q",), build, large=True)  # type: ignore[arg-type]
    answers = {"q": Answer("q", ["x"], 0, b"", b"", 0.0)}
    tr = build_table(spec, answers, {}, sorters=lambda t: Sorter(tmp_path, "r", partial(
        row_pair, t, keyed_hash=kh), run_bytes=1))
    assert (tr.status, tr.reason, tr.collected) == ("failed", "walk of s: gone", False)
    assert not list(tmp_path.glob("r.run*"))
    listed = build_table(spec, answers, {})
    assert (listed.status, listed.collected) == ("failed", False)


def test_a_streamed_snapshot_verifies_and_keeps_no_secret(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "store")
    text = answer_text()
    ans = Answer("walk", ["smb-walk", "s", "3"], 0, b"", b"", 0.5,
                 body=spool_of(tmp_path, text, block=2048, hasher=store.keys.keyed_hash))
    srt = Sorter(tmp_path, "r", partial(row_pair, ITEMS, keyed_hash=store.keys.keyed_hash))
    for i in range(500):
        srt.add_row(ITEMS.validate(row(i)))
    res = TargetResult(name="files", type="smb", collector="smb", collector_version="1",
                       answers={"walk": ans},
                       tables=[TableResult(ITEMS, None, "ok", "", ("walk",), sorted=srt)])
    w = store.writer()
    entry = target_entry(res, w, store.keys)
    assert entry["coverage"][0]["bytes"] == ans.size and entry["tables"]["items"]["rows"] == 500
    body = manifest_body("s", [entry], "0" * 64, w.put_json({"s": 1}), None, "t", {})
    sid = store.commit(body, w)
    assert verify_store(store).ok
    rec = store.get_json(entry["coverage"][0]["transcript"])
    assert rec["stdout"]["bytes"] == ans.size and len(rec["stdout"]["chunks"]) > 10
    back = Answer.from_record(rec, store.get)
    assert back.stdout == b"" and back.text == mask_bytes(text.encode(), store.keys.keyed_hash
                                                          ).decode()
    assert len(list(iter_rows(store.get, entry["tables"]["items"]["root"]))) == 500
    assert SECRET.encode() not in everything(store.root)
    assert all(store.has(p) for p in rec["stdout"]["chunks"])
    assert store.latest() is not None and store.latest().id == sid  # type: ignore[union-attr]


def test_a_bundle_carries_the_pieces_and_its_verifier_names_a_missing_one(tmp_path: Path) -> None:
    from proofshot.engagement.bundle import export
    from tests.bundle.helpers import rewrite, run_verifier, verifier

    store = Store.create(tmp_path / "store")
    ans = Answer("walk", ["smb-walk", "s", "3"], 0, b"", b"", 0.5,
                 body=spool_of(tmp_path, answer_text(), block=2048,
                               hasher=store.keys.keyed_hash))
    res = TargetResult(name="files", type="smb", collector="smb", collector_version="1",
                       answers={"walk": ans})
    w = store.writer()
    entry = target_entry(res, w, store.keys)
    sid = store.commit(manifest_body("s", [entry], "0" * 64, w.put_json({"s": 1}), None, "t",
                                     {}), w)
    out = tmp_path / "b.zip"
    export(store, sid, sid, out)
    script = verifier(out, tmp_path / "v")
    ok = run_verifier(script, out)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    piece = store.get_json(entry["coverage"][0]["transcript"])["stdout"]["chunks"][5]
    bad = tmp_path / "bad.zip"
    rewrite(out, bad, lambda f: f.pop(f"objects/{piece}"))
    broken = run_verifier(script, bad)
    assert broken.returncode != 0 and "piece of transcript" in broken.stdout + broken.stderr


def test_rederive_skips_what_another_collector_version_wrote(tmp_path: Path) -> None:
    """Rows of an older collector version are not re-derived with today's parsers (a column
    added since would read as a mismatch): skipped, and said why."""
    from proofshot.scan.rederive import rederive

    store = Store.create(tmp_path / "store")
    res = TargetResult(name="files", type="smb", collector="smb", collector_version="1",
                       tables=[TableResult(ITEMS, [row(1)], "ok", "", ())])
    w = store.writer()
    entry = target_entry(res, w, store.keys)
    scope = w.put_json({"scope": {"targets": [{"name": "files", "type": "smb", "host": "h"}]}})
    sid = store.commit(manifest_body("s", [entry], "0" * 64, scope, None, "t", {}), w)
    rep = rederive(store, sid)
    assert rep.problems == [] and rep.skipped == [
        "files: collected by smb 1; this version re-derives smb 2"]


def test_scan_summary_counts_large_tables_as_read(tmp_path: Path) -> None:
    """The summary line of a file server: its sorted tables are read, with their rows."""
    from proofshot.cli.scan import summary

    srt = Sorter(tmp_path, "r", partial(row_pair, ITEMS, keyed_hash=kh))
    for i in (1, 2, 3, 3):
        srt.add_row(ITEMS.validate(row(i)))
    res = TargetResult(name="files", type="smb", status="ok", tables=[
        TableResult(ITEMS, None, "ok", "", (), sorted=srt),
        TableResult(ITEMS, [row(9)], "ok", "", ()),
        TableResult(ITEMS, None, "refused", "no", ())])
    assert list(srt.pairs()) and srt.dupes == 1  # as the commit reads them
    (name, _status, tables, rows, _t, _why), = summary([res])
    assert (name, tables, rows) == ("files", "2/3", "4")


def test_a_long_streamed_answer_says_it_is_moving(tmp_path: Path) -> None:
    told: list[int] = []
    sp = Spool(tmp_path / "q.out", kh, on_lines=told.append)
    for i in range(2500):
        sp.write(f'{{"p":"/d{i}","d":1}}\n'.encode())
    sp.close()
    assert told == [1000, 2000] and sp.writes == 2500
