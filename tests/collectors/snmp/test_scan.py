"""End to end against real agents: `proofshot scan` of snmpd (v2c, v3) and snmpsim recordings,
rows compared with what Net-SNMP's own snmpwalk says; a diff; no secret in the store."""

from __future__ import annotations

import bz2
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.collectors.snmp.agents import (
    RECORDINGS,
    V3_AUTH,
    V3_PRIV,
    V3_USER,
    Snmpd,
    Snmpsim,
    free_udp_port,
)
from tests.collectors.snmp.agents import client_env as _client_env
from tests.storebytes import everything as store_everything


def cli(*args: str, env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,)
        ) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([sys.executable, "-m", "proofshot", *args], capture_output=True,
                       text=True, env={**os.environ, **(env or {})}, timeout=300, check=False)
    assert r.returncode in ok, f"exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


def snapshot_id(r: subprocess.CompletedProcess[str]) -> str:
    return r.stdout.strip().splitlines()[-1]


def show(store: Path, sid: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(cli("show", sid, "--json", "--store", str(store)).stdout)
    return {t["name"]: t for t in data["targets"]}


def walk_values(tmp: Path, port: int, community: str, oid: str) -> list[bytes]:
    """Values of a subtree as Net-SNMP prints them with -Oqv -Ox, decoded to bytes/ints."""
    r = subprocess.run(["snmpbulkwalk", "-v2c", "-c", community, "-On", "-Oqv", "-Ox", "-t", "5",
                        f"127.0.0.1:{port}", oid], capture_output=True, env=_client_env(tmp),
                       check=True, timeout=120)
    vals: list[str] = []
    cur: str | None = None
    for line in r.stdout.decode().split("\n"):
        if cur is not None:  # inside a quoted, wrapped hex value
            cur += " " + line
            if line.rstrip().endswith('"'):
                vals.append(cur)
                cur = None
            continue
        if line.startswith("No Such"):
            return []
        stripped = line.rstrip()
        if stripped.startswith('"') and (len(stripped) == 1 or not stripped.endswith('"')):
            cur = line
            continue
        if line:
            vals.append(line)
    return [_val(v) for v in vals]


def _is_hex(line: str) -> bool:
    parts = line.split()
    return bool(parts) and all(len(p) == 2 and all(c in "0123456789ABCDEFabcdef" for c in p)
                               for p in parts)


def _val(value: str) -> bytes:
    text = value.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].strip()
    if text and _is_hex(text):
        return bytes.fromhex(text)
    return text.encode()


def text_of(b: bytes) -> str:
    return b.rstrip(b"\0").decode("utf-8", "backslashreplace")


def assert_no_secret(store: Path, secrets_: list[str], *texts: str) -> None:
    needles = [s.encode() for s in secrets_]
    blob = store_everything(store)
    for n in needles:
        assert n not in blob, "secret found in the store"
    for t in texts:
        for s in secrets_:
            assert s not in t


# --- Net-SNMP snmpd ---------------------------------------------------------------------------

def test_snmpd_v2c_v3_scan(snmpd_agent: Snmpd, tmp_path: Path) -> None:
    a = snmpd_agent
    scope = tmp_path / "scope.yaml"
    scope.write_text(f"""
defaults: {{timeout: 30}}
targets:
  - {{name: agent-v2c, type: snmp, host: 127.0.0.1, port: {a.port}, version: 2c,
      community: env:T_SNMP_COMMUNITY}}
  - {{name: agent-v3, type: snmp, host: 127.0.0.1, port: {a.port}, version: 3, user: {V3_USER},
      auth_protocol: SHA, auth_key: env:T_AUTH, priv_protocol: AES, priv_key: env:T_PRIV}}
  - {{name: agent-v3-badauth, type: snmp, host: 127.0.0.1, port: {a.port}, version: 3,
      user: {V3_USER}, auth_protocol: SHA, auth_key: env:T_BAD, priv_protocol: AES,
      priv_key: env:T_PRIV}}
  - {{name: agent-v3-badpriv, type: snmp, host: 127.0.0.1, port: {a.port}, version: 3,
      user: {V3_USER}, auth_protocol: SHA, auth_key: env:T_AUTH, priv_protocol: AES,
      priv_key: env:T_BAD}}
""")
    store = tmp_path / "store"
    env = {"T_SNMP_COMMUNITY": a.community, "T_AUTH": V3_AUTH, "T_PRIV": V3_PRIV,
           "T_BAD": "wrong-pass-0000"}
    names_before = [text_of(v) for v in walk_values(tmp_path, a.port, a.community,
                                                    ".1.3.6.1.2.1.2.2.1.2")]
    r = cli("scan", str(scope), "--label", "one", "--store", str(store), env=env, ok=(3,))
    names_after = [text_of(v) for v in walk_values(tmp_path, a.port, a.community,
                                                   ".1.3.6.1.2.1.2.2.1.2")]
    sid = snapshot_id(r)
    targets = show(store, sid)
    descr = text_of(walk_values(tmp_path, a.port, a.community, ".1.3.6.1.2.1.1.1.0")[0])
    for name in ("agent-v2c", "agent-v3"):
        t = targets[name]
        assert t["status"] == "ok", t
        system = t["tables"]["snmp_system"][0]
        assert system["descr"] == descr
        assert system["location"] == a.location and system["contact"] == a.contact
        assert system["vendor"] == "Net-SNMP" and system["enterprise"] == 8072
        ifdescr = sorted(row["descr"] for row in t["tables"]["snmp_interfaces"])
        assert ifdescr in (sorted(names_before), sorted(names_after))
        assert {"snmp_ip_addresses", "snmp_routes", "snmp_storage"} <= set(t["tables"])
        assert any(row["address"] == "127.0.0.1" for row in t["tables"]["snmp_ip_addresses"])
    assert targets["agent-v3-badauth"]["status"] == "auth-failed"
    assert targets["agent-v3-badpriv"]["status"] == "auth-failed"
    assert_no_secret(store, [a.community, V3_AUTH, V3_PRIV, "wrong-pass-0000"],
                     r.stdout, r.stderr)
    assert cli("verify", "--store", str(store)).returncode == 0


