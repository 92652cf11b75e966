"""The job record through the real command: start, notes, links, entrusted items, refused
close, overdue items, and tampering found by verify (exit 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proofshot.engagement import record
from proofshot.engagement.model import load
from proofshot.store.embedded import Store
from tests.cli.test_errors import ps
from tests.synth import commit, row


@pytest.fixture
def store(tmp_path: Path) -> Path:
    s = tmp_path / "store"
    assert ps("init", "--store", str(s)).returncode == 0
    return s


def run(store: Path, *args: str, code: int = 0) -> str:
    proc = ps("engagement", *args, "--store", str(store))
    assert proc.returncode == code, proc.stdout + proc.stderr
    return proc.stdout.strip() if code == 0 else proc.stderr


def test_flow_refused_close_overdue_and_show(store: Path, tmp_path: Path) -> None:
    eid = run(store, "start", "Firewall migration", "--customer", "Muster GmbH",
              "--technician", "Anna Admin")
    assert len(eid) == 64
    run(store, "note", "rule 12 replaced")
    key = run(store, "item", "receive", "Office key #3, main entrance", "--from", "Mr Meier",
              "--due", "2001-02-03")
    card = run(store, "item", "receive", "Access card 17", "--from", "Ms Roth")
    # snapshots: taken before, linked afterwards (manifests stay untouched)
    st = Store.open(store)
    a = commit(st, "before", {"web1": {"items": [row(1)]}})
    b = commit(st, "after", {"web1": {"items": [row(1), row(2)]}})
    c1 = commit(st, "quiet-1", {"web1": {"items": [row(1)]}})
    c2 = commit(st, "quiet-2", {"web1": {"items": [row(1)]}})
    before = (store / "snapshots" / f"{a}.json").read_bytes()
    for role, sid in (("before", a[:10]), ("after", "after"), ("control", c1),
                      ("control-after", c2)):
        run(store, "link", role, sid, "--engagement", eid[:8])
    assert (store / "snapshots" / f"{a}.json").read_bytes() == before
    # overdue: the key (due 2001), not the card (no due date)
    overdue = json.loads(run(store, "items", "--overdue", "--json"))
    assert [i["id"] for i in overdue] == [key]
    assert overdue[0]["received_from"] == "Mr Meier" and overdue[0]["overdue"]
    # closing with items held is refused and names them
    err = run(store, "close", code=2)
    assert "Office key #3" in err and "Access card 17" in err and key[:12] in err
    run(store, "item", "return", key[:8], "--to", "Mr Meier")
    err = run(store, "close", code=2)
    assert "Access card 17" in err and "Office key" not in err
    run(store, "item", "lost", card[:8], code=2)  # --reason is required
    run(store, "item", "kept", card[:8], "--reason", "follow-up visit agreed with Ms Roth")
    run(store, "item", "return", card[:8], "--to", "x", code=2)  # already settled
    run(store, "close")
    run(store, "note", "too late", code=2)  # closed
    shown = json.loads(run(store, "show", eid[:6], "--json"))
    assert shown["closed"] and shown["customer"] == "Muster GmbH"
    assert shown["links"] == {"before": a, "after": b, "control": c1, "control-after": c2}
    assert [n["text"] for n in shown["notes"]] == ["rule 12 replaced"]
    states = {i["label"]: (i["state"], [e["event"] for e in i["events"]]) for i in shown["items"]}
    assert states == {"Office key #3, main entrance": ("returned", ["receive", "return"]),
                      "Access card 17": ("kept", ["receive", "kept"])}
    assert all(n["time"].endswith("Z") for n in shown["notes"])
    listed = json.loads(run(store, "list", "--json"))
    assert [g["id"] for g in listed] == [eid]
    # the report's entry point
    eng = load(Store.open(store), eid)
    assert eng.title == "Firewall migration" and eng.technician == "Anna Admin"
    assert eng.items[0].events[1].person == "Mr Meier"
    assert ps("verify", "--store", str(store)).returncode == 0


def test_no_open_engagement_and_ambiguity(store: Path) -> None:
    assert "no open engagement" in run(store, "note", "x", code=2)
    e1 = run(store, "start", "One", "--customer", "A")
    e2 = run(store, "start", "Two", "--customer", "B")
    run(store, "note", "goes to the latest open one")
    st = Store.open(store)
    assert load(st, e2).notes and not load(st, e1).notes
    assert "no engagement matches" in run(store, "show", "zzzz", code=2)
    run(store, "link", "during", "latest", code=2)  # bad role


def test_scan_engagement_option_is_picked_up(store: Path, tmp_path: Path) -> None:
    eid = run(store, "start", "Job", "--customer", "C")
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "a.conf").write_text("x=1\n")
    scope = tmp_path / "scope.yaml"
    scope.write_text(f"targets:\n  - name: here\n    type: local\n    files: [{tmp_path}/tree]\n")
    proc = ps("scan", str(scope), "--label", "before", "--engagement", eid[:10],
              "--store", str(store))
    assert proc.returncode in (0, 3), proc.stderr
    sid = proc.stdout.strip().splitlines()[-1]
    shown = json.loads(run(store, "show", "--json"))
    assert shown["scans"] == [sid]
    # close needs before and after (from links or scan labels), or a recorded reason
    assert "no after snapshot" in run(store, "close", code=2)
    run(store, "close", "--force-reason", "customer cancelled the second visit")
    assert load(Store.open(store), eid).close_reason == "customer cancelled the second visit"


@pytest.mark.parametrize("how", ["edit", "delete", "resign-other-key"])
def test_tampered_record_fails_verify(store: Path, tmp_path: Path, how: str) -> None:
    st = Store.open(store)
    eid = record.start(st, "Job", "Muster GmbH", "Anna")
    record.note(st, eid, "first")
    record.note(st, eid, "second")
    record.receive(st, eid, "Key", "Mr Meier")
    docs = sorted((store / "logs" / "engagements").glob("*.json"))
    victim = next(p for p in docs if b'"first"' in p.read_bytes())
    if how == "edit":
        victim.write_bytes(victim.read_bytes().replace(b'"first"', b'"frist"'))
    elif how == "delete":
        victim.unlink()
    else:
        from proofshot.model.canonical import canonical

        other = Store.create(tmp_path / "other")
        doc = json.loads(victim.read_bytes())
        doc["signature"] = other.keys.sign(canonical(doc["body"]))
        victim.write_bytes(canonical(doc))
    proc = ps("verify", "--store", str(store))
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "engagements entry" in proc.stderr
    # and reading the record refuses too, with the same exit code
    assert ps("engagement", "show", eid, "--store", str(store)).returncode == 4
