"""Capture and replay: `proofshot capture` of this machine, then a `type: replay` scan of the
capture gives exactly the rows the capture's own scan built (same masked answers, same
parsers), and the capture holds no secret in clear."""

from __future__ import annotations

import json
from pathlib import Path

from proofshot.model.table import Table
from proofshot.scan.capture import capture
from proofshot.scan.scope import LocalTarget, ReplayTarget, Scope
from proofshot.scan.service import scan
from proofshot.store.embedded import Store
from proofshot.views.snapshot import load

SECRET = "CaptureSecret-5d1e"


def _canon(table: Table, rows: list[dict[str, object]]) -> list[str]:
    return sorted(json.dumps(table.validate(r), sort_keys=True) for r in rows)


def test_local_capture_replays_to_the_same_rows(tmp_path: Path) -> None:
    tree = tmp_path / "etc-like"
    tree.mkdir()
    (tree / "app.conf").write_text(f"host=db\npassword={SECRET}\n")
    (tree / "plain.txt").write_text("hello\n")
    store = Store.create(tmp_path / "store")
    local = LocalTarget(name="here", type="local", files=[str(tree)])
    results = capture(store, Scope(targets=[local]), tmp_path / "cap")
    (res,) = results
    assert res.status in ("ok", "partial") and res.answers
    meta = json.loads((tmp_path / "cap" / "here" / "capture.json").read_text())
    assert meta["collector"] == "linux" and meta["options"]["files"] == [str(tree)]
    assert all(q["id"] and q["argv"] for q in meta["queries"])
    captured = b"".join(p.read_bytes() for p in (tmp_path / "cap").rglob("*") if p.is_file())
    assert SECRET.encode() not in captured  # masked as in the store

    replay = ReplayTarget(name="here", type="replay", path=str(tmp_path / "cap" / "here"))
    out = scan(store, Scope(targets=[replay]), "replayed")
    (rr,) = out.results
    assert rr.status == res.status and rr.collector == "linux"
    snap = load(store, out.snapshot)
    direct = {t.table.name: t for t in res.tables if t.rows is not None}
    assert direct and set(snap.targets["here"].tables) == set(direct)
    for name, tr in direct.items():
        assert _canon(tr.table, snap.targets["here"].rows(name)) == _canon(
            tr.table, tr.rows or []), name
    assert any(r["path"].endswith("app.conf") for r in snap.targets["here"].rows("files"))


def test_replay_of_a_missing_query_is_coverage_not_a_crash(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "store")
    local = LocalTarget(name="here", type="local", files=[str(tmp_path)])
    capture(store, Scope(targets=[local]), tmp_path / "cap")
    meta_path = tmp_path / "cap" / "here" / "capture.json"
    meta = json.loads(meta_path.read_text())
    dropped = meta["queries"].pop(0)["id"]
    meta_path.write_text(json.dumps(meta))
    replay = ReplayTarget(name="here", type="replay", path=str(tmp_path / "cap" / "here"))
    out = scan(store, Scope(targets=[replay]), "replayed")
    (rr,) = out.results
    assert rr.answers[dropped].error == f"replay: query {dropped} is not in the capture"
