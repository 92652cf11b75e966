"""One job flow through the real commands: `engagement start` makes the job current, every scan
while it is current is linked (first before, later after, or --role), `report` with no snapshot
reports that job, the record stays readable after close, items are named by label, a kept item
with a due date stays on the overdue list, and `engagement list` shows ids that stay unique."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proofshot.engagement.model import load, unique_prefixes
from proofshot.store.embedded import Store
from tests.cli.test_errors import ps


@pytest.fixture
def store(tmp_path: Path) -> Path:
    s = tmp_path / "store"
    assert ps("init", "--store", str(s)).returncode == 0
    return s


def run(store: Path, *args: str, code: int = 0) -> str:
    proc = ps(*args, "--store", str(store))
    assert proc.returncode == code, proc.stdout + proc.stderr
    return proc.stdout.strip() if code == 0 else proc.stderr


def scan(store: Path, scope: Path, *args: str) -> str:
    proc = ps("scan", str(scope), *args, "--store", str(store))
    assert proc.returncode in (0, 3), proc.stderr
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture
def scope(tmp_path: Path) -> Path:
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "a.conf").write_text("x=1\n")
    p = tmp_path / "scope.yaml"
    p.write_text(f"targets:\n  - name: here\n    type: local\n    files: [{tmp_path}/tree]\n")
    return p


def test_scans_join_the_current_job_and_report_needs_no_ids(store: Path, scope: Path,
                                                            tmp_path: Path) -> None:
    outside = scan(store, scope, "--label", "unrelated")  # no engagement: nothing linked
    eid = run(store, "engagement", "start", "Firewall migration", "--customer", "Muster GmbH")
    before = scan(store, scope, "--label", "before")
    (tmp_path / "tree" / "a.conf").write_text("x=2\n")
    after1 = scan(store, scope, "--label", "after")
    (tmp_path / "tree" / "b.conf").write_text("y=1\n")
    after2 = scan(store, scope, "--label", "after")
    control = scan(store, scope, "--role", "control")
    control2 = scan(store, scope, "--role", "control")
    eng = load(Store.open(store), eid)
    assert eng.links == {"before": before, "after": after2, "control": control,
                         "control-after": control2}
    assert outside not in eng.scans and {before, after1, after2} <= set(eng.scans)
    # the second 'after' warned at scan time, and after~1 names the first one
    st = Store.open(store)
    assert st.resolve("after~1") == after1 and st.resolve("after~0") == after2
    assert "after~2" in run(store, "show", "after~2", code=2)
    # report with no snapshots: the current job's before and last after, with its record
    html = tmp_path / "job.html"
    assert run(store, "report", "--out", str(html), "--lang", "en") == str(html)
    text = html.read_text()
    assert "Firewall migration" in text and before in text and after2 in text
    assert "b.conf" in text and "Control pair" in text  # the last after, not the first
    # a report of snapshots the engagement names includes it without --engagement
    html2 = tmp_path / "named.html"
    run(store, "report", before[:12], after1[:12], "--out", str(html2), "--lang", "en")
    assert "Firewall migration" in html2.read_text()
    # after close: show still works, and scans no longer join it
    run(store, "engagement", "close")
    shown = json.loads(run(store, "engagement", "show", "--json"))
    assert shown["id"] == eid and shown["closed"]
    later = scan(store, scope, "--label", "later")
    assert later not in load(Store.open(store), eid).scans
    assert "no current engagement" in run(store, "scan", str(scope), "--role", "after", code=2)


def test_label_used_twice_warns(store: Path, scope: Path) -> None:
    first = scan(store, scope, "--label", "x")
    proc = ps("scan", str(scope), "--label", "x", "--json", "--store", str(store))
    assert proc.returncode in (0, 3)
    doc = json.loads(proc.stdout)
    assert doc["snapshot"] != first and doc["engagement"] is None
    assert [t["name"] for t in doc["targets"]] == ["here"] and doc["targets"][0]["rows"] > 0
    assert "label 'x' already names snapshot" in proc.stderr and "'x~1'" in proc.stderr


def test_items_by_label_kept_until_a_date_and_unique_ids(store: Path) -> None:
    run(store, "engagement", "start", "Job", "--customer", "C")
    run(store, "engagement", "item", "receive", "Office key #3", "--from", "Meier")
    run(store, "engagement", "item", "receive", "Access card 17", "--from", "Roth")
    run(store, "engagement", "item", "return", "office key #3", "--to", "Meier")
    run(store, "engagement", "item", "kept", "Access card 17", "--reason",
        "follow-up visit", "--due", "2001-01-01")
    items = json.loads(run(store, "engagement", "items", "--json"))
    states = {i["label"]: (i["state"], i["overdue"]) for i in items}
    assert states == {"Office key #3": ("returned", False), "Access card 17": ("kept", True)}
    overdue = json.loads(run(store, "engagement", "items", "--overdue", "--json"))
    assert [i["label"] for i in overdue] == ["Access card 17"]
    # a label that names no item is bad input
    assert "no entrusted item" in run(store, "engagement", "item", "lost", "Nothing", "--reason",
                                      "x", code=2)
    # engagement list: every id shown is a unique prefix of at least 7 characters
    run(store, "engagement", "start", "Second", "--customer", "D")
    listed = run(store, "engagement", "list")
    ids = [g["id"] for g in json.loads(run(store, "engagement", "list", "--json"))]
    for full, prefix in unique_prefixes(ids).items():
        assert prefix in listed and full.startswith(prefix) and len(prefix) >= 7
        assert sum(i.startswith(prefix) for i in ids) == 1


def test_unique_prefixes_grow_where_ids_share_a_start() -> None:
    ids = ["abcdef0123", "abcdef0199", "ffff000000"]
    assert unique_prefixes(ids) == {"abcdef0123": "abcdef012", "abcdef0199": "abcdef019",
                                    "ffff000000": "ffff000"}
