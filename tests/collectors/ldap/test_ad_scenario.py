r"""Real servers: AD DC + file server + OpenLDAP scanned before and after three access changes.

Scenario (issue 5): alice joins Finance-Team, which is nested in Finance-Editors, which may
change \\files\public\finance; bob gets an ACE of his own on \\files\public\hr; carol leaves
Domain Admins. The access diff shows exactly those three principals, each with its chain.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from proofshot.model.transcript import Answer
from proofshot.store.embedded import Store
from tests.collectors.conftest import Servers
from tests.lab.samba import BASE_DN, LDAP_BASE
from tests.storebytes import everything as store_everything

pytestmark = pytest.mark.lab

UNKNOWN_SID = "S-1-5-21-111-222-333-4242"


def _scope(s: Servers, path: Path, **over: Any) -> Path:
    ad = {"name": "ad", "type": "ldap", "url": f"ldaps://{s.dc.ip}", "user": "audit@pslab.test",
          "password": "env:PS_AD_PW", "base": BASE_DN, "ca": str(s.dc.ca)}
    files = {"name": "files", "type": "smb", "host": s.files.ip, "shares": ["public"],
             "user": "audit", "password": "env:PS_SMB_PW", "depth": 3}
    ol = {"name": "ol", "type": "ldap", "url": f"ldap://{s.ldap.ip}", "user": s.ldap.reader_dn,
          "password": "env:PS_OL_PW", "base": LDAP_BASE}
    targets = [ad | over.get("ad", {}), files | over.get("files", {}), ol]
    path.write_text(json.dumps({"defaults": {"timeout": 20}, "targets": targets}))
    return path


def _ps(store: Path, *args: str, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> str:
    proc = subprocess.run([sys.executable, "-m", "proofshot", *args, "--store", str(store)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode in ok, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stdout


def _env(s: Servers, **extra: str) -> dict[str, str]:
    return {**os.environ, "PS_AD_PW": s.dc.audit_password, "PS_SMB_PW": s.files.password,
            "PS_OL_PW": s.ldap.reader_password, **extra}


@pytest.fixture(scope="module")
def scenario(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    s = servers
    work = tmp_path_factory.mktemp("ad")
    store = work / "store"
    env = _env(s)
    _ps(store, "init", env=env)
    scope = _scope(s, work / "scope.yaml")
    _ps(store, "scan", str(scope), "--label", "before", env=env)
    bob = s.dc.sid("bob")
    try:
        s.dc.tool("group", "addmembers", "Finance-Team", "alice")
        s.files.smbcacls("public", "hr", "--add", f"ACL:{bob}:ALLOWED/OI|CI/CHANGE")
        s.dc.tool("group", "removemembers", "Domain Admins", "carol")
        _ps(store, "scan", str(scope), "--label", "after", env=env)
        yield {
            "store": store, "env": env, "work": work,
            "diff": json.loads(_ps(store, "diff", "before", "after", "--json", env=env)),
            "show": json.loads(_ps(store, "show", "after", "--json", env=env)),
            "access": json.loads(_ps(store, "access", "after", "--json", env=env)),
            "verify": _ps(store, "verify", "--rederive", env=env),
            "findings": json.loads(_ps(store, "findings", "after", "--json", env=env)),
        }
    finally:  # the lab may be reused: put it back as it was
        s.dc.tool("group", "removemembers", "Finance-Team", "alice", check=False)
        s.dc.tool("group", "addmembers", "Domain Admins", "carol", check=False)
        s.files.smbcacls("public", "hr", "--delete", f"ACL:{bob}:ALLOWED/OI|CI/CHANGE",
                         check=False)


def test_every_target_read(scenario: dict[str, Any]) -> None:
    targets = {t["name"]: t for t in scenario["show"]["targets"]}
    assert {n: t["status"] for n, t in targets.items()} == {"ad": "ok", "files": "ok", "ol": "ok"}
    ad = targets["ad"]["tables"]
    assert {"ad_users", "ad_groups", "ad_memberships", "ad_computers", "ad_ous", "ad_gpo_links",
            "ad_domain_policy", "ad_privileged", "ad_acl"} <= set(ad)
    users = {u["sam"]: u for u in ad["ad_users"]}
    assert users["erin"]["enabled"] is False and users["frank"]["password_never_expires"] is True
    assert users["alice"]["upn"] is None or users["alice"]["upn"].startswith("alice")
    pol = ad["ad_domain_policy"][0]
    assert pol["domain"] == "pslab.test" and pol["netbios"] == "PSLAB"
    assert pol["min_password_length"] == 7 and pol["complexity"] is True
    assert {(g["container"], g["gpo_name"]) for g in ad["ad_gpo_links"]} >= {
        (BASE_DN, "Default Domain Policy")}
    assert any(c["sam"] == "WS01$" for c in ad["ad_computers"])
    # the OU's delegated ACE: Helpdesk may reset passwords below OU=Finance
    fin = [a for a in ad["ad_acl"] if a["object"] == f"OU=Finance,{BASE_DN}"]
    assert any(a["trustee"] == "PSLAB\\Helpdesk" and a["object_type"] ==
               "User-Force-Change-Password" for a in fin)
    # nested membership resolved with its chain
    mem = {(m["group"], m["member"]): m for m in ad["ad_memberships"]}
    assert mem[("Finance-Editors", "alice")]["path"] == ["alice", "Finance-Team", "Finance-Editors"]
    assert mem[("Finance-Readers", "frank")]["how"] == "nested"
    ol = targets["ol"]["tables"]
    assert {u["uid"] for u in ol["ldap_users"]} == {"ann", "ben"}
    assert {g["cn"]: g["kind"] for g in ol["ldap_groups"]} == {
        "staff": "posixGroup", "admins": "groupOfNames", "ops": "groupOfNames"}
    files = targets["files"]["tables"]
    assert {d["path"] for d in files["smb_dirs"]} >= {"/", "/finance", "/hr", "/it", "/it/tools"}


def test_nested_resolution_matches_the_server(servers: Servers, scenario: dict[str, Any]) -> None:
    """Our transitive closure equals AD's own LDAP_MATCHING_RULE_IN_CHAIN evaluation."""
    import ldap3

    s = servers
    tls = ldap3.Tls(ca_certs_file=str(s.dc.ca), validate=2)
    conn = ldap3.Connection(ldap3.Server(s.dc.ip, 636, use_ssl=True, tls=tls),
                            "audit@pslab.test", s.dc.audit_password, auto_bind=True)
    ad = next(t for t in scenario["show"]["targets"] if t["name"] == "ad")["tables"]
    for group in ("Finance-Editors", "Finance-Readers", "Administrators"):
        dn = next(g["dn"] for g in ad["ad_groups"] if g["sam"] == group)
        conn.search(BASE_DN, f"(&(objectCategory=person)(memberOf:1.2.840.113556.1.4.1941:={dn}))",
                    attributes=["sAMAccountName"])
        server = {str(e.sAMAccountName) for e in conn.entries}
        ours = {m["member"] for m in ad["ad_memberships"]
                if m["group"] == group and m["member_kind"] == "user" and m["how"] != "primary"}
        assert ours == server, group
    conn.unbind()


