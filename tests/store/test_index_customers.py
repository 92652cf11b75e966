"""The directory store's index knows each snapshot's customer (as the team store does), also
for an index written before it had the column."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from proofshot.store.embedded import Store
from tests.synth import commit, row


def test_customer_in_the_index_also_after_an_upgrade(tmp_path: Path) -> None:
    s = Store.create(tmp_path / "s")
    commit(s, "a", {"h": {"items": [row(1)]}}, customer="Muster GmbH")
    commit(s, "b", {"h": {"items": [row(2)]}})
    assert [i.customer for i in s.snapshots()] == ["Muster GmbH", ""]
    s.close()
    db = sqlite3.connect(tmp_path / "s" / "index.sqlite")  # as an older proofshot wrote it
    db.executescript("CREATE TABLE old AS SELECT id, seq, label, created, prev FROM snapshots;"
                     "DROP TABLE snapshots; ALTER TABLE old RENAME TO snapshots;")
    db.close()
    again = Store.open(tmp_path / "s")
    assert [i.customer for i in again.snapshots()] == ["Muster GmbH", ""]
    again.close()


def test_snapshots_lists_one_customer(tmp_path: Path) -> None:
    import json

    from tests.cli.test_errors import ps

    s = Store.create(tmp_path / "s")
    commit(s, "a", {"h": {"items": [row(1)]}}, customer="A")
    commit(s, "b", {"h": {"items": [row(2)]}}, customer="B")
    proc = ps("snapshots", "--customer", "B", "--json", "--store", str(s.root))
    assert proc.returncode == 0, proc.stderr
    assert [(r["label"], r["customer"]) for r in json.loads(proc.stdout)] == [("b", "B")]
