"""Memory stays flat: `show`, `access`, the report and the diff's views stream a large table.

Streaming must not change an answer: each test computes the answer the way it was computed
before (every row held: large LAZY_ROWS, no spill) and the streamed way (every table read
from the store per pass, grants sorted in runs of a few items on disk), and compares them.
The memory tests bound tracemalloc's peak far below what holding the table costs (measured
in the same test), so they cannot flake on a slow machine; timing is in bench/memory.py.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from proofshot import service
from proofshot.cli.app import build
from proofshot.collectors.linux.tables import FILES, GROUP_MEMBERS, POSIX_ACLS, SUDOERS
from proofshot.store.embedded import Store
from proofshot.views import access as access_view
from proofshot.views import snapshot as snapshot_view
from proofshot.views import spill
from proofshot.views.acl import components
from proofshot.views.grant import via_identity
from proofshot.views.pair import pair_of
from tests.synth import commit

TABLES = {"files": FILES, "group_members": GROUP_MEMBERS, "sudoers": SUDOERS,
          "posix_acls": POSIX_ACLS}
USERS = ("alice", "bob", "carol", "root")


def _file(i: int, changed: bool = False) -> dict[str, Any]:
    owner = USERS[i % 4]
    return FILES.validate({
        "path": f"/srv/d{i // 100:03d}/f{i:06d}", "type": "dir" if i % 50 == 0 else "file",
        "mode": "0600" if changed else ("0666" if i % 97 == 0 else "0664"), "owner": owner,
        "group": "staff" if i % 3 else "root", "size": i, "sha256": f"{i:064x}",
        "link_target": None, "text": "ä line\nnext" if i % 500 == 0 else None,
        "mtime": 1.7e9 + i})


def _tables(n: int, after: bool) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(n)
    changed = set(rng.sample(range(n), n // 100)) if after else set()
    gone = set(rng.sample(range(n), n // 200)) if after else set()
    members = [("staff", u) for u in USERS[:3]] + [("root", "root")] + \
        ([("staff", "dave")] if after else [])
    acl_paths = [f"/srv/d{i // 100:03d}/f{i:06d}" for i in range(0, n, 211)]
    return {
        "files": [_file(i, i in changed) for i in range(n) if i not in gone],
        "group_members": [GROUP_MEMBERS.validate({"group": g, "user": u, "via": "member"})
                          for g, u in members],
        "sudoers": [SUDOERS.validate({"file": "/etc/sudoers", "text": "%staff ALL=(ALL) ALL",
                                      "n": 1, "kind": "rule", "principal": "%staff",
                                      "line": 4})],
        "posix_acls": [POSIX_ACLS.validate({
            "path": p, "entry": entry, "kind": kind, "name": name, "default": False,
            "perms": "rwx", "effective": "r-x" if after and k % 2 else "rwx"})
            for k, p in enumerate(acl_paths)
            for entry, kind, name in (("user:bob", "user", "bob"), ("group:staff", "group",
                                                                   "staff"),
                                      ("mask", "mask", None))],
    }


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stream") / "s"
    st = Store.create(path)
    commit(st, "before", {"srv": _tables(3000, False)}, tables=TABLES)
    commit(st, "after", {"srv": _tables(3000, True)}, tables=TABLES)
    st.close()
    return path


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> None:
    """The way answers were computed before: every table held, every sort in memory."""
    monkeypatch.setattr(snapshot_view, "LAZY_ROWS", 10**9)
    monkeypatch.setattr(spill, "RUN", 10**9)


@pytest.fixture
def streamed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every table streamed from the store, every sort spilled in runs of 97 items."""
    monkeypatch.setattr(snapshot_view, "LAZY_ROWS", 0)
    monkeypatch.setattr(spill, "RUN", 97)


