"""Findings and paths on real lab hosts: plant each condition the lab can hold, scan, see the
finding with its evidence; undo it, scan, see it gone (also in `proofshot diff`). The map of
the lab is rendered to SVG and checked for its nodes and edges. (How long the views take is
measured by bench/views.py, not here.)

Uses psl-h1..h3 only; never stops hosts or touches keys; undoes everything in a finally.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.lab import Host, Lab
from tests.lab.lab import DEFAULT_NET
from tests.views.labrun import LabRun

pytestmark = pytest.mark.lab

LISTEN_PORT = 48766
WW_FILE = "/etc/ps6-world-writable.conf"
CERT = "/etc/ssl/certs/ps6-expired.pem"
SSHD_DROPIN = "/etc/ssh/sshd_config.d/0-ps6.conf"  # sorts before the lab's 00-...: first wins
UID0, EMPTY = "ps6root", "ps6empty"

# the scanning machine's address on the lab bridge (the lab's gateway)
GW = f"{DEFAULT_NET}.1"


def _expired_cert() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ps6-expired.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=60))
            .not_valid_after(now - dt.timedelta(days=2))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def _spawn(host: Host, code: str, pidfile: str) -> subprocess.Popen[bytes]:
    """A python process inside the host that writes its pid to `pidfile` (to end it by id)."""
    pid = host.pid
    assert pid is not None
    prelude = f"import os,socket,time; open({pidfile!r},'w').write(str(os.getpid())); "
    return subprocess.Popen(["nsenter", "-t", str(pid), "-a", "python3", "-c", prelude + code],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _end(host: Host, pidfile: str, proc: subprocess.Popen[bytes] | None) -> None:
    host.sh(f'[ -f {pidfile} ] && kill "$(cat {pidfile})"; rm -f {pidfile}; true')
    if proc is not None:
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait(cond: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def _plant(h1: Host, h2: Host) -> list[subprocess.Popen[bytes]]:
    h1.write_file(WW_FILE, "planted by tests/views\n", mode=0o666)
    h1.write_file(CERT, _expired_cert(), mode=0o644)
    h1.write_file(SSHD_DROPIN, "PermitRootLogin yes\n", mode=0o644)
    h1.sh(f"echo '{UID0}:x:0:0:ps6:/root:/usr/sbin/nologin' >> /etc/passwd && "
          f"echo '{UID0}:!:19000:0:99999:7:::' >> /etc/shadow && "
          f"echo '{EMPTY}:x:2999:2999:ps6:/nonexistent:/usr/sbin/nologin' >> /etc/passwd && "
          f"echo '{EMPTY}::19000:0:99999:7:::' >> /etc/shadow", check=True)
    procs = [_spawn(h2, f"s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, "
                        f"socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', {LISTEN_PORT})); "
                        f"s.listen(); time.sleep(300)", "/tmp/ps6-listener.pid")]
    _wait(lambda: f":{LISTEN_PORT}".encode() in h2.exec(["ss", "-Htln"]).stdout)
    procs.append(_spawn(h1, f"s=socket.create_connection(({h2.ip!r}, 22)); time.sleep(300)",
                        "/tmp/ps6-client.pid"))
    _wait(lambda: f"{h2.ip}:22".encode() in h1.exec(["ss", "-Htn", "state", "established"]
                                                     ).stdout)
    return procs


def _undo(h1: Host, h2: Host, procs: list[subprocess.Popen[bytes]]) -> None:
    _end(h1, "/tmp/ps6-client.pid", procs[1] if len(procs) > 1 else None)
    _end(h2, "/tmp/ps6-listener.pid", procs[0] if procs else None)
    h1.exec(["rm", "-f", WW_FILE, CERT, SSHD_DROPIN])
    for f in ("/etc/passwd", "/etc/shadow"):
        h1.exec(["sed", "-i", f"/^{UID0}:/d;/^{EMPTY}:/d", f])


@pytest.fixture(scope="module")
def run(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    h1, h2 = lab.host(1), lab.host(2)
    r = LabRun(lab, tmp_path_factory.mktemp("views-lab"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs = _plant(h1, h2)
        r.ps("scan", str(r.scope), "--label", "planted")
    finally:
        _undo(h1, h2, procs)
    r.ps("scan", str(r.scope), "--label", "fixed")
    svg = r.work / "map.svg"
    res = {
        "run": r,
        "planted": json.loads(r.ps("findings", "planted", "--json")),
        "fixed": json.loads(r.ps("findings", "fixed", "--json")),
        "paths": json.loads(r.ps("paths", "planted", "--json", "--svg", str(svg))),
        "paths_fixed": json.loads(r.ps("paths", "fixed", "--json")),
        "diff": json.loads(r.ps("diff", "planted", "fixed", "--json")),
        "diff_text": r.ps("diff", "planted", "fixed"),
        "svg": svg.read_text(),
        "h1": h1, "h2": h2,
    }
    yield res


def _find(findings: list[dict[str, Any]], rule: str, target: str) -> list[dict[str, Any]]:
    return [f for f in findings if f["rule"] == rule and f["target"] == target]


PLANTED = [  # rule, target, in the subject, in the evidence
    ("etc-world-writable", "h1", WW_FILE, '"mode": "0666"'),
    ("cert-expired", "h1", CERT, "ps6-expired.test"),
    ("ssh-root-login", "h1", "permitrootlogin yes", '"source": "effective"'),
    ("user-uid0", "h1", UID0, '"uid": 0'),
    ("user-empty-password", "h1", EMPTY, '"password_state": "empty"'),
    ("listen-all-addresses", "h2", f"tcp/{LISTEN_PORT}", f'"port": {LISTEN_PORT}'),
]


@pytest.mark.parametrize(("rule", "target", "subject", "needle"), PLANTED)
def test_planted_finding_appears_with_evidence_and_goes(run: dict[str, Any], rule: str,
                                                         target: str, subject: str,
                                                         needle: str) -> None:
    got = [f for f in _find(run["planted"], rule, target) if subject in f["subject"]]
    assert len(got) == 1, (rule, [f for f in run["planted"] if f["rule"] == rule])
    f = got[0]
    assert set(f) >= {"rule", "severity", "target", "title", "evidence"}
    assert f["evidence"] and all(e["target"] == target for e in f["evidence"])
    assert any(needle in json.dumps(e) for e in f["evidence"]), f["evidence"]
    assert not [x for x in _find(run["fixed"], rule, target) if subject in x["subject"]]
    gone = run["diff"]["findings"]["disappeared"]
    assert [x for x in gone if x["rule"] == rule and subject in x["subject"]]


def test_preexisting_finding_stays(run: dict[str, Any]) -> None:
    # the lab's own sudoers.d/audit is a real finding, before and after
    for side in ("planted", "fixed"):
        got = _find(run[side], "sudo-nopasswd-all", "h1")
        assert got and got[0]["evidence"][0]["key"]["file"] == "/etc/sudoers.d/audit"
    assert not [x for x in run["diff"]["findings"]["disappeared"]
                if x["rule"] == "sudo-nopasswd-all"]
    assert not run["diff"]["findings"]["appeared"]


def test_diff_keeps_its_contract_and_renders_views(run: dict[str, Any]) -> None:
    d = run["diff"]
    assert {"from", "to", "changes", "unverifiable", "unchanged", "paths", "findings"} <= set(d)
    text = run["diff_text"]
    assert "findings" in text and "disappeared" in text and UID0 in text
    lost = d["paths"]["lost_edges"]
    assert any(e["kind"] == "connects" and e["from"] == "h1" and e["to"] == "h2:tcp/22"
               for e in lost)
    assert any(e["kind"] == "exposes" and e["to"] == f"h2:tcp/{LISTEN_PORT}" for e in lost)


def test_paths_graph_of_the_lab(run: dict[str, Any]) -> None:
    g = run["paths"]
    nodes = {n["id"]: n for n in g["nodes"]}
    h2 = run["h2"]
    for name in ("h1", "h2", "h3"):
        assert nodes[name]["target"] == name and nodes[name]["kind"] == "host"
    assert nodes[h2.ip]["target"] == "h2"
    assert nodes["h2:tcp/22"]["processes"] == ["sshd"]
    # the scanner's own address belongs to no target: an external node
    ext = [n for n in g["nodes"] if n["target"] is None]
    assert any(n["id"] == GW for n in ext), ext
    edges = {(e["kind"], e["from"], e["to"], e["port"]): e for e in g["edges"]}
    conn = edges[("connects", "h1", "h2:tcp/22", 22)]
    sides = {(ev["target"], ev["key"]["direction"]) for ev in conn["evidence"]}
    assert sides == {("h1", "out"), ("h2", "in")}  # seen from both ends, one edge
    assert all(set(ev) >= {"target", "table", "key"} for ev in conn["evidence"])
    assert not any("54" in str(ev["key"].get("port")) and ev["key"]["port"] != 22
                   for ev in conn["evidence"])  # never an ephemeral port
    exp = edges[("exposes", "h2", f"h2:tcp/{LISTEN_PORT}", LISTEN_PORT)]
    assert exp["allowed"] is True and exp["all_addresses"] is True
    assert ("connects", GW, "h1:tcp/22", 22) in edges  # the scan's own session
    assert ("neighbor", "h1", h2.ip, None) in edges
    assert ("connects", "h1", "h2:tcp/22", 22) not in {
        (e["kind"], e["from"], e["to"], e["port"]) for e in run["paths_fixed"]["edges"]}


def test_svg_map(run: dict[str, Any]) -> None:
    svg = run["svg"]
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    titles = set(re.findall(r"<title>([^<]*)</title>", svg))
    titles = {t.replace("&#45;", "-").replace("&gt;", ">") for t in titles}
    for n in ("h1", "h2", "h3", "h2:tcp/22", f"h2:tcp/{LISTEN_PORT}", GW):
        assert n in titles, (n, sorted(titles)[:40])
    assert "h1->h2:tcp/22" in titles  # the connection edge
    assert f"{GW}->h1:tcp/22" in titles
