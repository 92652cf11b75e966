"""sudoers read as sudo reads it (views/sudo.py): user lists, User_Alias nesting, "!" items,
#uid / %#gid, and `Defaults ... !authenticate`; through the collector's parser on real sudoers
text and through the access view and its delta. The same rules are checked against the real
`sudo -l` on a lab host in tests/views/test_sudo_lab.py."""

from __future__ import annotations

from typing import Any

from proofshot.collectors.linux.parsers.accounts import parse_sudoers
from proofshot.views.access import access_delta, grants
from proofshot.views.grant import sudo_password, via_identity
from proofshot.views.snapshot import SnapshotData, from_plain
from proofshot.views.sudo import Sudoers, user_list

H = "web01"
USERS = [{"name": n, "uid": u, "gid": u} for n, u in
         (("root", 0), ("alice", 1001), ("bob", 1002), ("carol", 1003), ("dave", 1004),
          ("erin", 1005))]
GROUPS = [{"name": "dev", "gid": 2000, "members": ["carol", "erin"]},
          {"name": "ops", "gid": 2001, "members": ["dave"]}]
MEMBERS = {"dev": ["carol", "erin"], "ops": ["dave"], "root": ["root"]}


def _rows(*lines: str) -> list[dict[str, Any]]:
    return parse_sudoers("".join(f"/etc/sudoers.d/t\0{x}\n" for x in lines))


def _sudoers(*lines: str) -> Sudoers:
    return Sudoers.read(H, _rows(*lines), MEMBERS, USERS, GROUPS)


def _who(s: Sudoers, rule: str) -> dict[str, tuple[str, ...]]:
    return dict(s.principals(rule))


def test_user_list_splits_commas_with_blanks() -> None:
    assert user_list("alice , %dev,ADMINS ALL = (ALL) ALL") == ["alice", "%dev", "ADMINS"]
    assert user_list("ALL ALL=(ALL) ALL") == ["ALL"]


def test_aliases_nest_and_negations_decide_last() -> None:
    s = _sudoers("User_Alias ADMINS = alice, %dev, !carol",
                 "User_Alias OPS = ADMINS, dave : LEADS = bob",
                 "OPS ALL=(ALL) ALL")
    who = _who(s, "OPS ALL=(ALL) ALL")
    assert set(who) == {"alice", "erin", "dave"}  # carol excluded inside ADMINS
    assert who["alice"] == ("User_Alias OPS", "User_Alias ADMINS")
    assert who["erin"] == ("User_Alias OPS", "User_Alias ADMINS", f"{H}\\dev")
    assert who["dave"] == ("User_Alias OPS",)
    assert set(_who(s, "LEADS ALL=(ALL) ALL")) == {"bob"}
    # a later positive item wins over an earlier "!"
    assert set(_who(s, "!alice, alice ALL=(ALL) ALL")) == {"alice"}


def test_all_with_exceptions_lists_accounts_without_them() -> None:
    s = _sudoers("User_Alias NOT = bob, carol")
    assert _who(s, "ALL ALL=(ALL) ALL") == {"*": ()}
    assert set(_who(s, "ALL, !bob ALL=(ALL) ALL")) == {"root", "alice", "carol", "dave",
                                                         "erin"}
    assert set(_who(s, "ALL, !NOT ALL=(ALL) ALL")) == {"root", "alice", "dave", "erin"}


def test_ids_netgroups_and_unknown_names() -> None:
    s = _sudoers()
    assert set(_who(s, "#1002 ALL=(ALL) ALL")) == {"bob"}
    assert set(_who(s, "#4242 ALL=(ALL) ALL")) == {"#4242"}  # no account: as written
    assert _who(s, "%#2001 ALL=(ALL) ALL") == {"dave": (f"{H}\\ops",)}
    assert set(_who(s, "+admins, %:AD_Admins ALL=(ALL) ALL")) == {"+admins", "%:AD_Admins"}
    assert set(_who(s, "ghost ALL=(ALL) ALL")) == {"ghost"}


def test_alias_cycle_is_bounded() -> None:
    s = _sudoers("User_Alias A = B, alice", "User_Alias B = A")
    assert set(_who(s, "A ALL=(ALL) ALL")) == {"alice"}


def test_authenticate_generic_then_per_user_in_file_order() -> None:
    s = _sudoers("Defaults env_reset, !authenticate",
                 "Defaults:alice authenticate",
                 "Defaults:%dev !authenticate",
                 "Defaults:erin authenticate",
                 "Defaults>root authenticate")  # runas defaults: not evaluated
    off = "sudoers /etc/sudoers.d/t: Defaults env_reset, !authenticate"
    assert s.no_password("bob") == off
    assert s.no_password("*") == off
    assert s.no_password("alice") is None
    assert s.no_password("carol") == "sudoers /etc/sudoers.d/t: Defaults:%dev !authenticate"
    assert s.no_password("erin") is None  # the later user line overrides the group's


def test_grants_carry_the_defaults_line_and_read_as_not_required() -> None:
    rows = _rows("Defaults:ADMINS !authenticate", "User_Alias ADMINS = alice",
                 "ADMINS, bob ALL=(ALL) ALL", "alice ALL=(ALL) PASSWD: /bin/rm")
    gs = _grants(rows)
    by = {(g.principal, g.via[-1]) for g in gs}
    rule = "sudoers /etc/sudoers.d/t: ADMINS, bob ALL=(ALL) ALL"
    off = "sudoers /etc/sudoers.d/t: Defaults:ADMINS !authenticate"
    assert (f"{H}\\alice", off) in by and (f"{H}\\bob", rule) in by
    alice = [g for g in gs if g.principal == f"{H}\\alice" and rule in g.via]
    assert alice[0].via == (f"{H}\\alice", "User_Alias ADMINS", rule, off)
    assert sudo_password(alice[0].via) == "not-required"
    bob = [g for g in gs if g.principal == f"{H}\\bob"]
    assert sudo_password(bob[0].via) == "required"
    tagged = [g for g in gs if "PASSWD: /bin/rm" in g.via[-2]]
    assert sudo_password(tagged[0].via) == "partly"  # the PASSWD tag still asks
    assert off not in via_identity(alice[0].via)


