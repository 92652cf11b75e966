"""--trust-metadata (scope option trust_metadata) on real local scans of a temp tree.

One store, scanned four times with the proofshot command: `before` (default: every file read),
the planted changes (content modified, chmod, added, deleted, and a same-size rewrite whose mtime
is put back with touch -d), `after` with --trust-metadata, `again` with the scope option and no
change in between, and `full` in the default mode. Checked: the trust scan finds exactly the
planted changes, its files_sha256 query read only the files whose identity changed (its stdin,
kept in the transcript), the others' hashes were reused from `before`, the manifest, show and
diff json and the report (en, de) say so, `verify --rederive` re-derives every table, and the
default mode is as before (every file read in one walk).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from proofshot.collectors.linux import queries
from proofshot.collectors.linux.parsers import files as fparse
from proofshot.store.api import open_store
from proofshot.store.reader import open_snapshot

N_FILES = 60


def ps(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "proofshot", *args], capture_output=True,
                          text=True, timeout=300, check=False)


def scan(scope: Path, store: Path, label: str, *extra: str) -> str:
    p = ps("scan", str(scope), "--store", str(store), "--label", label, *extra)
    assert p.returncode in (0, 3), p.stderr[-2000:]
    return p.stdout.strip().splitlines()[-1]


def tree_changes(diff: dict[str, Any], tree: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"added": set(), "removed": set(), "changed": set()}
    for c in diff["changes"]:
        if c["table"] == "files" and c["key"]["path"].startswith(f"{tree}/"):
            found[c["kind"]].add(c["key"]["path"])
    return found


def sha_query(store: Path, sid: str) -> tuple[list[str], dict[str, Any]]:
    """The paths files_sha256 was asked to read (its stdin, from the transcript; files_text
    was asked the same) and the files table's manifest entry."""
    st = open_store(store)
    try:
        snap = open_snapshot(st, sid)
        (t,) = snap.targets
        cov = next(c for c in t.coverage if c.query == "files_sha256")
        ans = snap.transcript(cov)
        asked = [p.decode() for p in (ans.stdin or b"").split(b"\0") if p]
        text = snap.transcript(next(c for c in t.coverage if c.query == "files_text"))
        assert text.stdin == ans.stdin
        entry = {**t.tables["files"].extra, "sources": t.tables["files"].sources}
        return asked, entry
    finally:
        st.close()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("trust")
    tree, store = work / "tree", work / "store"
    (tree / "a").mkdir(parents=True)
    paths = []
    for i in range(N_FILES):
        p = tree / "a" / f"f{i:02d}.conf"
        p.write_text(f"setting{i} = {i}\n")
        paths.append(p)
    old = 1_700_000_000
    os.utime(paths[5], (old, old))
    scope = work / "scope.yaml"
    scope.write_text(f"targets:\n  - name: box\n    type: local\n    files: [{tree}]\n")
    scope_opt = work / "scope-trust.yaml"
    scope_opt.write_text(f"targets:\n  - name: box\n    type: local\n    files: [{tree}]\n"
                         "    trust_metadata: true\n")
    assert ps("init", "--store", str(store)).returncode == 0
    before = scan(scope, store, "before")

    # the work: content (two files), mode, added, deleted, and a same-size rewrite whose mtime
    # is put back (touch -d): its ctime still moves, so the identity differs
    paths[0].write_text("setting0 = changed\n")
    paths[1].write_text("setting1 = 1\nmore = yes\n")
    paths[2].chmod(0o600)
    (tree / "a" / "new.conf").write_text("new = 1\n")
    paths[3].unlink()
    paths[5].write_text("setting5 = X\n")  # same size as "setting5 = 5\n"
    os.utime(paths[5], (old, old))
    planted = {
        "changed": {str(paths[i]) for i in (0, 1, 2, 5)},
        "added": {str(tree / "a" / "new.conf")},
        "removed": {str(paths[3])},
    }
    after = scan(scope, store, "after", "--trust-metadata")
    again = scan(scope_opt, store, "again")  # the scope option; nothing changed since `after`
    full = scan(scope, store, "full")  # the default mode, unchanged
    out: dict[str, Any] = {"work": work, "tree": tree, "store": store, "planted": planted,
                           "before": before, "after": after, "again": again, "full": full}
    for name, a, b in (("diff", "before", "after"), ("diff_full", "before", "full"),
                       ("diff_again", "after", "again")):
        p = ps("diff", a, b, "--json", "--store", str(store))
        assert p.returncode == 0, p.stderr[-2000:]
        out[name] = json.loads(p.stdout)
    p = ps("show", "after", "--json", "--store", str(store))
    assert p.returncode == 0, p.stderr[-2000:]
    out["show"] = json.loads(p.stdout)
    out["verify"] = ps("verify", "--rederive", "--json", "--store", str(store))
    for lang in ("en", "de"):
        html = work / f"report-{lang}.html"
        p = ps("report", "before", "after", "--out", str(html), "--lang", lang, "--store",
               str(store))
        assert p.returncode == 0, p.stderr[-2000:]
        out[f"report_{lang}"] = html.read_text()
    return out


