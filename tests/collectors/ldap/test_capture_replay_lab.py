"""Capture and replay with real servers (AD DC over LDAPS, Samba file server over SMB with a
streamed walk, OpenLDAP): `proofshot capture` records them, a `type: replay` scope scans the
recording back, and the diff between a direct scan and the replayed one shows nothing: no
change, nothing unverifiable. The capture holds none of the passwords used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.collectors.conftest import Servers
from tests.collectors.ldap.test_ad_scenario import _env, _ps, _scope

pytestmark = pytest.mark.lab


def test_capture_then_replay_equals_a_direct_scan(servers: Servers, tmp_path: Path) -> None:
    env = _env(servers)
    store = tmp_path / "store"
    _ps(store, "init", env=env)
    scope = _scope(servers, tmp_path / "scope.yaml")
    _ps(store, "capture", str(scope), "--out", str(tmp_path / "cap"), env=env)
    _ps(store, "scan", str(scope), "--label", "direct", env=env)
    names = ("ad", "files", "ol")
    for n in names:
        meta = json.loads((tmp_path / "cap" / n / "capture.json").read_text())
        assert meta["status"] == "ok" and meta["queries"], n
    replay = tmp_path / "replay.yaml"
    replay.write_text(json.dumps({"targets": [
        {"name": n, "type": "replay", "path": str(tmp_path / "cap" / n)} for n in names]}))
    _ps(store, "scan", str(replay), "--label", "replayed", env=env)
    diff = json.loads(_ps(store, "diff", "direct", "replayed", "--json", env=env))
    assert diff["changes"] == [] and diff["unverifiable"] == []
    assert {u["target"] for u in diff["unchanged"]} == set(names)
    walk = json.loads((tmp_path / "cap" / "files" / "capture.json").read_text())
    assert any(q["id"].startswith("walk") for q in walk["queries"])  # a streamed answer
    raw = b"".join(p.read_bytes() for p in (tmp_path / "cap").rglob("*") if p.is_file())
    for secret in (servers.dc.audit_password, servers.files.password,
                   servers.ldap.reader_password):
        assert secret.encode() not in raw
    _ps(store, "verify", "--rederive", env=env)
