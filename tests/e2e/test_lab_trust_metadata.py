"""--trust-metadata over SSH, against a real lab host (as `audit`, sudo -n): the paths the client
chooses go to files_sha256 and files_text on stdin over the SSH channel.

A small tree is planted inside the host (a root-only directory, a name with a blank, a file with a
password), scanned (`files: [TREE]`), then one file is modified (the password changed), one
chmod-ed, one added and one deleted, and the host rescanned with --trust-metadata. Checked: the
diff holds exactly those changes in the tree; files_sha256's stdin (in the transcript) names only
the modified, chmod-ed and new files; the manifest says trust-metadata, reused from the first
snapshot; `verify --rederive` passes; neither password is in the store in clear.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from proofshot.store.api import open_store
from proofshot.store.reader import open_snapshot
from tests.lab import Lab
from tests.storebytes import everything as store_everything

pytestmark = pytest.mark.lab

TREE = "/etc/ps-trust-e2e"
OLD_PW = "Tr0stOld-5f1c9a"
NEW_PW = "Tr0stNew-8d2e7b"
N_PLAIN = 8


def cli(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PROOFSHOT_STORE"}
    return subprocess.run([sys.executable, "-m", "proofshot", *args, "--store", str(store)],
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def scan(store: Path, scope: Path, label: str, *extra: str) -> str:
    p = cli(store, "scan", str(scope), "--label", label, *extra)
    assert p.returncode in (0, 3), p.stderr[-3000:]
    sid = p.stdout.strip().splitlines()[-1]
    assert len(sid) == 64, p.stdout
    return sid


@pytest.fixture(scope="module")
def run(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    h = lab.host(1)
    work = tmp_path_factory.mktemp("trust-ssh")
    store, scope = work / "store", work / "scope.yaml"
    scope.write_text("defaults: {timeout: 60}\ntargets:\n"
                     f"  - name: h1\n    type: ssh\n    host: {h.ip}\n    user: audit\n"
                     f"    key: {lab.client_key}\n    sudo: true\n    files: [{TREE}]\n")
    h.exec(["rm", "-rf", TREE], check=True)
    h.exec(["install", "-d", "-m", "0755", TREE, f"{TREE}/sub"], check=True)
    h.exec(["install", "-d", "-m", "0700", f"{TREE}/private"], check=True)  # sudo only
    try:
        for i in range(N_PLAIN):
            h.write_file(f"{TREE}/sub/f{i}.conf", f"setting{i} = {i}\n")
        h.write_file(f"{TREE}/sub/with blank.conf", "blank = yes\n")
        h.write_file(f"{TREE}/app.conf", f"user=app\npassword={OLD_PW}\n")
        h.write_file(f"{TREE}/private/key.conf", "private = 1\n", 0o600)
        assert cli(store, "init").returncode == 0
        before = scan(store, scope, "before")
        # the work: modified (the password), chmod (a name with a blank), added (in the root-only
        # directory), deleted
        h.write_file(f"{TREE}/app.conf", f"user=app\npassword={NEW_PW}\n")
        h.exec(["chmod", "0600", f"{TREE}/sub/with blank.conf"], check=True)
        h.write_file(f"{TREE}/private/new.conf", "new = 1\n", 0o600)
        h.exec(["rm", f"{TREE}/sub/f3.conf"], check=True)
        after = scan(store, scope, "after", "--trust-metadata")
        d = cli(store, "diff", before, after, "--json")
        assert d.returncode == 0, d.stderr[-2000:]
        verify = cli(store, "verify", "--rederive", "--json")
        yield {"store": store, "before": before, "after": after,
               "diff": json.loads(d.stdout), "verify": verify}
    finally:
        h.exec(["rm", "-rf", TREE])


def test_diff_holds_exactly_the_planted_changes(run: dict[str, Any]) -> None:
    assert run["diff"]["unverifiable"] == []
    found: dict[str, set[str]] = {"added": set(), "removed": set(), "changed": set()}
    cols = {}
    for c in run["diff"]["changes"]:
        if c["table"] == "files" and c["key"]["path"].startswith(TREE):
            found[c["kind"]].add(c["key"]["path"])
            cols[c["key"]["path"]] = set(c.get("columns") or ())
    assert found == {"changed": {f"{TREE}/app.conf", f"{TREE}/sub/with blank.conf"},
                     "added": {f"{TREE}/private/new.conf"},
                     "removed": {f"{TREE}/sub/f3.conf"}}
    assert "sha256" in cols[f"{TREE}/app.conf"]  # read again over SSH: the new hash
    assert "mode" in cols[f"{TREE}/sub/with blank.conf"]
    assert "sha256" not in cols[f"{TREE}/sub/with blank.conf"]  # same content, same hash


def test_only_new_and_changed_files_were_read_over_ssh(run: dict[str, Any]) -> None:
    st = open_store(run["store"])
    try:
        snap = open_snapshot(st, run["after"])
        (t,) = snap.targets
        sha = snap.transcript(next(c for c in t.coverage if c.query == "files_sha256"))
        text = snap.transcript(next(c for c in t.coverage if c.query == "files_text"))
        entry = t.tables["files"].extra
        rows = {r["path"]: r for r in snap.rows(t, "files") if r["path"].startswith(TREE)}
    finally:
        st.close()
    asked = sorted(p.decode() for p in (sha.stdin or b"").split(b"\0") if p)
    assert asked == sorted([f"{TREE}/app.conf", f"{TREE}/sub/with blank.conf",
                            f"{TREE}/private/new.conf"])
    assert sha.sudo and text.stdin == sha.stdin
    assert sha.stdout.count(b"\0") == 3  # each one hashed on the host (root-only one via sudo)
    assert entry["hashes"] == {"mode": "trust-metadata", "reused_from": run["before"],
                               "reused": N_PLAIN - 1 + 1, "read": 3}  # + key.conf
    # reused rows keep their hash and text; the root-only new file got its hash through sudo
    assert rows[f"{TREE}/sub/f0.conf"]["text"] == "setting0 = 0\n"
    new_app = f"user=app\npassword={NEW_PW}\n".encode()
    assert rows[f"{TREE}/app.conf"]["sha256"] == hashlib.sha256(new_app).hexdigest()
    assert rows[f"{TREE}/private/new.conf"]["sha256"] == hashlib.sha256(b"new = 1\n").hexdigest()
    assert all(len(rows[p]["sha256"] or "") == 64 for p in rows if rows[p]["type"] == "file")


def test_rederive_passes(run: dict[str, Any]) -> None:
    p = run["verify"]
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
    by = {r["snapshot"]: r for r in json.loads(p.stdout)["rederived"]}
    for sid in (run["before"], run["after"]):
        assert by[sid]["tables"] > 20 and by[sid]["matched"] == by[sid]["tables"], by[sid]


def test_password_not_in_the_store_in_clear(run: dict[str, Any]) -> None:
    raw = store_everything(run["store"])
    assert b"ps-trust-e2e/app.conf" in raw  # the search looks at the right bytes
    for pw in (OLD_PW, NEW_PW):
        assert pw.encode() not in raw


def test_text_over_ssh_with_sudo_stays_with_files_text(run: dict[str, Any]) -> None:
    """As `audit` with sudo -n, the walker runs as root reached by sudo (SUDO_UID is audit's):
    it reads the ACLs (getfacl answers nothing, exit 5) but keeps no text: files_text ran as
    audit, as it always did, and its text is in the rows."""
    from proofshot.collectors.linux.parsers import files as fparse
    from proofshot.collectors.linux.queries import SKIPPED

    st = open_store(run["store"])
    try:
        snap = open_snapshot(st, run["before"])
        (t,) = snap.targets
        got = {c.query: snap.transcript(c) for c in t.coverage
               if c.query in ("files_meta", "files_text", "getfacl")}
        rows = {r["path"]: r for r in snap.rows(t, "files") if r["path"].startswith(TREE)}
    finally:
        st.close()
    meta = got["files_meta"]
    _, acls, text, flags = fparse.split_walk(meta.stdout.decode("utf-8", "surrogateescape"))
    assert meta.sudo and acls is not None and text is None and flags == "a"
    assert got["getfacl"].exit_code == SKIPPED and got["getfacl"].stdout == b""
    assert got["files_text"].exit_code == 0 and not got["files_text"].sudo
    assert f"{TREE}/sub/f0.conf".encode() in got["files_text"].stdout
    assert rows[f"{TREE}/sub/f0.conf"]["text"] == "setting0 = 0\n"