def test_trust_mode_finds_exactly_the_planted_changes(run: dict[str, Any]) -> None:
    assert tree_changes(run["diff"], run["tree"]) == run["planted"]
    # the same as the default mode finds
    assert tree_changes(run["diff_full"], run["tree"]) == run["planted"]
    # unchanged files keep their text and hash (taken from `before`): rows equal to the
    # default mode's
    st = open_store(run["store"])
    try:
        rows = {}
        for sid in ("after", "full"):
            snap = open_snapshot(st, st.resolve(sid))
            (t,) = snap.targets
            rows[sid] = [r for r in snap.rows(t, "files")
                         if r["path"].startswith(str(run["tree"]))]
    finally:
        st.close()
    assert rows["after"] == rows["full"]
    by = {r["path"]: r for r in rows["after"]}
    assert by[str(run["tree"] / "a" / "f10.conf")]["text"] == "setting10 = 10\n"
    by_path = {c["key"]["path"]: c for c in run["diff"]["changes"] if c["table"] == "files"}
    f0 = by_path[str(run["tree"] / "a" / "f00.conf")]
    assert "sha256" in f0["columns"] and f0["after"]["text"] == "setting0 = changed\n"
    f5 = by_path[str(run["tree"] / "a" / "f05.conf")]
    assert set(f5["columns"]) == {"sha256", "text"}  # seen in trust mode too: ctime moved


def test_only_files_with_a_new_identity_were_read(run: dict[str, Any]) -> None:
    asked, entry = sha_query(run["store"], run["after"])
    tree = run["tree"]
    # modified (2), chmod (ctime), touch -d rewrite (ctime), added: nothing else was read
    assert sorted(asked) == sorted(str(tree / "a" / n) for n in
                                   ("f00.conf", "f01.conf", "f02.conf", "f05.conf", "new.conf"))
    h = entry["hashes"]
    assert h == {"mode": "trust-metadata", "reused_from": run["before"],
                 "reused": N_FILES - 1 - 4, "read": 5}
    # the table rests on the same sources as a default-mode one: the diff compares them
    assert sorted(entry["sources"]) == ["files_meta", "files_sha256", "files_text"]


def test_rescan_with_the_scope_option_reads_nothing(run: dict[str, Any]) -> None:
    asked, entry = sha_query(run["store"], run["again"])
    assert asked == []
    assert entry["hashes"]["mode"] == "trust-metadata"
    assert entry["hashes"]["reused_from"] == run["after"]  # the latest snapshot of the target
    assert entry["hashes"]["reused"] == N_FILES  # 59 + new.conf
    assert tree_changes(run["diff_again"], run["tree"]) == {"added": set(), "removed": set(),
                                                            "changed": set()}