def _snap(rows: list[dict[str, Any]], sid: str) -> SnapshotData:
    members = [{"group": g, "user": u, "via": "member"} for g, us in MEMBERS.items()
               for u in us]
    return from_plain({H: {"sudoers": rows, "users": USERS, "groups": GROUPS,
                           "group_members": members, "files": [], "posix_acls": []}},
                      sid=sid, meta={H: {"type": "ssh", "unverifiable": {}}})


def _grants(rows: list[dict[str, Any]]) -> list[Any]:
    return [g for g in grants(_snap(rows, "s")) if g.resource == f"{H}:sudo"]


def test_defaults_turning_the_password_off_is_a_changed_grant() -> None:
    rule = "%dev ALL=(ALL) ALL"
    a = _snap(_rows(rule), "a")
    b = _snap(_rows(rule, "Defaults:carol !authenticate"), "b")
    d = access_delta(a, b)
    assert not d["gained"] and not d["lost"]
    assert [(c["principal"], c["change"]) for c in d["changed"]] == [
        (f"{H}\\carol", {"condition": "password", "before": "required",
                         "after": "not-required"})]
    assert d["changed"][0]["via"][-1] == "sudoers /etc/sudoers.d/t: Defaults:carol !authenticate"
    # and an alias edit that drops a user is a lost grant, through the alias
    c = _snap(_rows("User_Alias A = alice, bob", "A ALL=(ALL) ALL"), "c")
    e = _snap(_rows("User_Alias A = alice", "A ALL=(ALL) ALL"), "e")
    d2 = access_delta(c, e)
    assert [(g["principal"], g["via"][1]) for g in d2["lost"]] == [
        (f"{H}\\bob", "User_Alias A")]
    assert not d2["gained"]


def test_host_lists() -> None:
    from proofshot.views.sudo import host_list
    assert host_list("alice web01 , db01 = ALL") == ["web01", "db01"]
    assert host_list("alice web01 = /bin/ls : db01 = /bin/rm") is None  # two specs: applies
    assert host_list("alice ALL = (root:wheel) NOPASSWD: sha256:ab12 /bin/ls") == ["ALL"]
    s = Sudoers.read(H, _rows("Host_Alias WEB = web*, !web09", "Host_Alias NET = 10.1.0.0/16"),
                     MEMBERS, USERS, GROUPS, hostname="web01", addresses=["10.1.2.3/24"])
    assert s.on_host(["WEB"]) is True and s.on_host(["NET"]) is True
    assert s.on_host(["db01"]) is False and s.on_host(["ALL", "!WEB"]) is False
    assert s.on_host(["10.2.0.0/255.255.0.0"]) is False
    assert s.on_host(["web01.example.com"]) is None  # no domain known: cannot tell
    assert s.on_host(["+webservers"]) is None
    assert set(_who(s, "alice db01 = ALL")) == set()
    assert set(_who(s, "alice WEB = ALL")) == {"alice"}
    assert set(_who(s, "alice web01.example.com = ALL")) == {"alice"}  # read as applying
    nine = Sudoers.read(H, _rows("Host_Alias WEB = web*, !web09"), MEMBERS, USERS, GROUPS,
                        hostname="web09")
    assert set(_who(nine, "alice WEB = ALL")) == set()
    unknown = Sudoers.read(H, _rows(), MEMBERS, USERS, GROUPS)  # no os table
    assert set(_who(unknown, "alice db01 = ALL")) == {"alice"}


def _store_pair(tmp_path: Any, hostnames: tuple[str, str]) -> Any:
    from proofshot import service
    from proofshot.collectors.linux.tables import GROUP_MEMBERS, OS, SUDOERS
    from proofshot.store.embedded import Store
    from proofshot.views.pair import pair_of
    from tests.synth import commit

    st = Store.create(tmp_path / "s")
    decl = {"os": OS, "sudoers": SUDOERS, "group_members": GROUP_MEMBERS}
    sudo = [SUDOERS.validate(r | {"line": 1}) for r in _rows("alice web01 = (ALL) ALL")]
    members = [GROUP_MEMBERS.validate({"group": "alice", "user": "alice", "via": "primary"})]
    for label, name in zip(("a", "b"), hostnames, strict=True):
        os_row = OS.validate({c.name: None for c in OS.columns} | {"id": "os",
                                                                     "hostname": name})
        commit(st, label, {H: {"os": [os_row], "sudoers": sudo, "group_members": members}},
               tables=decl)
    return pair_of(service.snapshot(st, "a"), service.snapshot(st, "b"))


def test_renamed_host_loses_its_host_specific_grant(tmp_path: Any) -> None:
    # the sudoers table is the same tree on both sides: only the host name says what changed
    p = _store_pair(tmp_path, ("web01", "web02"))
    assert not p.access_unchanged
    d = access_delta(p.access_a, p.access_b)
    assert [(g["principal"], g["resource"]) for g in d["lost"]] == [(f"{H}\\alice", f"{H}:sudo")]
    same = _store_pair(tmp_path / "x", ("web01", "web01"))
    assert same.access_unchanged