def _cli(store: Path, *args: str) -> str:
    res = CliRunner().invoke(build(), [*args, "--store", str(store)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    return res.output


def _both(monkeypatch: pytest.MonkeyPatch, fn: Any) -> tuple[Any, Any]:
    with monkeypatch.context() as m:
        m.setattr(snapshot_view, "LAZY_ROWS", 10**9)
        m.setattr(spill, "RUN", 10**9)
        before = fn()
    with monkeypatch.context() as m:
        m.setattr(snapshot_view, "LAZY_ROWS", 0)
        m.setattr(spill, "RUN", 97)
        after = fn()
    return before, after


def test_sorted_stream_is_sorted_and_stable() -> None:
    rng = random.Random(3)
    items = [(rng.randrange(50), i) for i in range(2000)]
    for run in (3, 97, 10**6):
        got = list(spill.sorted_stream(iter(items), key=lambda x: x[0], run=run))
        assert got == sorted(items, key=lambda x: x[0]), run  # ties keep their input order
    assert list(spill.sorted_stream(iter([]), key=lambda x: x, run=3)) == []


def test_show_json_streamed_is_the_text_it_was(store: Path) -> None:
    st = Store.open(store)
    whole = json.dumps(service.show(st, "before").to_json(), ensure_ascii=False)  # as before
    assert "ä line" in whole and len(json.loads(whole)["targets"][0]["tables"]["files"]) > 2900
    assert _cli(store, "show", "before", "--json") == whole + "\n"
    one = json.dumps(service.show(st, "after", "posix_acls").to_json(), ensure_ascii=False)
    assert _cli(store, "show", "after", "--json", "--table", "posix_acls") == one + "\n"


def test_show_table_prints_every_row(store: Path) -> None:
    text = _cli(store, "show", "before", "--table", "files")
    rows = service.show(Store.open(store), "before", "files").targets[0].tables["files"]
    assert f"srv / files: {len(rows)} rows" in text
    lines = [ln for ln in text.splitlines() if "/srv/" in ln]
    assert [re.search(r"/srv/\S+", ln)[0] for ln in lines] == [r["path"] for r in rows]  # type: ignore[index]
    cols = next(ln for ln in text.splitlines() if "sha256" in ln).split()
    assert cols == list(rows[0])  # the columns as the rows have them
    assert lines[5].split() == [str(rows[5][c]) for c in cols if rows[5][c] is not None]


def test_access_streamed_equals_held(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before, after = _both(monkeypatch, lambda: _cli(store, "access", "after", "--json"))
    assert before == after
    gs = json.loads(after)
    assert len(gs) > 3000 and any("POSIX ACL" in " ".join(g["via"]) for g in gs)
    text_b, text_a = _both(monkeypatch, lambda: _cli(store, "access", "after", "--principal",
                                                     "bob"))
    n_bob = sum(g["principal"] == "srv\\bob" for g in gs)
    assert text_b == text_a and n_bob and f"\n{n_bob} grants" in text_a


def _old_delta(a: Any, b: Any) -> dict[str, Any]:
    """The access delta as it was computed before: both sides' flattened grants in dicts."""
    def flat(gs: list[Any]) -> dict[Any, Any]:
        out = {}
        for g in gs:
            kind = "file" if g.resource.startswith("\\\\") else "ds"
            for r in g.rights:
                for c in components(r, kind):
                    out[(g.principal, g.resource, c, via_identity(g.via), g.target)] = g.via
        return out

    fa, fb = flat(access_view.grants(a)), flat(access_view.grants(b))
    group = access_view._group
    return {"gained": group(fb, fb.keys() - fa.keys()), "lost": group(fa, fa.keys() - fb.keys())}


def test_access_delta_streamed_equals_held(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    st = Store.open(store)

    def delta() -> tuple[dict[str, Any], dict[str, Any]]:
        p = pair_of(service.snapshot(st, "before"), service.snapshot(st, "after"))
        return access_view.access_delta(p.access_a, p.access_b), _old_delta(p.access_a,
                                                                             p.access_b)

    (held_new, held_old), (streamed_new, _) = _both(monkeypatch, delta)
    assert held_new["gained"] == held_old["gained"] and held_new["lost"] == held_old["lost"]
    assert streamed_new == held_new
    assert len(held_new["gained"]) > 10 and len(held_new["lost"]) > 10
    assert any(g["principal"] == "srv\\dave" for g in held_new["gained"])


def test_diff_json_and_report_streamed_equal_held(store: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    d_held, d_streamed = _both(monkeypatch, lambda: _cli(store, "diff", "before", "after",
                                                         "--json"))
    assert d_held == d_streamed and json.loads(d_held)["access"]["gained"]

    def docs() -> tuple[str, str]:
        out = tmp_path / "docs.html"
        _cli(store, "report", "before", "--out", str(out), "--lang", "en")
        html = re.sub(r"\d\d:\d\d:\d\d UTC", "TIME", out.read_text())  # when it was written
        return html, (tmp_path / "docs.files.csv").read_text()

    (html_held, csv_held), (html_streamed, csv_streamed) = _both(monkeypatch, docs)
    assert html_held == html_streamed and csv_held == csv_streamed
    assert len(list(csv.reader(io.StringIO(csv_held)))) == 3001  # header and every row


def _peak(fn: Any) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _sink(pieces: Iterator[Any]) -> None:
    for _ in pieces:
        pass


def test_memory_stays_flat_over_a_large_table(tmp_path: Path, streamed: None) -> None:
    """25k file rows: holding them costs ~18 MB; show --json's stream and the access view's
    sorted grants stay under a bound a few times smaller."""
    st = Store.create(tmp_path / "big")
    tables = _tables(25_000, False)
    commit(st, "big", {"srv": tables}, tables=TABLES)
    del tables
    shown = service.show(st, "big", stream=True)
    data = snapshot_view.load(st, st.resolve("big"), access_view.TABLES)

    whole = _peak(lambda: service.show(st, "big", "files").to_json())
    spill.RUN = 3000
    flat_show = _peak(lambda: _sink(shown.iter_json()))
    flat_access = _peak(lambda: _sink(access_view.iter_grants(data)))
    assert whole > 12_000_000, whole  # the table held
    assert flat_show < whole / 10, (flat_show, whole)
    assert flat_access < whole / 4, (flat_access, whole)


def test_evidence_report_cuts_long_change_lists_with_a_note(store: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    from proofshot.report import context

    st = Store.open(store)
    res = service.compare(st, "before", "after", job=False).diff
    n_files = sum(1 for c in res.changes if c.table == "files")
    assert n_files > 20
    monkeypatch.setattr(context, "MAX_CHANGES", 20)
    groups = {g["table"]: g for g in context.change_groups(res, set())}
    assert len(groups["files"]["changes"]) == 20 and groups["files"]["omitted"] == n_files - 20
    out = tmp_path / "ev.html"
    _cli(store, "report", "before", "after", "--out", str(out), "--lang", "en")
    assert f"{n_files - 20} more rows are not listed; proofshot diff lists them all" in \
        out.read_text()


def test_smb_acl_grants_streamed_equal_held(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A file server's ACL rows are grouped per folder as they stream (key order keeps a
    folder's entries together); folders without a DACL still come last, as before."""
    from proofshot.collectors.smb.tables import SMB_ACL, SMB_DIRS

    def ace(i: int, k: int) -> dict[str, Any]:
        sid = f"S-1-5-21-1-2-3-{1100 + (i + k) % 7}"
        kind = "deny" if k == 2 else "allow"
        mask = ("0x001301bf", "0x001200a9", "0x00000116")[k]
        return SMB_ACL.validate({
            "share": "public", "path": f"/d{i:04d}" + ("/Sub" if i % 5 == 0 else ""),
            "ace": f"{kind};OI|CI;{mask};{sid}", "type": kind, "trustee": sid,
            "trustee_sid": sid, "rights": ["read"], "mask": mask, "flags": "OI|CI",
            "inherited": False})

    acl_rows = [ace(i, k) for i in range(400) if i % 9 for k in range(1 + i % 3)]
    dirs = [SMB_DIRS.validate({"share": "public", "path": f"/d{i:04d}", "depth": 1,
                               "owner": None, "group": None, "protected": False,
                               "aces": None if i % 9 == 0 else 1, "error": None})
            for i in range(400)]
    st = Store.create(tmp_path / "smb")
    commit(st, "smb", {"fs": {"smb_acl": acl_rows, "smb_dirs": dirs}},
           tables={"smb_acl": SMB_ACL, "smb_dirs": SMB_DIRS})
    st.close()
    held, streamed = _both(monkeypatch, lambda: _cli(tmp_path / "smb", "access", "smb",
                                                     "--json"))
    assert held == streamed
    gs = json.loads(held)
    assert len(gs) > 400 and any(g["resource"].endswith("\\d0009") for g in gs)  # no DACL