def test_default_mode_reads_every_file_in_one_walk(run: dict[str, Any]) -> None:
    asked, entry = sha_query(run["store"], run["full"])
    assert asked == [] and entry["hashes"] == {"mode": "full"}
    st = open_store(run["store"])
    try:
        snap = open_snapshot(st, run["full"])
        (t,) = snap.targets
        cov = next(c for c in t.coverage if c.query == "files_meta")
        meta = snap.transcript(cov)
        assert meta.argv[2] == queries._FILES_META  # not _FILES_META_ONLY
        assert meta.stdout.startswith(fparse.WALK_HEADER.encode())
        sha = next(c for c in t.coverage if c.query == "files_sha256")
        assert snap.transcript(sha).stdout == b""  # the walker hashed every file
        rows = {r["path"]: r for r in snap.rows(t, "files")}
    finally:
        st.close()
    assert all(r["sha256"] for r in rows.values() if r["type"] == "file" and
               r["path"].startswith(str(run["tree"])))


def test_rederive_passes(run: dict[str, Any]) -> None:
    p = run["verify"]
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
    doc = json.loads(p.stdout)
    by = {r["snapshot"]: r for r in doc["rederived"]}
    for sid in (run["after"], run["again"], run["before"]):
        assert by[sid]["tables"] > 20 and by[sid]["matched"] == by[sid]["tables"], by[sid]


def test_mode_in_show_diff_and_report(run: dict[str, Any]) -> None:
    (t,) = run["show"]["targets"]
    h = t["hashes"]["files"]
    assert h["mode"] == "trust-metadata" and h["reused_from"] == run["before"]
    assert f"hashes reused from snapshot {run['before'][:12]} for {N_FILES - 5} files" in h[
        "text"]
    sides = {(x["side"], x["mode"]) for x in run["diff"]["hashes"] if x["table"] == "files"}
    assert sides == {("from", "full"), ("to", "trust-metadata")}
    en, de = run["report_en"], run["report_de"]
    assert "How file contents were checked" in en
    assert f"hashes reused from snapshot {run['before'][:12]} for {N_FILES - 5} files whose " \
           "identity" in en
    assert "every regular file was read and hashed" in en
    assert "is not seen; a full hash (the default) sees it" in en
    assert "Resetting only the mtime (touch -d) is seen" in en
    assert "Wie Dateiinhalte geprüft wurden" in de
    assert f"Hashes aus Snapshot {run['before'][:12]} übernommen für {N_FILES - 5} Dateien" in de


def test_blind_spot_same_identity_other_content() -> None:
    """What trust mode cannot see: a file whose content changed while device, inode, size,
    mtime and ctime stayed (the clock set back, a write to the raw device). Shown on the pure
    builder: the previous snapshot's identity equals today's, its hash is another; the default
    mode (the walker's own hash) has today's content, trust mode keeps the old hash."""
    today = "e" * 64
    old = "0" * 64
    ident = "2049:12345:1700000000000000000"
    rec = ["f", "/etc/app.conf", "644", "root", "root", "10", "", "1700000000.0000000000"]
    full = "psw2\0" + "\0".join([*rec, today, ident]) + "\0"
    meta_only = "psw2\0" + "\0".join([*rec, "", ident]) + "\0"
    (row,) = fparse.files(full, "", None, 65536)
    assert row["sha256"] == today  # default: read, the change is seen
    last = fparse.Prior("s" * 64, {"/etc/app.conf": (f"{ident}/10/1700000000.0000000000", old,
                                                      None)})
    assert fparse.to_read(meta_only, last) == []  # trust: not read
    rows, reused, read = fparse.files_trusted(meta_only, "", None, 65536, last)
    assert (rows[0]["sha256"], reused, read) == (old, 1, 0)  # ... and the change is missed


def test_another_customers_snapshot_lends_no_hashes(run: dict[str, Any]) -> None:
    """The same target name under another customer is another machine: a trust scan for it
    finds no earlier snapshot of its own customer and reads every file."""
    from proofshot.collectors.linux.collector import FULL_AFTER_TRUST

    work, tree, store = run["work"], run["tree"], run["store"]
    other = work / "scope-other.yaml"
    other.write_text(f"customer: Other AG\ntargets:\n  - name: box\n    type: local\n"
                     f"    files: [{tree}]\n    trust_metadata: true\n")
    sid = scan(other, store, "other")
    asked, entry = sha_query(store, sid)
    assert entry["hashes"] == {"mode": "full", "note": FULL_AFTER_TRUST}
    assert asked == []  # no phase 2: the walk itself hashed every file, as in the default mode
