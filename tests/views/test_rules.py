"""Each rule fires on the bad case and stays silent on the good case (rows built here)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from proofshot.scan.masking import mask_text
from proofshot.views.findings import evaluate
from proofshot.views.rules import BUILTIN, RULES
from proofshot.views.snapshot import from_plain
from tests.collectors.netdev.rule_cases import NETDEV_CASES, NETDEV_PEERS
from tests.collectors.windows.rule_cases import CASES as WINDOWS_CASES

CREATED = "2026-06-01T12:00:00Z"
SALT = b"test-salt"


def kh(value: str) -> str:
    return "hmac:" + hmac.new(SALT, value.encode(), hashlib.sha256).hexdigest()


def fs(target: str, used: int, avail: int, inodes: int = 100, iused: int = 1) -> dict[str, Any]:
    return {"target": target, "fstype": "ext4", "used": used, "avail": avail, "size": used + avail,
            "inodes": inodes, "inodes_used": iused}


def sshd(keyword: str, value: str) -> dict[str, Any]:
    return {"source": "effective", "match": "", "keyword": keyword, "n": 1, "value": value}


def user(name: str, uid: int, state: str = "locked") -> dict[str, Any]:
    return {"name": name, "uid": uid, "password_state": state}


def f(path: str, mode: str, ftype: str = "file", text: str | None = None) -> dict[str, Any]:
    return {"path": path, "mode": mode, "type": ftype, "text": text}


def listen(addr: str, port: int, procs: tuple[str, ...] = ("app",)) -> dict[str, Any]:
    return {"proto": "tcp", "address": addr, "port": port, "processes": list(procs)}


NFT_DROP = [
    {"source": "nft", "family": "inet", "table": "f", "chain": "input", "n": 1,
     "rule": "type filter hook input priority filter", "kind": "chain", "position": 1},
    {"source": "nft", "family": "inet", "table": "f", "chain": "input", "n": 1,
     "rule": "policy drop", "kind": "policy", "position": 2},
    {"source": "nft", "family": "inet", "table": "f", "chain": "input", "n": 1,
     "rule": "tcp dport 22 accept", "kind": "rule", "position": 3},
]
SNMPD = "agentAddress udp:161\nrocommunity {c} 10.0.0.0/8\n"


def ent(fw: str) -> dict[str, Any]:
    return {"index": 1, "class": "chassis", "model": "SW-48", "software_rev": fw,
            "contained_in": 0}


def policy(**over: Any) -> dict[str, Any]:
    return {"id": "domain", "min_password_length": 12, "complexity": True,
            "reversible_encryption": False, "lockout_threshold": 5, **over}


def aduser(sam: str, enabled: bool = True, **over: Any) -> dict[str, Any]:
    return {"sam": sam, "enabled": enabled, "password_never_expires": False,
            "password_not_required": False, **over}


def priv(member: str, enabled: bool | None = True) -> dict[str, Any]:
    return {"group": "Domain Admins", "member": member, "member_kind": "user",
            "path": [member, "Domain Admins"], "enabled": enabled}


# rule -> (bad tables, good tables); each host "h" (plus "p1"/"p2" peers for firmware drift)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "fs-space": ({"filesystems": [fs("/", 95, 5)]}, {"filesystems": [fs("/", 50, 50)]}),
    "fs-inodes": ({"filesystems": [fs("/", 1, 9, 100, 95)]},
                  {"filesystems": [fs("/", 1, 9, 100, 10)]}),
    "cert-expired": ({"certificates": [{"path": "/etc/a.pem", "not_after":
                                        "May  1 00:00:00 2026 GMT"}]},
                     {"certificates": [{"path": "/etc/a.pem", "not_after":
                                        "Dec 31 23:59:59 2049 GMT"}]}),
    "cert-expiring": ({"certificates": [{"path": "/etc/a.pem", "not_after":
                                         "Jun 20 00:00:00 2026 GMT"}]},
                      {"certificates": [{"path": "/etc/a.pem", "not_after":
                                         "Dec 31 23:59:59 2049 GMT"}]}),
    "service-failed": ({"services": [{"manager": "systemd", "name": "x.service",
                                      "active": "failed", "sub": "failed"}]},
                       {"services": [{"manager": "systemd", "name": "x.service",
                                      "active": "active", "sub": "running"}]}),
    "reboot-pending": (
        {"os": [{"id": "os", "kernel_release": "6.1.0-17-amd64"}],
         "packages": [{"manager": "dpkg", "name": "linux-image-6.1.0-17-amd64", "status": "ii"},
                      {"manager": "dpkg", "name": "linux-image-6.1.0-18-amd64", "status": "ii"}]},
        {"os": [{"id": "os", "kernel_release": "6.1.0-18-amd64"}],
         "packages": [{"manager": "dpkg", "name": "linux-image-6.1.0-17-amd64", "status": "ii"},
                      {"manager": "dpkg", "name": "linux-image-6.1.0-18-amd64", "status": "ii"}]}),
    "ssh-password-auth": ({"ssh_config": [sshd("passwordauthentication", "yes")]},
                          {"ssh_config": [sshd("passwordauthentication", "no")]}),
    "ssh-root-login": ({"ssh_config": [sshd("permitrootlogin", "yes")]},
                       {"ssh_config": [sshd("permitrootlogin", "prohibit-password")]}),
    "ssh-empty-passwords": ({"ssh_config": [sshd("permitemptypasswords", "yes")]},
                            {"ssh_config": [sshd("permitemptypasswords", "no")]}),
    "etc-world-writable": ({"files": [f("/etc/x.conf", "0666")]},
                           {"files": [f("/etc/x.conf", "0644"), f("/etc/t", "1777", "dir"),
                                      f("/etc/l", "0777", "link")]}),
    "secret-file-readable": ({"files": [f("/etc/shadow", "0644")]},
                             {"files": [f("/etc/shadow", "0640"),
                                        f("/etc/ssl/certs/a.pem", "0644")]}),
    "sudo-nopasswd-all": (
        {"sudoers": [{"file": "/etc/sudoers.d/a", "text": "bob ALL=(ALL) NOPASSWD: ALL",
                      "n": 1, "kind": "rule", "principal": "bob"}]},
        {"sudoers": [{"file": "/etc/sudoers.d/a", "text": "bob ALL=(ALL) NOPASSWD: /bin/ls",
                      "n": 1, "kind": "rule", "principal": "bob"}]}),
    "sudo-authenticate-off": (
        {"sudoers": [{"file": "/etc/sudoers.d/a", "text": "Defaults:%dev env_reset, !authenticate",
                      "n": 1, "kind": "defaults", "principal": None}]},
        {"sudoers": [{"file": "/etc/sudoers.d/a", "text": "Defaults !!authenticate",
                      "n": 1, "kind": "defaults", "principal": None},
                     {"file": "/etc/sudoers.d/a", "text": "Defaults:bob authenticate",
                      "n": 1, "kind": "defaults", "principal": None}]}),
    "user-empty-password": ({"users": [user("x", 1000, "empty")]},
                            {"users": [user("x", 1000, "set")]}),
    "user-uid0": ({"users": [user("root", 0), user("toor", 0)]}, {"users": [user("root", 0)]}),
    "user-duplicate-uid": ({"users": [user("a", 1000), user("b", 1000)]},
                           {"users": [user("a", 1000), user("b", 1001)]}),
    "time-not-synced": ({"time_sync": []},
                        {"time_sync": [{"file": "/etc/chrony/chrony.conf", "kind": "pool",
                                        "server": "2.debian.pool.ntp.org"}]}),
    "listen-all-addresses": ({"listening": [listen("0.0.0.0", 5432)]},
                             {"listening": [listen("127.0.0.1", 5432),
                                            listen("0.0.0.0", 22, ("sshd",))]}),
    "listen-blocked": ({"listening": [listen("0.0.0.0", 8080)], "firewall_rules": NFT_DROP},
                       {"listening": [listen("0.0.0.0", 22)], "firewall_rules": NFT_DROP}),
    "no-host-firewall": ({"listening": [listen("10.0.0.5", 80)], "firewall_rules": []},
                         {"listening": [listen("10.0.0.5", 80)], "firewall_rules": NFT_DROP}),
    "package-broken": ({"packages": [{"manager": "dpkg", "name": "a", "status": "iF"}]},
                       {"packages": [{"manager": "dpkg", "name": "a", "status": "ii"}]}),
    "snmp-community-public": (
        {"files": [f("/etc/snmp/snmpd.conf", "0644", text=mask_text(SNMPD.format(c="public"),
                                                                    kh))]},
        {"files": [f("/etc/snmp/snmpd.conf", "0644", text=mask_text(SNMPD.format(c="Xk9!q"),
                                                                    kh))]}),
    "snmp-interface-errors": (
        {"snmp_interfaces": [{"if_index": 1, "name": "ge-0/0/1", "admin_status": "up",
                              "in_errors": 12, "out_errors": 0}]},
        {"snmp_interfaces": [{"if_index": 1, "name": "ge-0/0/1", "admin_status": "up",
                              "in_errors": 0, "out_errors": 0}]}),
    "snmp-storage-full": (
        {"snmp_storage": [{"index": 1, "descr": "/", "type": "fixedDisk", "size_bytes": 100,
                           "used_bytes": 95}]},
        {"snmp_storage": [{"index": 1, "descr": "/", "type": "fixedDisk", "size_bytes": 100,
                           "used_bytes": 50}]}),
    "firmware-drift": ({"snmp_entities": [ent("15.2(3)")]}, {"snmp_entities": [ent("15.2(7)")]}),
    "ad-weak-password-policy": ({"ad_domain_policy": [policy(min_password_length=7)]},
                                {"ad_domain_policy": [policy()]}),
    "ad-password-never-expires": (
        {"ad_users": [aduser("svc", password_never_expires=True)]},
        {"ad_users": [aduser("svc"), aduser("old", enabled=False, password_never_expires=True)]}),
    "ad-password-not-required": ({"ad_users": [aduser("x", password_not_required=True)]},
                                 {"ad_users": [aduser("x")]}),
    "ad-disabled-privileged": (
        {"ad_privileged": [priv("erin", enabled=False)]},
        {"ad_privileged": [priv("carol"), {**priv("Helpdesk"), "member_kind": "group",
                                           "enabled": None}]}),
}
CASES.update(WINDOWS_CASES)  # tests/collectors/windows/rule_cases.py
PEERS = {"p1": {"snmp_entities": [ent("15.2(7)")]}, "p2": {"snmp_entities": [ent("15.2(7)")]}}
CASES.update(NETDEV_CASES)  # device configurations (views/rules/netdev.py)
PEERS.update(NETDEV_PEERS)


def test_every_rule_has_a_case_and_metadata() -> None:
    assert len(RULES) >= 20
    # the built-in rule sets (an installed plugin's rules are tested beside it, tests/plugins)
    assert {r.id for rules in BUILTIN.values() for r in rules} == set(CASES)
    for r in RULES:
        assert r.severity in ("critical", "high", "medium", "low", "info")
        assert r.title and r.remedy and r.tables


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_fires_on_bad_and_not_on_good(rule: str) -> None:
    bad, good = CASES[rule]
    for tables, want in ((bad, True), (good, False)):
        snap = from_plain({"h": tables, **PEERS}, created=CREATED)
        got = [x for x in evaluate(snap, kh) if x.rule == rule and x.target == "h"]
        assert bool(got) is want, (rule, want, [x.to_json() for x in got])
        for x in got:
            assert x.title and x.subject and x.severity
            if rule != "time-not-synced":
                assert x.evidence and all(e["target"] == "h" and e["table"] in tables
                                          and "key" in e and "row" in e for e in x.evidence)


def test_masked_community_needs_the_keyed_hash() -> None:
    bad = CASES["snmp-community-public"][0]
    snap = from_plain({"h": bad}, created=CREATED)
    assert not [x for x in evaluate(snap, None) if x.rule == "snmp-community-public"]
    plain = {"files": [f("/etc/snmp/snmpd.conf", "0644", text=SNMPD.format(c="public"))]}
    assert [x for x in evaluate(from_plain({"h": plain}), None)
            if x.rule == "snmp-community-public"]


def test_unread_targets_and_tables_give_no_findings() -> None:
    bad = CASES["user-uid0"][0]
    snap = from_plain({"h": bad}, meta={"h": {"status": "unreachable"}})
    assert evaluate(snap) == []
    assert [x.rule for x in evaluate(from_plain({"h": {}}))] == []


@pytest.mark.parametrize(("over", "subject"), [
    ({"min_password_length": 6}, "minimum password length"),
    ({"complexity": False}, "password complexity off"),
    ({"reversible_encryption": True}, "passwords stored with reversible encryption"),
    ({"lockout_threshold": 0}, "no account lockout"),
])
def test_each_policy_weakness_is_its_own_finding(over: dict[str, Any], subject: str) -> None:
    snap = from_plain({"dc": {"ad_domain_policy": [policy(**over)]}}, created=CREATED,
                      meta={"dc": {"type": "ldap"}})
    got = [(f.rule, f.subject) for f in evaluate(snap)]
    assert got == [("ad-weak-password-policy", subject)]


class CountingRows(list[dict[str, Any]]):
    """A files table that counts the passes over it (a large stored table re-reads the store on
    each pass: views/snapshot.py TableRows)."""

    passes = 0

    def __iter__(self) -> Any:
        CountingRows.passes += 1
        return super().__iter__()


def test_files_rules_read_the_files_table_once_per_target() -> None:
    noise = [f(f"/srv/d/file_{i:05d}", "0666" if i % 7 == 0 else "0644") for i in range(500)]
    planted = [f("/etc/x.conf", "0666"), f("/etc/tmp", "1777", "dir"), f("/etc/shadow", "0644"),
               f("/etc/ssl/private/a.pem", "0644"), f("/home/u/.ssh/id_key", "0644"),
               f("/etc/ssh/ssh_host_rsa_key", "0600"), f("/etc/link", "0777", "link"),
               f("/etc/snmp/snmpd.conf", "0644", text="rocommunity public\nrocommunity s3cr3t\n"
                 "com2sec ro default private\n")]
    rows = sorted(noise + planted, key=lambda r: r["path"])
    CountingRows.passes = 0
    snap = from_plain({"a": {"files": []}, "b": {"files": []}}, created=CREATED)
    for t in snap.targets.values():
        t.tables["files"] = CountingRows(rows)
    got = [(x.rule, x.target, x.subject) for x in evaluate(snap, None)]
    assert CountingRows.passes == 2  # one per target, whatever the number of files rules
    want = [("etc-world-writable", "/etc/x.conf mode 0666"),
            ("secret-file-readable", "/etc/shadow mode 0644"),
            ("secret-file-readable", "/etc/ssl/private/a.pem mode 0644"),
            ("snmp-community-public", "/etc/snmp/snmpd.conf:1 rocommunity public"),
            ("snmp-community-public", "/etc/snmp/snmpd.conf:3 com2sec private")]
    assert sorted(got) == sorted((r, t, s) for t in ("a", "b") for r, s in want)
