r"""Real server: shares enumerated over srvsvc (no `shares:` in the scope) and the share-level
ACL of `public` read with NetrShareGetInfo level 502; one ACE added with `sharesec` shows up in
the diff as exactly that ACE; a share ACE changed shows in the access diff as the rights the
folders lost over the network."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.collectors.conftest import Servers
from tests.collectors.ldap.test_ad_scenario import _env, _ps, _scope

pytestmark = pytest.mark.lab

ACE = "S-1-5-32-545:ALLOWED/0x0/READ"  # BUILTIN\Users may read the share


def _files(show: dict[str, Any]) -> dict[str, Any]:
    return next(t for t in show["targets"] if t["name"] == "files")


def test_enumerate_share_acl_and_diff(servers: Servers, tmp_path: Path) -> None:
    s = servers
    env = {**os.environ, "PS_SMB_PW": s.files.password}
    store, scope = tmp_path / "store", tmp_path / "scope.yaml"
    scope.write_text(json.dumps({"defaults": {"timeout": 20}, "targets": [
        {"name": "files", "type": "smb", "host": s.files.ip, "user": "audit",
         "password": "env:PS_SMB_PW", "depth": 1}]}))
    _ps(store, "init", env=env)
    s.files.sharesec("public", "-r", ACE)  # reused lab: start without the extra ACE
    _ps(store, "scan", str(scope), "--label", "before", env=env)
    try:
        s.files.sharesec("public", "-a", ACE)
        _ps(store, "scan", str(scope), "--label", "after", env=env)
    finally:
        s.files.sharesec("public", "-r", ACE)
    before = _files(json.loads(_ps(store, "show", "before", "--json", env=env)))
    assert before["status"] == "ok", before
    tables = before["tables"]
    shares = {r["share"]: r for r in tables["smb_shares"]}
    assert shares["public"]["type"] == "disk" and shares["public"]["share_acl"] == "read"
    assert shares["IPC$"]["special"] is True
    assert {d["share"] for d in tables["smb_dirs"]} == {"public"}  # IPC$ is not walked
    assert {d["path"] for d in tables["smb_dirs"]} >= {"/", "/finance", "/hr", "/it"}
    acl = {(r["share"], r["trustee_sid"]): r for r in tables["smb_share_acl"]}
    assert ("public", "S-1-5-32-545") not in acl
    assert acl[("public", "S-1-1-0")]["rights"] == ["full-control"]
    diff = json.loads(_ps(store, "diff", "before", "after", "--json", env=env))
    changes = diff["changes"]
    assert {(c["target"], c["table"]) for c in changes} == {("files", "smb_share_acl")}, changes
    assert len(changes) == 1, changes
    assert changes[0]["key"] == {"share": "public", "ace": "allow;;0x001200a9;S-1-5-32-545"}
    verify = _ps(store, "verify", "--rederive", env=env)
    assert "smb_share_acl" in verify or "re-derived" in verify


def test_a_connection_lost_mid_walk_is_an_error_answer_not_a_crash(servers: Servers) -> None:
    """The server's side of the session goes away while queries are still to run: every query
    comes back as an answer with a reason (the scan records it), nothing raises."""
    import asyncio

    from proofshot.model.transcript import Query
    from proofshot.transports.smb import SMBTransport

    async def go() -> list[Any]:
        t = SMBTransport("files", host=servers.files.ip, user="audit",
                         password=servers.files.password, timeout=20)
        await t.open()
        t._conn.disconnect(True)  # the TCP connection is gone; the transport does not know
        got = [await t.run(Query("walk", ("smb-walk-all", "2"))),
               await t.run(Query("w", ("smb-walk", "public", "2"))),
               await t.run(Query("s", ("smb-share", "public")))]
        await t.close()
        return got

    answers = asyncio.run(go())
    for a in answers:
        assert a.status() != "ok" and a.reason(), a


def _lost(delta: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(g["principal"], g["resource"]): g for g in delta["lost"]}


def test_share_ace_change_is_an_access_delta(servers: Servers, tmp_path: Path) -> None:
    r"""Everyone's share-level ACE on `public` goes from FULL to READ (the NTFS ACLs stay): the
    access diff says who lost what on which folder, through the NTFS chain and the share ACE
    it came through; putting it back gains exactly that again."""
    s = servers
    env = _env(s)
    store = tmp_path / "store"
    scope = _scope(s, tmp_path / "scope.yaml")
    _ps(store, "init", env=env)
    _ps(store, "scan", str(scope), "--label", "before", env=env)
    try:
        s.files.sharesec("public", "-m", "S-1-1-0:ALLOWED/0x0/READ")
        _ps(store, "scan", str(scope), "--label", "after", env=env)
    finally:
        s.files.sharesec("public", "-m", "S-1-1-0:ALLOWED/0x0/FULL")
    _ps(store, "scan", str(scope), "--label", "restored", env=env)
    diff = json.loads(_ps(store, "diff", "before", "after", "--json", env=env))
    assert {(c["target"], c["table"]) for c in diff["changes"]} == {("files", "smb_share_acl")}
    acc = diff["access"]
    assert acc["gained"] == [] and acc["unverifiable"] == []
    lost = _lost(acc)
    fin = "\\\\files\\public\\finance"
    dave = lost[("PSLAB\\dave", fin)]
    assert dave["rights"] == ["delete", "delete-child", "write"]  # read and execute stay
    assert dave["via"] == ["PSLAB\\dave", "PSLAB\\Finance-Team", "PSLAB\\Finance-Editors",
                           "ACE allow;OI|CI;0x001301ff", "share ACE allow;;0x001f01ff (Everyone)"]
    assert {p for p, _ in lost} == {"PSLAB\\dave", "PSLAB\\Finance-Editors", "NT AUTHORITY\\SYSTEM",
                                    "files\\BUILTIN\\Administrators", "files\\Unix User\\0"}
    assert all(res.startswith("\\\\files\\public") for _, res in lost)
    admins = lost[("files\\BUILTIN\\Administrators", fin)]
    assert admins["rights"] == ["change-permissions", "delete", "delete-child", "full-control",
                                "take-ownership", "write"]
    assert lost[("files\\Unix User\\0", fin)]["via"] == [
        "files\\Unix User\\0", "owner", "share ACE allow;;0x001f01ff (Everyone)"]
    assert lost[("files\\Unix User\\0", fin)]["rights"] == ["change-permissions"]
    # what remains over the network after the change: nobody may write to the share
    after = json.loads(_ps(store, "access", "after", "--json", "--resource", "\\\\files\\",
                           env=env))
    assert after and not [g for g in after if "write" in g["rights"]]
    assert all(g["via"][-1] == "share ACE allow;;0x001200a9 (Everyone)" for g in after)
    back = json.loads(_ps(store, "diff", "after", "restored", "--json", env=env))["access"]
    assert back["lost"] == [] and back["unverifiable"] == []
    assert {(g["principal"], g["resource"], tuple(g["rights"])) for g in back["gained"]} == {
        (p, res, tuple(g["rights"])) for (p, res), g in lost.items()}
