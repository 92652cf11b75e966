"""Established connections and the neighbour cache: parsers and the collector's builder."""

from __future__ import annotations

from pathlib import Path

from proofshot.collectors.linux import COLLECTOR
from proofshot.collectors.linux import tables as T
from proofshot.collectors.linux.parsers import net, peers
from proofshot.model.transcript import Answer

FIX = Path(__file__).parent / "fixtures" / "paths"


def _text(name: str) -> str:
    return (FIX / name).read_text()


def test_connections_aggregate_to_service_level() -> None:
    ports = peers.listening_ports(net.parse_ss(_text("ss.out")))
    assert ports == {22, 8080}
    rows = peers.parse_ss_established(_text("ss_established.out"), ports)
    by = {(r["direction"], r["remote_address"], r["port"]): r for r in rows}
    out = by[("out", "10.200.0.12", 22)]
    assert out["count"] == 2 and out["processes"] == ["python3"]  # two sockets, one row
    inbound = by[("in", "10.200.0.1", 22)]
    assert inbound["count"] == 2 and inbound["processes"] == ["sshd"]
    mapped = by[("in", "10.200.0.13", 8080)]
    assert mapped["local_address"] == "10.200.0.11"  # IPv4-mapped shown as IPv4
    assert ("in", "fe80::2", 22) in by
    for r in rows:
        T.CONNECTIONS.validate(r)
        assert r["port"] in (22, 8080)  # never an ephemeral port
        assert r["basis"] == "listening"


def test_connections_without_listening_use_the_lower_port() -> None:
    rows = peers.parse_ss_established(_text("ss_established.out"))
    assert {(r["direction"], r["port"]) for r in rows} >= {("out", 22), ("in", 22)}
    assert all(r["basis"] == "lower-port" for r in rows)


def test_neighbors() -> None:
    rows = peers.parse_ip_neigh(_text("ip_neigh.out"))
    assert [(r["address"], r["state"]) for r in rows] == [
        ("10.200.0.1", "STALE"), ("10.200.0.12", "REACHABLE"), ("fe80::1", "STALE")]
    assert rows[2]["router"] is True and rows[2]["family"] == "inet6"
    for r in rows:
        T.NEIGHBORS.validate(r)
    assert peers.parse_ip_neigh("garbage") == [] and peers.parse_ip_neigh("") == []


def test_builder_reads_listening_when_present() -> None:
    plan = COLLECTOR.plan({})
    spec = next(s for s in plan.specs if s.table.name == "connections")
    argv = {s.query.id: s.query.argv for s in plan.steps}
    ans = {q: Answer(q, argv[q], 0, (FIX / f"{q}.out").read_bytes(), b"", 0.0)
           for q in ("ss", "ss_established")}
    rows = spec.build(ans)
    assert {r["basis"] for r in rows} == {"listening"}
    del ans["ss"]
    assert {r["basis"] for r in spec.build(ans)} == {"lower-port"}
