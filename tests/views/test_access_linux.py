"""The access view on Linux targets: mode bits, sudo and POSIX ACLs (posix_acls), and the access
delta between two snapshots. Rows are shaped as the Linux collector emits them."""

from __future__ import annotations

from typing import Any

from proofshot.views.access import Grant, access_delta, grants
from proofshot.views.snapshot import SnapshotData, from_plain

H = "web1"


def _file(path: str, mode: str, owner: str = "root", group: str = "root",
          kind: str = "dir") -> dict[str, Any]:
    return {"path": path, "type": kind, "mode": mode, "owner": owner, "group": group}


def _acl(path: str, kind: str, name: str | None, perms: str, effective: str | None = None,
         default: bool = False) -> dict[str, Any]:
    entry = ("default:" if default else "") + kind + (f":{name}" if name else "")
    eff = perms if effective is None and kind != "mask" else effective
    return {"path": path, "entry": entry, "kind": kind, "name": name, "default": default,
            "perms": perms, "effective": eff}


MEMBERS = [{"group": "dev", "user": "bob", "via": "member"},
           {"group": "dev", "user": "carol", "via": "member"},
           {"group": "dev", "user": "root", "via": "member"},
           {"group": "staff", "user": "dave", "via": "member"},
           {"group": "alice", "user": "alice", "via": "primary"}]


def _snap(files: list[dict[str, Any]], acls: list[dict[str, Any]] | None,
          sudoers: list[dict[str, Any]] | None = None, sid: str = "s",
          unverifiable: dict[str, Any] | None = None) -> SnapshotData:
    tables: dict[str, list[dict[str, Any]]] = {"files": files, "group_members": MEMBERS,
                                               "sudoers": sudoers or []}
    if acls is not None:
        tables["posix_acls"] = acls
    meta = {H: {"type": "ssh", "unverifiable": unverifiable or {}}}
    return from_plain({H: tables}, sid=sid, meta=meta)


def _on(gs: list[Grant], path: str) -> dict[tuple[str, tuple[str, ...]], tuple[str, ...]]:
    return {(g.principal, g.via): g.rights for g in gs if g.resource == f"{H}:{path}"}


def test_named_user_gets_the_masked_rights() -> None:
    snap = _snap([_file("/srv/data", "0775")], [
        _acl("/srv/data", "user", "alice", "rwx", "r-x"), _acl("/srv/data", "group", None, "r-x"),
        _acl("/srv/data", "mask", None, "r-x")])
    got = _on(grants(snap), "/srv/data")
    assert got == {(f"{H}\\alice", (f"{H}\\alice", "POSIX ACL user:alice:rwx")):
                   ("read", "execute")}


def test_named_group_reaches_members_with_the_chain() -> None:
    snap = _snap([_file("/srv/data", "0770")], [
        _acl("/srv/data", "group", "dev", "rwx"), _acl("/srv/data", "user", "carol", "r--"),
        _acl("/srv/data", "group", None, "---"), _acl("/srv/data", "mask", None, "rwx")])
    got = _on(grants(snap), "/srv/data")
    assert got[(f"{H}\\bob", (f"{H}\\bob", f"{H}\\dev", "POSIX ACL group:dev:rwx"))] == (
        "read", "write", "execute")
    # POSIX: carol's named entry is matched before any group entry, so dev gives her nothing
    assert [k for k in got if k[0] == f"{H}\\carol"] == [
        (f"{H}\\carol", (f"{H}\\carol", "POSIX ACL user:carol:r--"))]
    assert not [k for k in got if k[0] == f"{H}\\root"]


def test_owning_group_with_a_mask_uses_its_entry_not_the_mode_bits() -> None:
    # mode 0775 shows the mask (rwx); the owning group itself has r-x
    snap = _snap([_file("/srv/data", "0775", group="staff")], [
        _acl("/srv/data", "user", "alice", "rwx"), _acl("/srv/data", "group", None, "r-x"),
        _acl("/srv/data", "mask", None, "rwx")])
    got = _on(grants(snap), "/srv/data")
    assert got[(f"{H}\\dave", (f"{H}\\dave", f"{H}\\staff", "POSIX ACL group::r-x"))] == (
        "read", "execute")
    assert not [v for k, v in got.items() if k[0] == f"{H}\\dave" and "write" in v]