def test_access_diff_shows_exactly_the_three_changes(scenario: dict[str, Any]) -> None:
    acc = scenario["diff"]["access"]
    assert acc["unverifiable"] == []
    gained = {(g["principal"], g["resource"]): g for g in acc["gained"]}
    assert set(gained) == {("PSLAB\\alice", "\\\\files\\public\\finance"),
                           ("PSLAB\\bob", "\\\\files\\public\\hr")}
    alice = gained[("PSLAB\\alice", "\\\\files\\public\\finance")]
    assert "write" in alice["rights"]
    assert alice["via"][:3] == ["PSLAB\\alice", "PSLAB\\Finance-Team", "PSLAB\\Finance-Editors"]
    assert alice["via"][3].startswith("ACE allow;OI|CI;")
    # over SMB the share-level ACL is the second source: the lab's share lets Everyone do all
    share = "share ACE allow;;0x001f01ff (Everyone)"
    assert alice["via"][4:] == [share]
    bob = gained[("PSLAB\\bob", "\\\\files\\public\\hr")]
    assert "write" in bob["rights"] and len(bob["via"]) == 3 and bob["via"][1].startswith("ACE")
    assert bob["via"][2] == share
    lost = acc["lost"]
    assert lost and {g["principal"] for g in lost} == {"PSLAB\\carol"}
    assert all(g["via"][1] == "PSLAB\\Domain Admins" for g in lost)
    assert any(g["resource"] == "ad:privileged:Domain Admins" for g in lost)
    # the table diff says the same, row by row, and nothing else changed
    changed = {(c["target"], c["table"]) for c in scenario["diff"]["changes"]}
    assert changed == {("ad", "ad_groups"), ("ad", "ad_memberships"), ("ad", "ad_privileged"),
                       ("files", "smb_acl"), ("files", "smb_dirs")}


def test_access_view_and_rederive(scenario: dict[str, Any]) -> None:
    rows = scenario["access"]
    assert any(g["principal"] == "PSLAB\\dave" and g["resource"] == "\\\\files\\public\\finance"
               for g in rows)
    # every table re-derives from its stored transcript (the raw LDAP/SMB answers)
    lines = [ln for ln in scenario["verify"].splitlines() if ln.startswith("re-derived")]
    assert len(lines) == 2
    for ln in lines:
        done, total = ln.split(": ")[1].split(" ")[0].split("/")
        assert done == total and int(total) >= 14, ln


