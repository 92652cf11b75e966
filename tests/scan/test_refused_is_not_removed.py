"""No false change: a table whose query was refused in the second snapshot is "not observed",
never "every row removed". A real local scan (the scan service, real subprocesses); in the
second scan `ss` answers as a tool does that may not read the sockets ("Permission denied",
exit 1), through a shim first on the local transport's PATH.

Checked through the contracts only (`show --json`, `diff --json`), so the test holds whatever
the store records for a failed table. A scan that stored the refused table as an empty one
(the mutation of issue 18) fails it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from proofshot.scan.scope import load_scope
from proofshot.scan.service import scan
from proofshot.store.embedded import Store
from proofshot.transports import local

SS_TABLES = {"listening", "connections"}  # the tables built from `ss`


def cli(store: Path, *args: str) -> Any:
    proc = subprocess.run([sys.executable, "-m", "proofshot", *args, "--json", "--store",
                           str(store)], capture_output=True, text=True, timeout=300,
                          env=os.environ.copy())
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_refused_table_is_unverifiable_not_removed(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.conf").write_text("x=1\n")
    scope_file = tmp_path / "scope.yaml"
    scope_file.write_text(f"targets:\n  - {{name: here, type: local, files: ['{tree}']}}\n")
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "ss").write_text("#!/bin/sh\necho 'ss: Permission denied' >&2\nexit 1\n")
    (shims / "ss").chmod(0o755)

    store = Store.create(tmp_path / "store")
    listener = socket.socket()  # so the table has a row to lose on any machine
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    try:
        before = scan(store, load_scope(scope_file), "before")
        monkeypatch.setitem(local._ENV, "PATH", f"{shims}:{local._ENV['PATH']}")
        after = scan(store, load_scope(scope_file), "after")
    finally:
        store.close()
        port = listener.getsockname()[1]
        listener.close()
    (a,) = after.results
    assert a.status == "partial" and not after.complete  # `scan` exits 3 on this

    shown_before = cli(tmp_path / "store", "show", before.snapshot)["targets"][0]
    shown_after = cli(tmp_path / "store", "show", after.snapshot)["targets"][0]
    assert set(shown_before["tables"]) >= SS_TABLES, "ss must work here for the test to mean it"
    assert any(r["port"] == port for r in shown_before["tables"]["listening"])
    assert shown_after["status"] == "partial"
    # not read is not "read and empty"
    assert not SS_TABLES & set(shown_after["tables"]), {
        t: shown_after["tables"][t] for t in SS_TABLES & set(shown_after["tables"])}

    # refused in the second snapshot, and (the same pair the other way) in the first: never
    # "every row removed", nor "every row added"
    for a, b in ((before.snapshot, after.snapshot), (after.snapshot, before.snapshot)):
        d = cli(tmp_path / "store", "diff", a, b)
        assert [c for c in d["changes"] if c["table"] in SS_TABLES] == []
        unverifiable = {(u["target"], u["table"]) for u in d["unverifiable"]}
        assert {("here", t) for t in SS_TABLES} <= unverifiable, d["unverifiable"]
        assert not any(u["table"] in SS_TABLES for u in d["unchanged"])
