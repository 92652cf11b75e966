r"""The access view's Windows evaluation on rows written here (pure): ordered DACLs, deny through a
group, inherit-only and CREATOR entries, owner rights, share-level ACL ∩ NTFS ACL, and how a
share ACE change or a missing share ACL shows in the delta.

The directory: alice -> Finance-Team -> Finance-Editors; dave -> Finance-Editors; bob alone.
"""

from __future__ import annotations

from typing import Any

from proofshot.views import access, acl
from proofshot.views.grant import SHARE_UNKNOWN, via_text
from proofshot.views.snapshot import SnapshotData, from_plain

D = "S-1-5-21-1-2-3"
SID = {"alice": f"{D}-1101", "bob": f"{D}-1102", "dave": f"{D}-1103",
       "Finance-Team": f"{D}-1201", "Finance-Editors": f"{D}-1202", "Domain Admins": f"{D}-512"}
EVERYONE = "S-1-1-0"
FULL, CHANGE, READ = 0x1F01FF, 0x1301BF, 0x1200A9
FIN = "\\\\files\\public\\finance"


def ad() -> dict[str, list[dict[str, Any]]]:
    users = [{"sam": u, "sid": SID[u], "enabled": True} for u in ("alice", "bob", "dave")]
    groups = [{"sam": g, "sid": SID[g]} for g in ("Finance-Team", "Finance-Editors",
                                                   "Domain Admins")]
    mem = [{"group": "Finance-Team", "member": "alice", "member_kind": "user",
            "path": ["alice", "Finance-Team"]},
           {"group": "Finance-Editors", "member": "alice", "member_kind": "user",
            "path": ["alice", "Finance-Team", "Finance-Editors"]},
           {"group": "Finance-Editors", "member": "dave", "member_kind": "user",
            "path": ["dave", "Finance-Editors"]}]
    return {"ad_users": users, "ad_groups": groups, "ad_memberships": mem, "ad_computers": [],
            "ad_domain_policy": [{"id": "domain", "netbios": "PSLAB"}]}


def ace(typ: str, flags: str, mask: int, who: str, pos: int | None, **extra: Any
        ) -> dict[str, Any]:
    sid = SID.get(who, who)
    return {"ace": f"{typ};{flags};0x{mask:08x};{sid}", "type": typ, "trustee_sid": sid,
            "flags": flags or None, "inherited": "ID" in flags, "position": pos, **extra}


def owner(who: str) -> dict[str, Any]:
    sid = SID.get(who, who)
    return {"ace": f"owner;;;{sid}", "type": "owner", "trustee_sid": sid, "position": None}


def files(ntfs: list[dict[str, Any]], share: list[dict[str, Any]] | None,
          path: str = "/finance") -> dict[str, list[dict[str, Any]]]:
    """The file server's tables; `share` None: smb_share_acl was not collected."""
    out = {"smb_acl": [{"share": "public", "path": path, **r} for r in ntfs],
           "smb_shares": [{"share": "public", "share_acl": "read"}]}
    if share is not None:
        out["smb_share_acl"] = [{"share": "public", **r} for r in share]
    return out


def snap(ntfs: list[dict[str, Any]], share: list[dict[str, Any]] | None = None,
         unverifiable: dict[str, Any] | None = None) -> SnapshotData:
    share = [ace("allow", "", FULL, EVERYONE, 0)] if share is None else share
    tables = files(ntfs, None if share == [] and unverifiable else share)
    return from_plain({"ad": ad(), "files": tables},
                      meta={"ad": {"type": "ldap"},
                            "files": {"type": "smb", "unverifiable": unverifiable or {}}})


def on(s: SnapshotData, who: str, res: str = FIN) -> dict[tuple[str, ...], tuple[str, ...]]:
    """via -> rights of one principal on one resource."""
    return {g.via: g.rights for g in access.grants(s)
            if g.principal == f"PSLAB\\{who}" and g.resource == res}


def rights(s: SnapshotData, who: str, res: str = FIN) -> set[str]:
    return {r for rs in on(s, who, res).values() for r in rs}


SHARE_ALL = "share ACE allow;;0x001f01ff (Everyone)"


