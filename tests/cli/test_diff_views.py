"""`proofshot diff`'s views: when no table of the access view changed, its tables are not read,
and the answer is the one a full read gives (nothing gained or lost, the same gaps)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from proofshot import service
from proofshot.collectors.linux.tables import GROUP_MEMBERS, SUDOERS
from proofshot.collectors.smb.tables import SMB_ACL, SMB_SHARE_ACL, SMB_SHARES
from proofshot.store.embedded import Store
from proofshot.views import access as access_view
from proofshot.views.pair import same_tables
from proofshot.views.snapshot import load
from tests.synth import commit, row


def views_delta(store: Store, a: str, b: str) -> dict[str, Any]:
    views = service.compare(store, a, b, job=False).views
    assert views is not None
    return views.to_json()


TABLES = {"group_members": GROUP_MEMBERS, "sudoers": SUDOERS, "smb_acl": SMB_ACL}


def _acl(i: int) -> dict[str, Any]:
    return SMB_ACL.validate({"share": "public", "path": f"/d{i:05d}",
                             "ace": f"allow;OI|CI;0x001301bf;S-1-5-21-1-2-3-{1100 + i % 7}",
                             "type": "allow", "trustee": f"S-1-5-21-1-2-3-{1100 + i % 7}",
                             "trustee_sid": f"S-1-5-21-1-2-3-{1100 + i % 7}",
                             "rights": ["write", "read"], "mask": "0x001301bf",
                             "flags": "OI|CI", "inherited": False})


def _targets(items: int, sudo: str) -> dict[str, dict[str, list[dict[str, Any]]]]:
    return {
        "web": {"items": [row(i) for i in range(items)],
                "group_members": [GROUP_MEMBERS.validate({"group": "sudo", "user": "ann",
                                                          "via": "member"})],
                "sudoers": [SUDOERS.validate({"file": "/etc/sudoers", "text": sudo, "n": 1,
                                              "kind": "rule", "principal": "%sudo",
                                              "line": 3})]},
        "files": {"smb_acl": [_acl(i) for i in range(3000)]},
        "gone": {},
    }


def _commit(store: Store, label: str, items: int, sudo: str = "%sudo ALL=(ALL:ALL) ALL") -> str:
    return commit(store, label, _targets(items, sudo), status={"gone": "partial"},
                  tables=TABLES, unverifiable={"gone": {"group_members": {
                      "status": "timeout", "reason": "timed out", "queries": []}}})


def test_unchanged_access_tables_are_not_read_and_give_the_full_answer(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "s")
    a, b = _commit(store, "before", 10), _commit(store, "after", 11)
    ma, mb = store.manifest(a), store.manifest(b)
    assert same_tables(ma, mb, access_view.TABLES) and not same_tables(ma, mb, {"items"})
    acl_root = next(t for t in mb["targets"] if t["name"] == "files")["tables"]["smb_acl"]["root"]
    read: list[str] = []
    get = store.get

    def counting(oid: str) -> bytes:
        read.append(oid)
        return get(oid)

    store.get = counting  # type: ignore[method-assign]
    fast = views_delta(store, a, b)["access"]
    assert acl_root not in read
    store.get = get  # type: ignore[method-assign]
    full = access_view.access_delta(load(store, a, access_view.TABLES),
                                    load(store, b, access_view.TABLES))
    assert fast == full and fast["unverifiable"] == [
        {"target": "gone", "reason": "not readable in both snapshots"},
        {"target": "files", "reason": "share-level ACLs not known in both snapshots (before: "
         "smb_share_acl not collected; after: smb_share_acl not collected): folders compared "
         "on NTFS rights only"}]


def test_a_changed_access_table_is_read_and_shows(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "s")
    a = _commit(store, "before", 10)
    b = _commit(store, "after", 10, sudo="%sudo ALL=(ALL:ALL) NOPASSWD: ALL")
    assert not same_tables(store.manifest(a), store.manifest(b), access_view.TABLES)
    got = views_delta(store, a, b)["access"]
    full = access_view.access_delta(load(store, a, access_view.TABLES),
                                    load(store, b, access_view.TABLES))
    assert got == full
    # written by hand: ann (member of group sudo) reaches sudo through the changed rule; the
    # rule only gained NOPASSWD, so it is the same grant with its password condition changed
    # (not a path lost and another gained)
    def path(rule: str) -> dict[str, Any]:
        return {"target": "web", "principal": "web\\ann", "resource": "web:sudo",
                "rights": ["sudo"], "via": ["web\\ann", "web\\sudo", f"sudoers /etc/sudoers: {rule}"]}

    assert got["gained"] == got["lost"] == []
    assert got["changed"] == [path("%sudo ALL=(ALL:ALL) NOPASSWD: ALL") | {
        "via_before": path("%sudo ALL=(ALL:ALL) ALL")["via"],
        "change": {"condition": "password", "before": "required", "after": "not-required"}}]
    assert [u["target"] for u in got["unverifiable"]] == ["gone", "files"]


def test_a_share_acl_not_read_is_named_by_the_fast_path_too(tmp_path: Path) -> None:
    """The share list and the share-level ACLs are read even when nothing changed: they say
    which share's network access could not be compared."""
    tables = {**TABLES, "smb_shares": SMB_SHARES, "smb_share_acl": SMB_SHARE_ACL}
    store = Store.create(tmp_path / "s")

    def snap(label: str, items: int) -> str:
        targets = _targets(items, "%sudo ALL=(ALL:ALL) ALL")
        targets["files"] |= {"smb_share_acl": [], "smb_shares": [SMB_SHARES.validate(
            {"share": "public", "type": "disk", "special": False,
             "share_acl": "WERR_ACCESS_DENIED"})]}
        return commit(store, label, targets, tables=tables)

    a, b = snap("before", 10), snap("after", 11)
    fast = views_delta(store, a, b)["access"]
    full = access_view.access_delta(load(store, a, access_view.TABLES),
                                    load(store, b, access_view.TABLES))
    assert fast == full and [u["reason"] for u in fast["unverifiable"]] == [
        "share-level ACL of public not known in both snapshots (before: share ACL not read: "
        "WERR_ACCESS_DENIED; after: share ACL not read: WERR_ACCESS_DENIED): folders compared "
        "on NTFS rights only"]