def test_mode_bits_without_acl_and_sudo_unchanged() -> None:
    snap = _snap([_file("/srv/plain", "0770", owner="alice", group="staff"),
                  _file("/tmp/ww", "0666", kind="file")], [],
                 sudoers=[{"kind": "rule", "principal": "%dev", "file": "/etc/sudoers",
                           "text": "%dev ALL=(ALL) ALL"}])
    gs = grants(snap)
    got = _on(gs, "/srv/plain")
    assert got == {
        (f"{H}\\alice", (f"{H}\\alice", "owner mode bits")): ("read", "write", "execute"),
        (f"{H}\\dave", (f"{H}\\dave", f"{H}\\staff", "group mode bits")):
            ("read", "write", "execute")}
    assert _on(gs, "/tmp/ww") == {(f"{H}\\*", (f"{H}\\*", "other mode bits")): ("read", "write")}
    sudo = {g.principal for g in gs if g.resource == f"{H}:sudo"}
    assert sudo == {f"{H}\\bob", f"{H}\\carol", f"{H}\\root"}


def test_owner_entry_applies_to_the_owner() -> None:
    snap = _snap([_file("/home/alice/x", "0600", owner="alice", group="alice", kind="file")], [
        _acl("/home/alice/x", "user", "alice", "r--"), _acl("/home/alice/x", "group", None, "---"),
        _acl("/home/alice/x", "mask", None, "r--")])
    got = _on(grants(snap), "/home/alice/x")
    assert got == {(f"{H}\\alice", (f"{H}\\alice", "owner mode bits")): ("read", "write")}


def test_default_entries_are_rights_of_their_own_kind() -> None:
    snap = _snap([_file("/srv/drop", "0755")], [
        _acl("/srv/drop", "user", None, "rwx", default=True),
        _acl("/srv/drop", "user", "alice", "rwx", "r-x", default=True),
        _acl("/srv/drop", "group", "dev", "rw-", "r--", default=True),
        _acl("/srv/drop", "mask", None, "r-x", default=True),
        _acl("/srv/drop", "other", None, "r-x", default=True)])
    got = _on(grants(snap), "/srv/drop")
    assert got == {
        (f"{H}\\alice", (f"{H}\\alice", "POSIX ACL default:user:alice:rwx")):
            ("default:read", "default:execute"),
        (f"{H}\\bob", (f"{H}\\bob", f"{H}\\dev", "POSIX ACL default:group:dev:rw-")):
            ("default:read",),
        (f"{H}\\carol", (f"{H}\\carol", f"{H}\\dev", "POSIX ACL default:group:dev:rw-")):
            ("default:read",)}


BASE = [_file("/srv/data", "0755"), _file("/srv/shared", "0775")]
SHARED = [_acl("/srv/shared", "group", "dev", "rwx"), _acl("/srv/shared", "group", None, "r-x"),
          _acl("/srv/shared", "mask", None, "rwx")]


def test_delta_gained_and_lost_through_acl_entries() -> None:
    before = _snap(BASE, SHARED, sid="a")
    after = _snap([_file("/srv/data", "0775"), _file("/srv/shared", "0755")], [
        _acl("/srv/data", "user", "alice", "rwx"), _acl("/srv/data", "group", None, "r-x"),
        _acl("/srv/data", "mask", None, "rwx")], sid="b")
    d = access_delta(before, after)
    assert d["unverifiable"] == []
    assert d["gained"] == [{"principal": f"{H}\\alice", "resource": f"{H}:/srv/data",
                            "rights": ["execute", "read", "write"],
                            "via": [f"{H}\\alice", "POSIX ACL user:alice:rwx"], "target": H}]
    lost = {(g["principal"], tuple(g["via"])): g["rights"] for g in d["lost"]}
    assert lost == {
        (f"{H}\\bob", (f"{H}\\bob", f"{H}\\dev", "POSIX ACL group:dev:rwx")):
            ["execute", "read", "write"],
        (f"{H}\\carol", (f"{H}\\carol", f"{H}\\dev", "POSIX ACL group:dev:rwx")):
            ["execute", "read", "write"]}