def test_deny_on_a_group_before_the_allow_takes_the_right_from_its_members() -> None:
    s = snap([ace("deny", "OI|CI", 0x6, "Finance-Team", 0),        # write data, append
              ace("allow", "OI|CI", CHANGE, "Finance-Editors", 1)])
    assert "write" not in rights(s, "alice") and "read" in rights(s, "alice")
    assert "write" in rights(s, "dave")  # not in Finance-Team: the deny is not his
    (via,) = on(s, "alice")
    assert via == ("PSLAB\\alice", "PSLAB\\Finance-Team", "PSLAB\\Finance-Editors",
                   "ACE allow;OI|CI;0x001301bf", SHARE_ALL)


def test_order_decides_a_deny_after_the_allow_is_moot() -> None:
    """A non-canonical DACL: Windows grants what the first entry naming a right says."""
    s = snap([ace("allow", "OI|CI", CHANGE, "Finance-Editors", 0),
              ace("deny", "OI|CI", 0x6, "Finance-Team", 1)])
    assert "write" in rights(s, "alice")
    # the same rows without positions (a snapshot from before the column) are put in
    # canonical order: explicit deny first
    s = snap([ace("allow", "OI|CI", CHANGE, "Finance-Editors", None),
              ace("deny", "OI|CI", 0x6, "Finance-Team", None)])
    assert "write" not in rights(s, "alice") and "read" in rights(s, "alice")


def test_deny_for_one_right_leaves_the_others_and_later_allows_do_not_bring_it_back() -> None:
    s = snap([ace("allow", "", READ, "alice", 0),
              ace("deny", "", 0x6, "Finance-Editors", 1),
              ace("allow", "", FULL, EVERYONE, 2)])
    got = on(s, "alice")
    everyone = ("PSLAB\\alice", "Everyone", "ACE allow;;0x001f01ff", SHARE_ALL)
    assert "write" not in got[everyone] and "full-control" not in got[everyone]
    assert "delete" in got[everyone] and "read" in got[everyone]
    assert got[("PSLAB\\alice", "ACE allow;;0x001200a9", SHARE_ALL)] == ("read", "execute")
    assert "full-control" in rights(s, "bob")
    # a group is listed with the entries that name it: Finance-Editors' own is a deny
    assert "PSLAB\\Finance-Editors" not in {g.principal for g in access.grants(s)}


def test_inherit_only_and_creator_entries_do_not_apply_to_the_folder() -> None:
    s = snap([ace("allow", "OI|CI|IO", FULL, "bob", 0),
              ace("allow", "OI|CI", FULL, "S-1-3-0", 1),     # CREATOR OWNER: a template
              ace("allow", "OI|CI|ID", READ, "dave", 2)])
    assert rights(s, "bob") == set()
    assert {g.principal for g in access.grants(s)} == {"PSLAB\\dave"}


def test_owner_holds_read_control_and_write_dac_unless_owner_rights_say_otherwise() -> None:
    s = snap([owner("bob"), ace("deny", "", 0x40000, "bob", 0)])  # a deny cannot take them
    assert on(s, "bob") == {("PSLAB\\bob", "owner", SHARE_ALL):
                            ("change-permissions", "read-control")}
    s = snap([owner("bob"), ace("allow", "", READ, "S-1-3-4", 0)])  # OWNER RIGHTS
    assert on(s, "bob") == {("PSLAB\\bob", "owner", "ACE allow;;0x001200a9", SHARE_ALL):
                            ("read", "execute")}
    # a group as owner: its members are the owner
    s = snap([owner("Finance-Team")])
    assert on(s, "alice") == {("PSLAB\\alice", "PSLAB\\Finance-Team", "owner", SHARE_ALL):
                              ("change-permissions", "read-control")}
    assert rights(s, "dave") == set()


