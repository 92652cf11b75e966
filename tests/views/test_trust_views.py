"""Views must not overstate: a short-lived client's UDP socket is no service, a host without a
firewall is said to have none, a finding is listed once, and a statement resting on a table
read in part (or from other sources) on one side "could not be checked"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from proofshot.collectors.linux.parsers.net import split_listening
from proofshot.collectors.linux.parsers.peers import parse_lldpcli
from proofshot.views import paths
from proofshot.views.delta import findings_delta, paths_delta
from proofshot.views.findings import evaluate
from proofshot.views.snapshot import from_plain

LLDP = Path(__file__).parents[1] / "collectors" / "linux" / "fixtures" / "lldp"

# `ss -tulpn` while 3 snmpbulkwalk runs were in flight (ports inside 32768-60999), with snmpd
# on 161, chronyd's client socket and a kernel WireGuard socket (no process) on 51820
SS = """Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess
udp   UNCONN 0      0            0.0.0.0:161        0.0.0.0:*    users:(("snmpd",pid=501,fd=6))
udp   UNCONN 0      0            0.0.0.0:41234      0.0.0.0:*    users:(("snmpbulkwalk",pid=901,fd=3))
udp   UNCONN 0      0            0.0.0.0:52011      0.0.0.0:*    users:(("snmpbulkwalk",pid=902,fd=3))
udp   UNCONN 0      0            0.0.0.0:38999      0.0.0.0:*    users:(("snmpbulkwalk",pid=903,fd=3))
udp   UNCONN 0      0            0.0.0.0:51820      0.0.0.0:*
tcp   LISTEN 0      128          0.0.0.0:22         0.0.0.0:*    users:(("sshd",pid=400,fd=3))
tcp   LISTEN 0      128          0.0.0.0:45000      0.0.0.0:*    users:(("app",pid=410,fd=3))
"""


def test_udp_client_sockets_are_kept_apart_from_services() -> None:
    services, clients = split_listening(SS, "32768\t60999\n")
    assert sorted((r["proto"], r["port"]) for r in services) == [
        ("tcp", 22), ("tcp", 45000), ("udp", 161), ("udp", 51820)]
    assert sorted(r["port"] for r in clients) == [38999, 41234, 52011]
    assert {p for r in clients for p in r["processes"]} == {"snmpbulkwalk"}
    # without the range nothing is guessed: every socket stays a service
    assert len(split_listening(SS, None)[0]) == 7 and split_listening(SS, None)[1] == []


def _host(fw: list[dict[str, Any]] | None) -> dict[str, Any]:
    services, _ = split_listening(SS, "32768 60999")
    t: dict[str, Any] = {"listening": services,
                         "addresses": [{"interface": "eth0", "address": "10.0.0.5",
                                        "prefix": 24, "family": "inet"}]}
    if fw is not None:
        t["firewall_rules"] = fw
    return {"srv": t}


def test_no_host_firewall_is_said_so() -> None:
    g = paths.build(from_plain(_host([])))
    text = "\n".join(paths.text_lines(g))
    assert "allowed by host firewall" not in text
    assert "exposes tcp/22 on 0.0.0.0 (sshd) - no host firewall" in text
    # not read at all: neither allowed nor blocked
    text = "\n".join(paths.text_lines(paths.build(from_plain(_host(None)))))
    assert "tcp/22 on 0.0.0.0 (sshd) - host firewall not read" in text
    assert "blocked" not in text and "allowed" not in text


def test_a_finding_is_listed_once() -> None:
    # sshd on 0.0.0.0 and on :: is one service on all addresses: one finding, both rows as
    # evidence (the rule gives a hit per row)
    rows = [{"proto": "tcp", "address": a, "port": 22, "processes": ["sshd"], "sockets": 1,
             "pids": ["400"]} for a in ("0.0.0.0", "::")]
    snap = from_plain({"srv": {"listening": rows, "firewall_rules": []}})
    found = [(f.rule, f.target, f.subject) for f in evaluate(snap)]
    assert len(found) == len(set(found)), found


def test_a_statement_on_a_table_read_in_part_could_not_be_checked() -> None:
    full = {"srv": {"ssh_config": [{"source": "effective", "match": "", "keyword":
                                    "passwordauthentication", "n": 1, "value": "yes"}]}}
    part = {"srv": {"ssh_config": []}}
    a = from_plain(full)
    b = from_plain(part)
    b.targets["srv"].reads["ssh_config"] = {
        "sources": ["sshd_config"], "failed": ["sshd_effective: failed"], "status": "partial"}
    a.targets["srv"].reads["ssh_config"] = {"sources": ["sshd_config", "sshd_effective"]}
    fd = findings_delta(a, b, evaluate(a), evaluate(b))
    assert fd["disappeared"] == [] and [f["rule"] for f in fd["unverifiable"]] == [
        "ssh-password-auth"]
    # read alike on both sides: a real disappearance
    b.targets["srv"].reads["ssh_config"] = dict(a.targets["srv"].reads["ssh_config"])
    fd = findings_delta(a, b, evaluate(a), evaluate(b))
    assert [f["rule"] for f in fd["disappeared"]] == ["ssh-password-auth"]


def test_lldp_from_lldpd_is_an_edge_like_snmp_lldp() -> None:
    rows = parse_lldpcli((LLDP / "lldpcli-one.json").read_text())
    assert [(r["local_port_id"], r["sys_name"], r["port_descr"], r["via"]) for r in rows] == [
        ("eth1", "lldphost1", "eth1", "LLDP")]
    snap = from_plain({"lldphost2": {"lldp_neighbors": rows, "os": [{"id": "os",
                                                                       "hostname": "lldphost2"}]},
                       "lldphost1": {"os": [{"id": "os", "hostname": "lldphost1"}]}})
    g = paths.to_json(paths.build(snap))
    lldp = [(e["from"], e["to"]) for e in g["edges"] if e["kind"] == "lldp"]
    assert lldp == [("lldphost2", "lldphost1")]
    assert paths_delta(snap, snap)["new_edges"] == []