def test_delta_mask_change_loses_rights_through_the_same_entry() -> None:
    before = _snap(BASE, SHARED, sid="a")
    after = _snap(BASE, [_acl("/srv/shared", "group", "dev", "rwx", "r-x"),
                         _acl("/srv/shared", "group", None, "r-x"),
                         _acl("/srv/shared", "mask", None, "r-x")], sid="b")
    d = access_delta(before, after)
    assert d["gained"] == []
    assert {g["principal"]: g["rights"] for g in d["lost"]} == {
        f"{H}\\bob": ["write"], f"{H}\\carol": ["write"]}


def test_delta_unreadable_acls_make_the_target_unverifiable() -> None:
    before = _snap(BASE, SHARED, sid="a")
    refused = _snap(BASE, None, sid="b",
                    unverifiable={"posix_acls": {"status": "refused", "reason": "getfacl"}})
    d = access_delta(before, refused)
    assert d == {"gained": [], "lost": [], "changed": [],
                 "unverifiable": [{"target": H, "reason": "not readable in the second snapshot"}]}
    # no getfacl on the host: coverage says unsupported, which is no gap in the access view
    absent = _snap(BASE, None, sid="c",
                   unverifiable={"posix_acls": {"status": "unsupported", "reason": "no acl"}})
    assert access_delta(absent, absent)["unverifiable"] == []


def test_delta_table_observed_on_one_side_only_is_unverifiable_not_gained() -> None:
    """A snapshot from a collector without posix_acls (or without getfacl) against one with
    it: the ACL rights were not observed before, so they are neither gained nor lost."""
    before = _snap(BASE, None, sid="a")
    after = _snap(BASE, [_acl("/srv/data", "user", "alice", "rwx"),
                         _acl("/srv/data", "mask", None, "rwx")], sid="b")
    d = access_delta(before, after)
    assert d == {"gained": [], "lost": [], "changed": [], "unverifiable": [
        {"target": H, "reason": "posix_acls observed in one snapshot only"}]}
    assert access_delta(before, before)["unverifiable"] == []


def test_delta_chmod_that_keeps_someones_rights_is_no_change_for_them() -> None:
    """0770 -> 0750: the group loses write; the owner's rights did not move, so the owner
    is not in the delta (the mode is not part of `via`)."""
    before = _snap([_file("/srv/x", "0770", owner="alice", group="staff")], None, sid="a")
    after = _snap([_file("/srv/x", "0750", owner="alice", group="staff")], None, sid="b")
    d = access_delta(before, after)
    assert d["gained"] == []
    assert [(g["principal"], g["rights"], g["via"]) for g in d["lost"]] == [
        (f"{H}\\dave", ["write"], [f"{H}\\dave", f"{H}\\staff", "group mode bits"])]


def _sudoers(*lines: str) -> list[dict[str, Any]]:
    """Real sudoers text through the collector's parser (grep -H -Z '' output)."""
    from proofshot.collectors.linux.parsers.accounts import parse_sudoers
    return parse_sudoers("".join(f"/etc/sudoers.d/ops\0{x}\n" for x in lines))


def test_nopasswd_added_is_one_changed_grant_not_lost_and_gained() -> None:
    a = _snap([], None, _sudoers("alice ALL=(ALL) ALL", "%dev ALL=(ALL) ALL"), sid="a")
    b = _snap([], None, _sudoers("alice ALL=(ALL) NOPASSWD: ALL", "%dev ALL=(ALL) ALL"),
              sid="b")
    d = access_delta(a, b)
    assert d["gained"] == [] and d["lost"] == []
    assert len(d["changed"]) == 1
    c = d["changed"][0]
    assert (c["principal"], c["resource"], c["rights"], c["target"]) == (
        f"{H}\\alice", f"{H}:sudo", ["sudo"], H)
    assert c["via"] == [f"{H}\\alice", "sudoers /etc/sudoers.d/ops: alice ALL=(ALL) NOPASSWD: ALL"]
    assert c["via_before"] == [f"{H}\\alice", "sudoers /etc/sudoers.d/ops: alice ALL=(ALL) ALL"]
    assert c["change"] == {"condition": "password", "before": "required",
                           "after": "not-required"}
    # and back: the same grant again, the other way
    back = access_delta(b, a)
    assert back["gained"] == [] and back["lost"] == []
    assert [(x["principal"], x["change"]["before"], x["change"]["after"])
            for x in back["changed"]] == [(f"{H}\\alice", "not-required", "required")]