def test_share_acl_limits_the_ntfs_rights_per_principal() -> None:
    ntfs = [ace("allow", "OI|CI", CHANGE, "Finance-Editors", 0)]
    share = [ace("allow", "", READ, EVERYONE, 0), ace("allow", "", CHANGE, "Finance-Team", 1)]
    s = snap(ntfs, share)
    assert rights(s, "dave") == {"read", "execute"}  # the share lets him read only
    alice = on(s, "alice")
    chain = ("PSLAB\\alice", "PSLAB\\Finance-Team", "PSLAB\\Finance-Editors",
             "ACE allow;OI|CI;0x001301bf")
    assert alice[(*chain, "share ACE allow;;0x001200a9 (Everyone)")] == ("read", "execute")
    via = (*chain, "share ACE allow;;0x001301bf (PSLAB\\Finance-Team)")
    assert "write" in alice[via]
    assert via_text(via) == ("PSLAB\\Finance-Team -> PSLAB\\Finance-Editors -> ACE allow;OI|CI;"
                             "0x001301bf ∩ share ACE allow;;0x001301bf (PSLAB\\Finance-Team)")
    # a share ACL that names nobody of theirs: no network access at all
    s = snap(ntfs, [ace("allow", "", FULL, "bob", 0)])
    assert rights(s, "alice") == set() and rights(s, "dave") == set()
    # a deny on the share for a group the user is in
    s = snap(ntfs, [ace("deny", "", 0x6, "Finance-Team", 0), ace("allow", "", FULL, EVERYONE, 1)])
    assert "write" not in rights(s, "alice") and "write" in rights(s, "dave")


def test_share_ace_change_shows_as_lost_rights_only() -> None:
    ntfs = [ace("allow", "OI|CI", CHANGE, "Finance-Editors", 0), ace("allow", "", READ, "bob", 1),
            ace("allow", "", FULL, "Domain Admins", 2)]
    before = snap(ntfs)
    after = snap(ntfs, [ace("allow", "", READ, EVERYONE, 0)])  # Everyone: full -> read
    d = access.access_delta(before, after)
    assert d["gained"] == [] and d["unverifiable"] == []
    lost = {(g["principal"], tuple(g["rights"])): g["via"] for g in d["lost"]}
    # read and execute stay (through the same entries, now with another mask): not listed
    assert set(lost) == {(p, ("delete", "write")) for p in (
        "PSLAB\\alice", "PSLAB\\dave", "PSLAB\\Finance-Editors")} | {
        ("PSLAB\\Domain Admins", ("change-permissions", "delete", "delete-child", "full-control",
                                  "take-ownership", "write"))}  # kept read and execute
    assert lost[("PSLAB\\dave", ("delete", "write"))] == [
        "PSLAB\\dave", "PSLAB\\Finance-Editors", "ACE allow;OI|CI;0x001301bf", SHARE_ALL]
    back = access.access_delta(after, before)
    assert {(g["principal"], tuple(g["rights"])) for g in back["gained"]} == set(lost)
    assert back["lost"] == []
    # a new share ACE for a group: its members gain through it
    more = snap(ntfs, [ace("allow", "", READ, EVERYONE, 0), ace("allow", "", FULL, "bob", 1)])
    gained = access.access_delta(after, more)["gained"]
    assert [(g["principal"], g["rights"], g["via"][-1]) for g in gained] == [
        ("PSLAB\\bob", ["execute", "read"], "share ACE allow;;0x001f01ff")]


def test_missing_share_acl_is_said_not_assumed() -> None:
    ntfs = [ace("allow", "OI|CI", CHANGE, "Finance-Editors", 0)]
    gone = snap(ntfs, [], unverifiable={"smb_share_acl": {"status": "denied",
                                                          "reason": "WERR_ACCESS_DENIED"}})
    (via,) = on(gone, "dave")
    assert via[-1] == SHARE_UNKNOWN and "write" in on(gone, "dave")[via]
    d = access.access_delta(snap(ntfs), gone)
    assert d["gained"] == [] and d["lost"] == []
    assert d["unverifiable"] == [{"target": "files", "reason": (
        "share-level ACLs not known in both snapshots (after: smb_share_acl not collected: "
        "WERR_ACCESS_DENIED): folders compared on NTFS rights only")}]
    # compared on NTFS rights, a real NTFS change still shows
    d = access.access_delta(snap(ntfs), snap([ace("allow", "", READ, "bob", 0)], [],
                                             unverifiable={"smb_share_acl": {}}))
    assert {g["principal"] for g in d["lost"]} == {"PSLAB\\alice", "PSLAB\\dave",
                                                     "PSLAB\\Finance-Editors"}
    assert [(g["principal"], g["via"]) for g in d["gained"]] == [
        ("PSLAB\\bob", ["PSLAB\\bob", "ACE allow;;0x001200a9"])]
    assert all(g["via"][-1] == "ACE allow;OI|CI;0x001301bf" for g in d["lost"])
    # read, but without entries: an empty DACL (no access) and a missing one (all access)
    # look alike in the table, so neither is assumed
    empty = snap(ntfs, [])
    assert on(empty, "dave") == {(*via[:-1], SHARE_UNKNOWN): on(gone, "dave")[via]}
    d = access.access_delta(empty, snap(ntfs))
    assert d["gained"] == [] and d["lost"] == []
    (note,) = d["unverifiable"]
    assert note["reason"].startswith("share-level ACL of public not known in both snapshots "
                                     "(before: share ACL read without entries")
    # one share's ACL refused while the table was read
    refused = snap(ntfs, [])
    refused.targets["files"].tables["smb_shares"] = [
        {"share": "public", "share_acl": "WERR_ACCESS_DENIED", "type": "disk", "special": False},
        {"share": "IPC$", "share_acl": "WERR_ACCESS_DENIED", "type": "ipc", "special": True}]
    assert access.share_gaps(refused) == [{"target": "files", "share": "public",
                                           "reason": "share ACL not read: WERR_ACCESS_DENIED"}]