def test_findings_name_the_domain_weaknesses(scenario: dict[str, Any]) -> None:
    """The lab domain allows 7-character passwords and frank's never expires."""
    got = {(f["rule"], f["target"], f.get("subject")) for f in scenario["findings"]}
    assert ("ad-weak-password-policy", "ad", "minimum password length") in got
    assert ("ad-password-never-expires", "ad", "frank") in got
    assert not any(r == "ad-password-never-expires" and s == "erin" for r, _, s in got)


def test_walks_are_streamed_and_stored_in_pieces(scenario: dict[str, Any]) -> None:
    """The share walk went to disk as it came and is stored as line-aligned pieces; its lines
    read back from the pieces are exactly the directories of smb_dirs."""
    store = Store.open(scenario["store"])
    try:
        body = store.manifest(store.resolve("after"))
        files = next(t for t in body["targets"] if t["name"] == "files")
        cov = {c["query"]: c for c in files["coverage"]}
        rec = store.get_json(cov["walk:public"]["transcript"])
        assert set(rec["stdout"]) == {"bytes", "chunks"} and rec["stdout"]["chunks"]
        assert rec["stdout"]["bytes"] == cov["walk:public"]["bytes"] > 0
        walk = Answer.from_record(rec, store.get)
        paths = sorted(json.loads(line)["p"] for line in walk.lines() if line)
        assert paths == sorted(d["path"] for d in next(
            t for t in scenario["show"]["targets"] if t["name"] == "files")["tables"]["smb_dirs"])
        assert not any(store.tmp_dir.glob("scan-*"))  # the scan's work files are gone
    finally:
        store.close()


def test_no_secret_reaches_the_store(servers: Servers, scenario: dict[str, Any]) -> None:
    store: Path = scenario["store"]
    everything = store_everything(store)
    for secret in (servers.dc.audit_password, servers.files.password,
                   servers.ldap.reader_password, servers.dc.admin_password):
        assert secret.encode() not in everything


def _scan_one(s: Servers, tmp: Path, target: str, over: dict[str, Any],
              env: dict[str, str] | None = None) -> dict[str, Any]:
    store = tmp / "store"
    e = env or _env(s)
    if not store.exists():
        _ps(store, "init", env=e)
    scope = _scope(s, tmp / "scope.yaml", **{target: over})
    _ps(store, "scan", str(scope), "--label", "x", env=e, ok=(0, 3))
    show = json.loads(_ps(store, "show", "latest", "--json", env=e))
    return next(t for t in show["targets"] if t["name"] == target)


def test_wrong_password_is_auth_failed(servers: Servers, tmp_path: Path) -> None:
    env = _env(servers, PS_AD_PW="Wrong-Pass-1", PS_SMB_PW="Wrong-Pass-2")
    ad = _scan_one(servers, tmp_path, "ad", {}, env)
    assert ad["status"] == "auth-failed" and "invalid credentials" in ad["reason"]
    files = _scan_one(servers, tmp_path, "files", {}, env)
    assert files["status"] == "auth-failed"
    assert "Wrong-Pass" not in json.dumps(ad) + json.dumps(files)


def test_unreachable_dc(servers: Servers, tmp_path: Path) -> None:
    ip = servers.dc.ip.rsplit(".", 1)[0] + ".199"  # on the lab net, nobody there
    ad = _scan_one(servers, tmp_path, "ad", {"url": f"ldaps://{ip}", "timeout": 3})
    assert ad["status"] == "unreachable" and ip in ad["reason"]


def test_tls_failure_is_clear(servers: Servers, tmp_path: Path) -> None:
    ad = _scan_one(servers, tmp_path, "ad", {"ca": None})  # system CAs do not know the lab CA
    assert ad["status"] == "failed"
    assert "certificate verify failed" in ad["reason"]
    ad = _scan_one(servers, tmp_path, "ad", {"ca": None, "tls_verify": False})
    assert ad["status"] == "ok"


def test_unknown_sid_is_kept(servers: Servers, tmp_path: Path) -> None:
    servers.files.smbcacls("public", "it", "--add", f"ACL:{UNKNOWN_SID}:ALLOWED/0x0/READ")
    try:
        files = _scan_one(servers, tmp_path, "files", {})
    finally:
        servers.files.smbcacls("public", "it", "--delete", f"ACL:{UNKNOWN_SID}:ALLOWED/0x0/READ",
                               check=False)
    assert files["status"] == "ok"
    rows = [r for r in files["tables"]["smb_acl"] if r["trustee_sid"] == UNKNOWN_SID]
    assert rows and rows[0]["trustee"] == UNKNOWN_SID and rows[0]["path"] == "/it"
    acc = json.loads(_ps(tmp_path / "store", "access", "latest", "--json",
                         "--principal", UNKNOWN_SID, env=_env(servers)))
    assert [g["resource"] for g in acc] == ["\\\\files\\public\\it"]