def test_nopasswd_on_a_group_rule_changes_each_members_grant() -> None:
    a = _snap([], None, _sudoers("%dev ALL=(ALL) PASSWD: ALL"), sid="a")
    b = _snap([], None, _sudoers("%dev ALL=(ALL) NOPASSWD:ALL"), sid="b")
    d = access_delta(a, b)
    assert d["gained"] == [] and d["lost"] == []
    assert sorted(x["principal"] for x in d["changed"]) == [
        f"{H}\\bob", f"{H}\\carol", f"{H}\\root"]


def test_other_sudo_rule_changes_still_gain_and_lose() -> None:
    a = _snap([], None, _sudoers("alice ALL=(ALL) ALL"), sid="a")
    # another runas, another command, a new user: real changes of the grant, with NOPASSWD too
    b = _snap([], None, _sudoers("alice ALL=(www-data) NOPASSWD: ALL",
                                 "alice ALL=(ALL) /usr/bin/systemctl", "erin ALL=(ALL) ALL"),
              sid="b")
    d = access_delta(a, b)
    assert d["changed"] == []
    assert sorted(g["via"][-1] for g in d["gained"]) == [
        "sudoers /etc/sudoers.d/ops: alice ALL=(ALL) /usr/bin/systemctl",
        "sudoers /etc/sudoers.d/ops: alice ALL=(www-data) NOPASSWD: ALL",
        "sudoers /etc/sudoers.d/ops: erin ALL=(ALL) ALL"]
    assert [g["via"][-1] for g in d["lost"]] == ["sudoers /etc/sudoers.d/ops: alice ALL=(ALL) ALL"]


def test_password_tags_per_command_and_spacing() -> None:
    ops = "sudoers /etc/sudoers.d/ops: "
    a = _snap([], None, _sudoers("alice ALL=(ALL) NOPASSWD: /bin/ls, PASSWD: /bin/rm",
                                 "erin ALL=(ALL) NOPASSWD:ALL"), sid="a")
    # alice: the NOPASSWD moved from ls to rm (a change, "partly" on both sides, the vias say
    # which); erin: the same tag written with a blank (no change)
    b = _snap([], None, _sudoers("alice ALL=(ALL) PASSWD: /bin/ls, NOPASSWD: /bin/rm",
                                 "erin ALL=(ALL) NOPASSWD: ALL"), sid="b")
    d = access_delta(a, b)
    assert d["gained"] == [] and d["lost"] == []
    assert [(c["principal"], c["via_before"][-1], c["via"][-1], c["change"]["before"],
             c["change"]["after"]) for c in d["changed"]] == [
        (f"{H}\\alice", ops + "alice ALL=(ALL) NOPASSWD: /bin/ls, PASSWD: /bin/rm",
         ops + "alice ALL=(ALL) PASSWD: /bin/ls, NOPASSWD: /bin/rm", "partly", "partly")]
    c = _snap([], None, _sudoers("alice ALL=(ALL) NOPASSWD: /bin/ls, /bin/rm",
                                 "erin ALL=(root) SETENV: NOPASSWD: ALL"), sid="c")
    d = access_delta(b, c)
    assert [(x["principal"], x["change"]["before"], x["change"]["after"])
            for x in d["changed"]] == [(f"{H}\\alice", "partly", "not-required")]
    # erin's runas changed: another grant
    assert [g["principal"] for g in d["gained"]] == [f"{H}\\erin"]
    assert [g["principal"] for g in d["lost"]] == [f"{H}\\erin"]