def test_domain_builtin_groups_are_not_the_file_servers() -> None:
    data = ad()
    data["ad_groups"].append({"sam": "Administrators", "sid": "S-1-5-32-544"})
    data["ad_memberships"].append({"group": "Administrators", "member": "bob",
                                   "member_kind": "user", "path": ["bob", "Administrators"]})
    ntfs = [{"share": "public", "path": "/", **ace("allow", "", FULL, "S-1-5-32-544", 0)},
            {"share": "public", "path": "/", **ace("allow", "", READ, "bob", 1)}]
    share = [{"share": "public", **ace("allow", "", FULL, EVERYONE, 0)}]
    s = from_plain({"ad": data, "files": {"smb_acl": ntfs, "smb_share_acl": share}},
                   meta={"ad": {"type": "ldap"}, "files": {"type": "smb"}})
    gs = access.grants(s)
    assert [(g.principal, g.resource, g.rights) for g in gs] == [
        ("files\\BUILTIN\\Administrators", "\\\\files\\public", ("full-control",)),
        ("PSLAB\\bob", "\\\\files\\public", ("read", "execute"))]


def test_ad_object_entries_keep_their_object_type_and_exceptions() -> None:
    rows = [{"object": "OU=Finance", "ace": "owner;;;" + SID["Domain Admins"] + ";;",
             "type": "owner", "trustee_sid": SID["Domain Admins"], "position": None},
            {"object": "OU=Finance", **ace("deny-object", "", 0x20, "Finance-Team", 0,
                                           object_type="member")},
            {"object": "OU=Finance", **ace("allow", "", 0x30, "Finance-Editors", 1)},
            {"object": "OU=Finance", **ace("allow-object", "CI", 0x100, "bob", 2,
                                           object_type="User-Force-Change-Password")}]
    s = from_plain({"ad": {**ad(), "ad_acl": rows}}, meta={"ad": {"type": "ldap"}})
    got = {(g.principal, g.rights) for g in access.grants(s) if g.resource == "ad:OU=Finance"}
    assert ("PSLAB\\alice", ("read-property", "write-property(except member)")) in got
    assert ("PSLAB\\dave", ("read-property", "write-property")) in got
    assert ("PSLAB\\bob", ("extended-right(User-Force-Change-Password)",)) in got
    assert ("PSLAB\\Domain Admins", ("read-control", "write-dacl")) in got


def test_a_folder_without_a_dacl_is_open_to_everyone_an_empty_one_to_no_one() -> None:
    def with_dirs(aces: int | None) -> SnapshotData:
        s = snap([owner("bob")])
        s.targets["files"].tables["smb_dirs"] = [
            {"share": "public", "path": "/finance", "aces": aces, "error": None}]
        return s

    null = with_dirs(None)
    assert on(null, "dave") == {("PSLAB\\dave", "Everyone", acl.NULL_DACL, SHARE_ALL):
                                ("full-control",)}
    empty = with_dirs(0)
    assert rights(empty, "dave") == set()
    d = access.access_delta(empty, null)
    dave = [g for g in d["gained"] if g["principal"] == "PSLAB\\dave"]
    assert d["lost"] == [] and len(dave) == 1 and dave[0]["via"][-2] == acl.NULL_DACL
    assert {"write", "delete", "change-permissions"} <= set(dave[0]["rights"])