def test_snmpd_diff_shows_exactly_the_config_change(tmp_path: Path) -> None:
    from tests.collectors.snmp.agents import missing_tools

    if missing_tools():
        pytest.skip(f"Net-SNMP tools missing: {missing_tools()}")
    # The community sees only the system group: the root namespace's interfaces, routes and
    # packages move while other work runs on this machine, and would make the diff flaky.
    port = free_udp_port()
    agent = Snmpd(tmp_path / "agent", port, community="ps-full-diff-0001",
                  view_community="ps-sys-diff-0001")
    (tmp_path / "agent").mkdir()
    scope = tmp_path / "scope.yaml"
    scope.write_text(f"""
targets:
  - {{name: sw1, type: snmp, host: 127.0.0.1, port: {port}, community: env:T_DIFF_COMM}}
""")
    store = tmp_path / "store"
    env = {"T_DIFF_COMM": "ps-sys-diff-0001"}
    try:
        agent.start()
        cli("scan", str(scope), "--label", "before", "--store", str(store), env=env)
        agent.stop()
        agent.location, agent.contact = "Lab rack 2", "noc@example.test"
        agent.start()
        cli("scan", str(scope), "--label", "after", "--store", str(store), env=env)
    finally:
        agent.stop()
    d = json.loads(cli("diff", "before", "after", "--json", "--store", str(store)).stdout)
    assert len(d["changes"]) == 1, d["changes"]
    ch = d["changes"][0]
    assert (ch["target"], ch["table"], ch["kind"]) == ("sw1", "snmp_system", "changed")
    assert sorted(ch["columns"]) == ["contact", "location"]
    assert ch["before"]["location"] == "Lab rack 1" and ch["after"]["location"] == "Lab rack 2"
    # tables outside the view are "not supported", never "removed"
    assert all(u["table"] != "snmp_system" for u in d["unverifiable"])
    assert_no_secret(store, ["ps-sys-diff-0001"])


# --- snmpsim recordings -----------------------------------------------------------------------

