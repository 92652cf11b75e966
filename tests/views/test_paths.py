"""The communication graph and its delta, from rows built here."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from proofshot.views import firewall, paths
from proofshot.views.delta import findings_delta, paths_delta
from proofshot.views.findings import evaluate
from proofshot.views.snapshot import from_plain

NFT = [
    {"source": "nft", "family": "inet", "table": "f", "chain": "input", "n": 1,
     "rule": "type filter hook input priority filter", "kind": "chain", "position": 1},
    {"source": "nft", "family": "inet", "table": "f", "chain": "input", "n": 1,
     "rule": "policy drop", "kind": "policy", "position": 2},
    {"source": "nft", "family": "inet", "table": "f", "chain": "input", "n": 1,
     "rule": "ct state established,related accept", "kind": "rule", "position": 3},
    {"source": "nft", "family": "inet", "table": "f", "chain": "input", "n": 1,
     "rule": "tcp dport { 22, 5432 } counter accept", "kind": "rule", "position": 4},
]


def addr(a: str) -> dict[str, Any]:
    return {"interface": "eth0", "address": a, "family": "inet", "scope": "global"}


def lab(db_fw: list[dict[str, Any]] | None = None) -> dict[str, dict[str, list[dict[str, Any]]]]:
    web = {
        "addresses": [addr("10.0.0.10/24"), {"interface": "lo", "address": "127.0.0.1/8"}],
        "listening": [{"proto": "tcp", "address": "0.0.0.0", "port": 443,
                       "processes": ["nginx"]},
                      {"proto": "tcp", "address": "127.0.0.1", "port": 631,
                       "processes": ["cupsd"]}],
        "connections": [{"direction": "out", "local_address": "10.0.0.10",
                         "remote_address": "10.0.0.20", "port": 5432, "processes": ["app"]},
                        {"direction": "in", "local_address": "10.0.0.10",
                         "remote_address": "198.51.100.7", "port": 443,
                         "processes": ["nginx"]}],
        "routes": [{"family": "inet", "table": "main", "type": "unicast", "dst": "default",
                    "dev": "eth0", "metric": 0, "gateway": "10.0.0.1", "nexthops": []}],
        "neighbors": [{"interface": "eth0", "address": "10.0.0.20", "mac": "aa:bb:cc:00:00:20"},
                      {"interface": "eth0", "address": "10.0.0.1", "mac": "aa:bb:cc:00:00:01"}],
        "firewall_rules": [],
    }
    db = {
        "addresses": [addr("10.0.0.20/24")],
        "listening": [{"proto": "tcp", "address": "10.0.0.20", "port": 5432,
                       "processes": ["postgres"]}],
        "connections": [{"direction": "in", "local_address": "10.0.0.20",
                         "remote_address": "10.0.0.10", "port": 5432,
                         "processes": ["postgres"]}],
        "firewall_rules": NFT if db_fw is None else db_fw,
    }
    sw = {
        "snmp_system": [{"id": "system", "name": "core-sw"}],
        "snmp_ip_addresses": [{"address": "10.0.0.2", "if_index": 1}],
        "snmp_lldp_neighbors": [{"local_port": 1, "local_port_id": "Gi1/0/1",
                                 "chassis_id": "aa:bb", "port_id": "eth0", "sys_name": "db"},
                                {"local_port": 2, "local_port_id": "Gi1/0/2",
                                 "chassis_id": "cc:dd", "port_id": "1", "sys_name": "ap-7"}],
    }
    return {"web": web, "db": db, "sw": sw}


def graph(data: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return paths.to_json(paths.build(from_plain(data, **kw)))


def edges(g: dict[str, Any]) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {(e["kind"], e["from"], e["to"], e["port"]): e for e in g["edges"]}


def test_graph_nodes_and_edges() -> None:
    g = graph(lab())
    nodes = {n["id"]: n for n in g["nodes"]}
    assert {n["id"] for n in g["nodes"] if n["kind"] == "host"} == {"web", "db", "sw"}
    assert nodes["10.0.0.20"]["target"] == "db"
    assert nodes["198.51.100.7"]["target"] is None and nodes["10.0.0.1"]["target"] is None
    assert "127.0.0.1" not in nodes  # loopback names no host
    e = edges(g)
    conn = e[("connects", "web", "db:tcp/5432", 5432)]
    assert {(x["target"], x["table"]) for x in conn["evidence"]} == {
        ("web", "connections"), ("db", "connections")}  # both ends, one edge
    assert conn["client_processes"] == ["app"]
    assert ("connects", "198.51.100.7", "web:tcp/443", 443) in e
    assert e[("exposes", "web", "web:tcp/443", 443)]["allowed"] is True  # no host firewall
    assert e[("exposes", "web", "web:tcp/631", 631)]["loopback_only"] is True
    db = e[("exposes", "db", "db:tcp/5432", 5432)]
    assert db["allowed"] is True
    assert any(x["table"] == "firewall_rules" for x in db["evidence"])
    assert e[("route", "web", "10.0.0.1", None)]["dst"] == ["default"]
    assert ("neighbor", "web", "10.0.0.20", None) in e
    assert ("lldp", "sw", "db", None) in e and ("lldp", "sw", "lldp:ap-7", None) in e
    for x in g["edges"]:
        assert set(x) >= {"from", "to", "port", "proto", "kind", "evidence"} and x["evidence"]
    json.dumps(g)


def test_firewall_verdicts() -> None:
    assert firewall.verdict(NFT, "tcp", 22).allowed
    assert not firewall.verdict(NFT, "tcp", 80).allowed
    assert not firewall.verdict(NFT, "udp", 22).allowed
    assert firewall.verdict([], "tcp", 80).allowed
    assert not firewall.verdict([], "tcp", 80).firewall
    ipt = [{"source": "iptables", "family": "ip", "table": "filter", "chain": "INPUT",
            "rule": "policy DROP", "kind": "policy", "position": 1},
           {"source": "iptables", "family": "ip", "table": "filter", "chain": "INPUT",
            "rule": "-s 10.0.0.0/8 -p tcp -m tcp --dport 8000:8010 -j ACCEPT", "kind": "rule",
            "position": 2}]
    v = firewall.verdict(ipt, "tcp", 8005)
    assert v.allowed and v.restricted
    assert not firewall.verdict(ipt, "tcp", 8011).allowed


def test_paths_delta_blocked_exposed_new_lost() -> None:
    a = from_plain(lab(), sid="a")
    b_data = lab(db_fw=[*NFT[:3]])  # the accept rule for 5432 is gone
    b_data["web"]["listening"].append({"proto": "tcp", "address": "0.0.0.0", "port": 8080,
                                       "processes": ["java"]})
    b_data["web"]["connections"] = b_data["web"]["connections"][1:]
    b = from_plain(b_data, sid="b")
    d = paths_delta(a, b)
    blocked = [(e["to"], e["used_before_by"]) for e in d["blocked"]]
    assert blocked == [("db:tcp/5432", ["web"])]
    assert [e["to"] for e in d["newly_exposed"]] == ["web:tcp/8080"]
    assert ("exposes", "web", "web:tcp/8080") in {(e["kind"], e["from"], e["to"])
                                                  for e in d["new_edges"]}
    # the connection is still seen from db's side, so the edge stays; its evidence shrinks
    assert not [e for e in d["lost_edges"] if e["kind"] == "connects"]


def test_unread_target_is_unverifiable_not_lost() -> None:
    a_data = lab()
    a_data["db"]["listening"][0]["address"] = "0.0.0.0"  # a finding on db before
    a = from_plain(a_data, sid="a")
    b = from_plain(lab(), sid="b", meta={"db": {"status": "unreachable"}})
    b.targets["db"].tables = {}
    d = paths_delta(a, b)
    assert not d["lost_edges"] and d["unverifiable"]
    assert all(e["from"] == "db" or e["to"].startswith("db") for e in d["unverifiable"])
    fa = evaluate(a)
    fb = evaluate(b)
    assert [f.rule for f in fa if f.target == "db"] == ["listen-all-addresses"]
    fd = findings_delta(a, b, fa, fb)
    assert not fd["disappeared"]
    assert [(f["rule"], f["target"]) for f in fd["unverifiable"]] == [
        ("listen-all-addresses", "db")]


def test_dot_and_svg() -> None:
    dot = paths.to_dot(paths.build(from_plain(lab())))
    assert dot.startswith("digraph") and '"web" -> "db:tcp/5432"' in dot
    if shutil.which("dot") is None:
        pytest.skip("graphviz not installed")
    svg = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True,
                         check=True).stdout.decode()
    assert "<title>web</title>" in svg and "<title>db:tcp/5432</title>" in svg
