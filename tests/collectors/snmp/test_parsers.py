"""Pure parser tests: odd encodings and broken output never crash and parse as documented."""

from __future__ import annotations

from proofshot.collectors.snmp import rows as R
from proofshot.collectors.snmp.collector import COLLECTOR
from proofshot.collectors.snmp.parsers import integer, mac, parse_walk, text
from proofshot.model.transcript import Answer
from proofshot.scan.runner import build_table

WALK = """.1.3.6.1.2.1.1.1.0 = Hex-STRING: 43 69 73 63 6F 20 49 4F 53 0D 0A 4C 69 6E 65 20 32 20
2E 31 2E 33 20 3D 20 78
.1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.9.1.516
.1.3.6.1.2.1.1.3.0 = Timeticks: (12345) 0:02:03.45
.1.3.6.1.2.1.1.4.0 = ""
.1.3.6.1.2.1.1.5.0 = Hex-STRING: 73 77 FF FE 00 00
.1.3.6.1.2.1.1.6.0 = STRING: "room \\"7\\"
.1.3.6.1.2.1.1.99.0 = x"
.1.3.6.1.2.1.1.7.0 = INTEGER: 3
garbage line that is not a varbind
.1.3.6.1.2.1.1.7.0 = INTEGER: 6
.1.3.6.1.2.1.1.9 = No Such Object available on this agent at this OID
"""


def test_walk_encodings() -> None:
    w = parse_walk(WALK)
    rows = R.system(w)
    assert rows[0]["descr"] == "Cisco IOS\r\nLine 2 .1.3 = x"
    assert rows[0]["vendor"] == "Cisco" and rows[0]["enterprise"] == 9
    assert rows[0]["uptime_ticks"] == 12345
    assert rows[0]["contact"] == ""
    assert rows[0]["name"] == "sw\\xff\\xfe"  # non-UTF-8 kept, lossless escapes
    assert rows[0]["location"] == 'room "7"\n.1.3.6.1.2.1.1.99.0 = x'  # quoted, multi-line
    assert rows[0]["services"] == 6  # garbage line ignored, the later value wins
    assert [o for o, _ in w.exceptions] == ["1.3.6.1.2.1.1.9"]


def test_value_decoders() -> None:
    w = parse_walk(".1.3.6.1.2.1.2.2.1.6.1 = Hex-STRING: 00 1A 2B 3C 4D 5E \n"
                   ".1.3.6.1.2.1.2.2.1.7.1 = INTEGER: up(1)\n")
    assert mac(w.varbinds[0][1]) == "00:1a:2b:3c:4d:5e"
    assert integer(w.varbinds[1][1]) == 1
    assert text(None) is None


def test_port_list_and_inet_index() -> None:
    assert R.port_list(bytes([0b10100000, 0b00000001])) == [1, 3, 16]
    w = parse_walk(".1.3.6.1.2.1.4.34.1.3.2.16.254.128.0.0.0.0.0.0.0.0.0.0.0.0.0.1 = INTEGER: 2\n"
                   ".1.3.6.1.2.1.4.34.1.3.1.4.10.0.0.1 = INTEGER: 3\n"
                   ".1.3.6.1.2.1.4.34.1.5.1.4.10.0.0.1 = OID: "
                   ".1.3.6.1.2.1.4.32.1.5.3.1.4.10.0.0.0.24\n"
                   ".1.3.6.1.2.1.4.34.1.3.1.9.1.2 = INTEGER: 3\n")  # broken index: skipped
    got = {(r["address"], r["if_index"], r["prefix_length"]) for r in R.ip_addresses(None, w)}
    assert got == {("fe80::1", 2, None), ("10.0.0.1", 3, 24)}


def test_unsupported_and_failed_are_coverage() -> None:
    plan = COLLECTOR.plan({})
    nosuch = b".1.0.8802.1.1.2.1.4.1 = No Such Object available on this agent at this OID\n"
    answers = {s.query.id: Answer(s.query.id, list(s.query.argv), 0, nosuch, b"", 0.01)
               for s in plan.steps}
    answers["system"] = Answer("system", [], None, b"", b"", 5.0, timed_out=True)
    results = {spec.table.name: build_table(spec, answers, {}) for spec in plan.specs}
    assert results["snmp_lldp_neighbors"].status == "unsupported"
    assert results["snmp_interfaces"].status == "unsupported"
    assert results["snmp_system"].status == "timeout"


def test_fdb_and_processes() -> None:
    base = parse_walk(".1.3.6.1.2.1.17.1.4.1.2.3 = INTEGER: 10003\n")
    d1d = parse_walk(".1.3.6.1.2.1.17.4.3.1.2.0.26.43.60.77.94 = INTEGER: 3\n"
                     ".1.3.6.1.2.1.17.4.3.1.3.0.26.43.60.77.94 = INTEGER: 3\n"
                     ".1.3.6.1.2.1.17.4.3.1.2.1.2.3 = INTEGER: 3\n")  # no MAC index: skipped
    rows = R.fdb(None, d1d, base, {10003: "Gi0/3"})
    assert rows == [{"fdb_id": 0, "mac": "00:1a:2b:3c:4d:5e", "port": 3, "if_index": 10003,
                     "if_name": "Gi0/3", "status": "learned", "source": "dot1dTpFdbTable"}]
    d1q = parse_walk(".1.3.6.1.2.1.17.7.1.2.2.1.2.20.0.26.43.60.77.94 = INTEGER: 7\n")
    assert [(r["fdb_id"], r["port"], r["if_index"], r["source"]) for r in
            R.fdb(d1q, d1d, base, {})] == [(20, 7, None, "dot1qTpFdbTable")]
    name = parse_walk(".1.3.6.1.2.1.25.4.2.1.2.1 = Hex-STRING: 69 6E 69 74\n")
    path = parse_walk(".1.3.6.1.2.1.25.4.2.1.4.1 = \"\"\n"
                      ".1.3.6.1.2.1.25.4.2.1.4.99 = STRING: \"/gone\"\n")  # exited: no name
    status = parse_walk(".1.3.6.1.2.1.25.4.2.1.7.1 = INTEGER: 2\n")
    assert R.processes(name, path, None, status) == [
        {"index": 1, "name": "init", "path": "", "type": None, "status": "runnable"}]