def test_snmpsim_recordings(snmpsim_agent: Snmpsim, tmp_path: Path) -> None:
    port = snmpsim_agent.port
    lines = ["targets:"]
    env: dict[str, str] = {}
    for i, (community, _) in enumerate(RECORDINGS):
        name = community.replace("/", "-")
        env[f"T_SIM_{i}"] = community
        lines.append(f"  - {{name: {name}, type: snmp, host: 127.0.0.1, port: {port}, "
                     f"community: env:T_SIM_{i}, timeout: 120}}")
    scope = tmp_path / "scope.yaml"
    scope.write_text("\n".join(lines) + "\n")
    store = tmp_path / "store"
    r = cli("scan", str(scope), "--label", "sim", "--store", str(store), env=env)
    targets = show(store, snapshot_id(r))
    recorded = {community: recorded_counts(snmpsim_agent.data_root() / rel,
                                           ("1.3.6.1.2.1.31.1.1.1.1", "1.3.6.1.2.1.4.20.1.1"))
                for community, rel in RECORDINGS}
    manifest_status = {name: t["status"] for name, t in targets.items()}
    assert set(manifest_status.values()) == {"ok"}, manifest_status
    for community, _ in RECORDINGS:
        t = targets[community.replace("/", "-")]
        tables = t["tables"]
        descr = text_of(walk_values(tmp_path, port, community, ".1.3.6.1.2.1.1.1.0")[0])
        assert tables["snmp_system"][0]["descr"] == descr.rstrip("\0"), community
        want = sorted(text_of(v) for v in walk_values(tmp_path, port, community,
                                                      ".1.3.6.1.2.1.2.2.1.2"))
        got = sorted(row["descr"] for row in tables["snmp_interfaces"])
        assert got == want, community
        # how many ifName and ipAdEntAddr values the recording file itself holds
        names = walk_values(tmp_path, port, community, ".1.3.6.1.2.1.31.1.1.1.1")
        assert len(names) == recorded[community]["1.3.6.1.2.1.31.1.1.1.1"], community
        assert {text_of(n) for n in names if n} <= {row["name"] for row in
                                                    tables["snmp_interfaces"]}
        v4 = walk_values(tmp_path, port, community, ".1.3.6.1.2.1.4.20.1.1")
        assert len(v4) == recorded[community]["1.3.6.1.2.1.4.20.1.1"], community
        got_addr = {row["address"] for row in tables.get("snmp_ip_addresses", [])}
        assert {v.decode() for v in v4} <= got_addr, community
    # the checks above ran on real values: these recordings hold interface names / addresses
    assert sum(1 for c in recorded.values() if c["1.3.6.1.2.1.31.1.1.1.1"]) >= 4, recorded
    assert sum(1 for c in recorded.values() if c["1.3.6.1.2.1.4.20.1.1"]) >= 4, recorded
    # forwarding table (D-Link: Q-BRIDGE dot1qTpFdbTable) and running software (Vyatta's
    # hrSWRunTable) match snmpwalk of the same recording
    dlink = targets["switch-dlink-des3038"]["tables"]
    want_fdb = {tuple(int(a) for a in k.split(".")): int(v) for k, v in walk_pairs(
        tmp_path, port, "switch/dlink-des3038", ".1.3.6.1.2.1.17.7.1.2.2.1.2").items()}
    got_fdb = {(r["fdb_id"], *(int(x, 16) for x in r["mac"].split(":"))): r["port"]
               for r in dlink["snmp_fdb"]}
    assert want_fdb and got_fdb == want_fdb
    assert {r["source"] for r in dlink["snmp_fdb"]} == {"dot1qTpFdbTable"}
    assert any(r["if_name"] for r in dlink["snmp_fdb"])
    vyatta = targets["router-vyatta-unknown"]["tables"]
    want_run = {int(k): v.strip('"') for k, v in walk_pairs(
        tmp_path, port, "router/vyatta-unknown", ".1.3.6.1.2.1.25.4.2.1.2").items()}
    assert want_run and {r["index"]: r["name"] for r in vyatta["snmp_processes"]} == want_run
    assert {r["status"] for r in vyatta["snmp_processes"]} <= {"running", "runnable", None}
    for name in ("switch-cisco-c3560", "ups-apc-8932"):  # neither implements them: coverage
        assert "snmp_fdb" not in targets[name]["tables"]
    assert_no_secret(store, ["switch/cisco-c3560", "ups/apc-8932"])


def recorded_counts(path: Path, columns: tuple[str, ...]) -> dict[str, int]:
    """Values per column OID in a .snmprec recording (lines `oid|type|value`), read from the
    file itself: an oracle apart from snmpsim and from our collector."""
    opener = bz2.open if path.suffix == ".bz2" else open
    with opener(path, "rt", errors="replace") as fh:
        oids = [line.split("|", 1)[0] for line in fh]
    return {col: sum(1 for o in oids if o.startswith(col + ".")) for col in columns}


def walk_pairs(tmp: Path, port: int, community: str, oid: str) -> dict[str, str]:
    """OID suffix under `oid` -> value as snmpbulkwalk prints it (-Oq -Oa -Oe: ASCII text)."""
    r = subprocess.run(["snmpbulkwalk", "-v2c", "-c", community, "-On", "-Oq", "-Oa", "-Oe",
                        "-t", "5", f"127.0.0.1:{port}", oid], capture_output=True, text=True,
                       env=_client_env(tmp), check=True, timeout=120)
    out: dict[str, str] = {}
    for line in r.stdout.splitlines():
        head, _, value = line.partition(" ")
        if head.startswith(oid + "."):
            out[head[len(oid) + 1:]] = value
    return out
