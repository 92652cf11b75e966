"""The diff library: keyed changes, volatile apart, lines diffed, unverifiable never removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from proofshot.diff.engine import diff_snapshots
from proofshot.diff.model import DiffResult
from proofshot.store.embedded import Store
from tests.synth import commit, row


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.create(tmp_path / "s")


def run(store: Store, a: str, b: str) -> DiffResult:
    return diff_snapshots(store.get, a, store.manifest(a), b, store.manifest(b))


def test_added_removed_changed_and_nothing_else(store: Store) -> None:
    base = [row(i) for i in range(5000)]
    a = commit(store, "a", {"h1": {"items": base}, "h2": {"items": base}})
    after = [r for r in base if r["id"] != 17]
    after[100] = row(101, mode="0600")
    after.append(row(99999, name="new"))
    b = commit(store, "b", {"h1": {"items": after}, "h2": {"items": base}})
    res = run(store, a, b)
    got = {(c.target, c.kind, c.key["id"]) for c in res.changes}
    assert got == {("h1", "removed", 17), ("h1", "changed", 101), ("h1", "added", 99999)}
    changed = next(c for c in res.changes if c.kind == "changed")
    assert changed.columns == ["mode"]
    assert changed.before and changed.before["mode"] == "0644"
    assert changed.after and changed.after["mode"] == "0600"
    assert {(u.target, u.table) for u in res.unchanged} == {("h2", "items")}
    assert res.unverifiable == []


def test_volatile_movement_is_not_a_change(store: Store) -> None:
    a = commit(store, "a", {"h": {"items": [row(i) for i in range(300)]}})
    b = commit(store, "b", {"h": {"items": [row(i, uptime=2000 + i) for i in range(300)]}})
    res = run(store, a, b)
    assert res.changes == []
    assert len(res.volatile) == 300 and res.volatile[0].columns == ["uptime"]
    assert res.unchanged[0].volatile_rows == 300
    js = res.to_json()
    assert js["changes"] == [] and len(js["volatile"]) == 300


def test_volatile_and_real_change_in_one_row(store: Store) -> None:
    a = commit(store, "a", {"h": {"items": [row(1)]}})
    b = commit(store, "b", {"h": {"items": [row(1, uptime=5, name="renamed")]}})
    res = run(store, a, b)
    assert [c.columns for c in res.changes] == [["name"]]
    assert [v.columns for v in res.volatile] == [["uptime"]]


def test_text_lines_diffed(store: Store) -> None:
    old = "PermitRootLogin no\nPort 22\nX11Forwarding no\n"
    new = "PermitRootLogin yes\nPort 22\nX11Forwarding no\n"
    a = commit(store, "a", {"h": {"items": [row(1, text=old)]}})
    b = commit(store, "b", {"h": {"items": [row(1, text=new)]}})
    (c,) = run(store, a, b).changes
    assert "-PermitRootLogin no" in c.diff["text"] and "+PermitRootLogin yes" in c.diff["text"]


def test_unreachable_target_is_unverifiable_not_removed(store: Store) -> None:
    rows = [row(i) for i in range(100)]
    a = commit(store, "a", {"h1": {"items": rows}, "h2": {"items": rows}})
    b = commit(store, "b", {"h1": {}, "h2": {"items": rows}}, status={"h1": "unreachable"})
    res = run(store, a, b)
    assert res.changes == []
    assert [(u.target, u.table) for u in res.unverifiable] == [("h1", None)]
    assert "unreachable" in res.unverifiable[0].reason
    # the other way round, too: an unreadable 'before' never makes 'after' rows "added"
    res2 = run(store, b, a)
    assert res2.changes == [] and res2.unverifiable[0].target == "h1"


def test_unreadable_table_is_unverifiable(store: Store) -> None:
    rows = [row(i) for i in range(10)]
    a = commit(store, "a", {"h": {"items": rows, "other": rows}})
    b = commit(store, "b", {"h": {"items": rows}}, status={"h": "partial"},
               unverifiable={"h": {"other": {"status": "refused", "reason": "permission denied"}}})
    res = run(store, a, b)
    assert res.changes == []
    assert [(u.table, "refused" in u.reason) for u in res.unverifiable] == [("other", True)]


def test_sensitive_values_compare_by_keyed_hash(store: Store) -> None:
    a = commit(store, "a", {"h": {"items": [row(1, secret="hunter2"), row(2, secret="same")]}})
    b = commit(store, "b", {"h": {"items": [row(1, secret="hunter3"), row(2, secret="same")]}})
    res = run(store, a, b)
    (c,) = res.changes
    assert c.key == {"id": 1} and c.columns == ["secret"]
    assert c.before and c.before["secret"].startswith("hmac:")
    blob = b"".join(p.read_bytes() for p in store.packs_dir.iterdir())

    raw = b"".join(r for _, r in store.raw_objects())
    assert b"hunter2" not in raw and b"hunter2" not in blob


def test_json_contract_shape(store: Store) -> None:
    a = commit(store, "a", {"h": {"items": [row(1)]}})
    b = commit(store, "b", {"h": {"items": [row(1), row(2)]}})
    js = run(store, a, b).to_json()
    assert set(js) >= {"from", "to", "changes", "unverifiable", "unchanged"}
    (c,) = js["changes"]
    assert set(c) >= {"target", "table", "key", "kind", "before", "after", "columns"}
    assert c["kind"] == "added" and c["before"] is None and c["after"]["id"] == 2


def test_host_key_fact_compared_but_not_the_scan_facts() -> None:
    from proofshot.diff.engine import _diff_facts

    result = DiffResult("a", "b")
    before = {"transport": "ssh", "host_key": "SHA256:old", "host_key_type": "ssh-ed25519"}
    accepted = {**before, "host_key": "SHA256:new", "host_key_replaced": "SHA256:old"}
    _diff_facts("h3", before, accepted, result)
    assert [(c.key, c.before, c.after) for c in result.changes] == [
        ({"fact": "host_key"}, {"fact": "host_key", "value": "SHA256:old"},
         {"fact": "host_key", "value": "SHA256:new"})]
    idle = DiffResult("b", "c")
    _diff_facts("h3", accepted, {**accepted, "transport": "x"} | {"host_key_replaced": None}, idle)
    assert idle.changes == []


def test_rows_of_a_volatile_row_table_come_and_go_without_changes(store: Store) -> None:
    from proofshot.model.table import Table
    from tests.synth import ITEMS

    arp = Table("arp", "cache", ITEMS.key, ITEMS.columns, volatile_rows=True)
    a = commit(store, "a", {"h": {"arp": [row(1), row(2)]}}, tables={"arp": arp})
    b = commit(store, "b", {"h": {"arp": [row(2, mode="0600"), row(3)]}}, tables={"arp": arp})
    res = run(store, a, b)
    assert [(c.kind, c.key) for c in res.changes] == [("changed", {"id": 2})]
    assert sorted((v.kind, v.key["id"]) for v in res.volatile) == [("appeared", 3),
                                                                  ("vanished", 1)]
