"""A source that fails on one side only, through the real scan path (the CLI, a local target,
real tools) inside a private mount namespace: the scan says partial (exit 3) and names the
table and why; the diff lists that table as unverifiable with zero changes in it, and no
other change appears; no finding appears or disappears because of it.

Each failure is made real in the namespace, never on this machine: a missing /run/sshd (sshd -T
fails), an unreachable system bus (systemd "running" without its bus), an empty /var/lib/dpkg
(dpkg-query answers nothing with exit 0), a command not on PATH (sysctl), a tool answering
non-UTF-8 garbage with exit 0 (findmnt), a tool that stalls (lsblk) and one that floods (ss).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from proofshot.store.embedded import Store
from proofshot.views.delta import findings_delta, paths_delta
from proofshot.views.findings import evaluate
from proofshot.views.snapshot import load
from tests.e2e import sandbox

# (label, table that must be unverifiable, words its reason must name); ss answers two queries
# (listening sockets, UDP client sockets, connections): its flood makes all three unverifiable
CASES = [
    ("no-run-sshd", "ssh_config", "/run/sshd"),
    ("no-bus", "services", "connect to bus"),
    ("empty-dpkg", "packages", "/var/lib/dpkg/status"),
    ("no-sysctl", "sysctl", "command not found"),
    ("garbage-findmnt", "filesystems", "not UTF-8"),
    ("stalled-lsblk", "block_devices", "timed out"),
    ("flooded-ss", "listening", "answer cut at 1677"),  # 16 MiB kept (masking moves a few)
]

MOUNTED = ("/var/lib/dpkg", "/usr/sbin", "/usr/bin/", "/bin/", "/sbin/")

SCRIPT = sandbox.GUARD + r"""
# /run is our own (sandbox.PROLOGUE, with /run/sshd): the cases below take it away, or fake systemd
mkdir -p "$WORK/bin"
cat > "$WORK/scope.yaml" <<'YAML'
defaults: {timeout: 8}
targets:
  - {name: here, type: local, files: [/etc/ssh]}
YAML
# a service on all addresses for the whole scenario (the paths view must say how it is reached)
python3 -c 'import socket, time
s = socket.socket(); s.bind(("0.0.0.0", 45679)); s.listen(); time.sleep(600)' &
SERVICE=$!
for i in $(seq 50); do ss -Htln | grep -q ':45679' && break; sleep 0.1; done
$PS init --store "$STORE" >/dev/null
scan() { rc=0; $PS scan "$WORK/scope.yaml" --store "$STORE" --label "$1" >"$WORK/$1.out" \
  2>"$WORK/$1.err" || rc=$?; echo "$1 $rc" >> "$WORK/codes"; }
# a tool replaced, in this namespace only, by a hostile one
hostile() { printf '#!/bin/sh\n%s\n' "$2" > "$WORK/bin/$(basename "$1")"
  chmod 755 "$WORK/bin/$(basename "$1")"; mount --bind "$WORK/bin/$(basename "$1")" "$1"; }
scan base
scan idle
rmdir /run/sshd; scan no-run-sshd; mkdir /run/sshd
mkdir -p /run/systemd/system; scan no-bus; rm -r /run/systemd
mkdir -p "$WORK/emptydpkg"; mount --bind "$WORK/emptydpkg" /var/lib/dpkg
scan empty-dpkg; umount /var/lib/dpkg
mkdir -p "$WORK/sbin"; cp -a /usr/sbin/. "$WORK/sbin/"; rm "$WORK/sbin/sysctl"
mount --bind "$WORK/sbin" /usr/sbin; scan no-sysctl; umount /usr/sbin
hostile "$(command -v findmnt)" "printf '\377\376TARGET\0\234\303(garbage\n'; exit 0"
scan garbage-findmnt; umount "$(command -v findmnt)"
hostile "$(command -v lsblk)" "exec sleep 60"
scan stalled-lsblk; umount "$(command -v lsblk)"
hostile "$(command -v ss)" "exec cat /dev/urandom"
du -sb "$STORE" | cut -f1 > "$WORK/store-before-flood"
# the peak memory of this scan (its largest process), measured by a parent of its own
python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=False)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
  bash -c "$(declare -f scan); PS='$PS' STORE='$STORE' WORK='$WORK' scan flooded-ss" \
  > "$WORK/flood-peak-kib"
du -sb "$STORE" | cut -f1 > "$WORK/store-after-flood"
umount "$(command -v ss)"
scan back
# short-lived clients: 8 unconnected UDP sockets on ephemeral ports (as 8 snmpbulkwalk runs)
UDP=
for i in 1 2 3 4 5 6 7 8; do python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 0)); time.sleep(60)' &
UDP="$UDP $!"
done
for i in $(seq 50); do [ "$(ss -Hulpn | grep -c python3)" -ge 8 ] && break; sleep 0.1; done
scan udp-clients
kill $UDP $SERVICE
$PS diff base udp-clients --store "$STORE" --json > "$WORK/diff-udp-clients.json"
$PS paths udp-clients --store "$STORE" > "$WORK/paths-udp.txt"
for l in idle no-run-sshd no-bus empty-dpkg no-sysctl garbage-findmnt stalled-lsblk flooded-ss \
  back; do $PS diff base "$l" --store "$STORE" --json > "$WORK/diff-$l.json"; done
$PS diff no-run-sshd back --store "$STORE" --json > "$WORK/diff-sshd-back.json"
$PS show no-run-sshd --store "$STORE" --json > "$WORK/show-no-run-sshd.json"
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("onesided")
    sandbox.run(SCRIPT, work, needs=("dpkg-query", "sshd", "findmnt", "lsblk", "ss", "sysctl"))
    codes = dict(ln.split() for ln in (work / "codes").read_text().splitlines())
    peak = int((work / "flood-peak-kib").read_text().split()[-1])  # KiB, the scan's largest
    growth = int((work / "store-after-flood").read_text()) - int(
        (work / "store-before-flood").read_text())
    return {"work": work, "codes": codes, "store": work / "store", "peak_kib": peak,
            "flood_growth": growth}


def _diff(work: Path, name: str) -> dict[str, Any]:
    return json.loads((work / f"diff-{name}.json").read_text())


def test_the_baseline_is_clean(scenario: dict[str, Any]) -> None:
    codes = scenario["codes"]
    assert codes["base"] == "0", (scenario["work"] / "base.err").read_text()
    assert codes["idle"] == "0" and codes["back"] == "0"
    for name in ("idle", "back"):
        d = _diff(scenario["work"], name)
        assert d["changes"] == [] and d["unverifiable"] == [], d


@pytest.mark.parametrize(("label", "table", "why"), CASES)
def test_a_failure_on_one_side_is_unverifiable_never_a_change(
        scenario: dict[str, Any], label: str, table: str, why: str) -> None:
    work = scenario["work"]
    assert scenario["codes"][label] == "3", (work / f"{label}.err").read_text()
    summary = (work / f"{label}.err").read_text()
    assert "partial" in summary and table in summary.replace("\n", " "), summary
    d = _diff(work, label)
    unv = [u for u in d["unverifiable"] if u["table"] == table]
    assert len(unv) == 1 and why in unv[0]["reason"] and "second" in unv[0]["reason"], d
    also = {"flooded-ss": {"connections", "udp_client_sockets"}}.get(label, set())
    assert {u["table"] for u in d["unverifiable"]} == {table} | also, d["unverifiable"]
    # the only true changes: the mounts that made the failure (a bind mount over a tool or a
    # database is a new filesystem row, as it should be), never a row of the failed table
    made = [c for c in d["changes"] if c["table"] == "filesystems"
            and str(c["key"]["target"]).startswith(MOUNTED)]
    assert [c for c in d["changes"] if c not in made] == [], d["changes"][:5]
    assert table not in {u["table"] for u in d["unchanged"]}


def test_findings_and_paths_from_a_partial_table_could_not_be_checked(
        scenario: dict[str, Any]) -> None:
    store = Store.open(scenario["store"])
    base = load(store, store.resolve("base"))
    for label, _table, _ in CASES:
        other = load(store, store.resolve(label))
        fd = findings_delta(base, other, evaluate(base), evaluate(other))
        assert fd["appeared"] == [] and fd["disappeared"] == [], (label, fd)
        pd = paths_delta(base, other)
        assert pd["new_edges"] == [] and pd["lost_edges"] == [], (label, pd)
        assert pd["newly_exposed"] == [], (label, pd)
    # the case of the issue: password authentication, known from sshd -T on one side only
    other = load(store, store.resolve("no-run-sshd"))
    fa, fb = evaluate(base), evaluate(other)
    assert any(f.rule == "ssh-password-auth" for f in fa)  # Debian's default: sshd -T says yes
    assert not any(f.rule == "ssh-password-auth" for f in fb)  # not known without sshd -T
    fd = findings_delta(base, other, fa, fb)
    assert [f["rule"] for f in fd["unverifiable"]] == ["ssh-password-auth"], fd


def test_the_way_back_is_unverifiable_too(scenario: dict[str, Any]) -> None:
    d = _diff(scenario["work"], "sshd-back")
    assert d["changes"] == [], d["changes"][:5]
    assert [(u["table"], "first" in u["reason"]) for u in d["unverifiable"]] == [
        ("ssh_config", True)]


def test_the_partial_table_keeps_what_was_read_and_says_why(scenario: dict[str, Any]) -> None:
    show = json.loads((scenario["work"] / "show-no-run-sshd.json").read_text())
    (t,) = show["targets"]
    assert t["status"] == "partial" and "/run/sshd" in t["reason"]
    rows = t["tables"]["ssh_config"]
    assert rows and all(r["source"] != "effective" for r in rows)


def test_a_flood_costs_bounded_memory_and_store(scenario: dict[str, Any]) -> None:
    # ss (and so both queries that run it) answered an endless stream of random bytes: each is
    # cut at the stored cap (16 MiB), read on only to count and hash it, never held whole
    assert scenario["peak_kib"] < 600 * 1024, scenario["peak_kib"]
    assert scenario["flood_growth"] < 2 * 17 * 2**20, scenario["flood_growth"]
    store = Store.open(scenario["store"])
    m = store.manifest(store.resolve("flooded-ss"))
    cov = {c["query"]: c for c in m["targets"][0]["coverage"]}
    # 16 MiB kept (stored masked: random bytes that look like "key=..." change length)
    assert cov["ss"]["status"] == "truncated" and abs(cov["ss"]["bytes"] - 16 * 2**20) < 2**16
    rec = store.get_json(cov["ss"]["transcript"])
    assert rec["whole"]["bytes"] > 16 * 2**20 and len(rec["whole"]["sha256"]) == 64


def test_short_lived_udp_clients_are_not_services(scenario: dict[str, Any]) -> None:
    work = scenario["work"]
    assert scenario["codes"]["udp-clients"] == "0", (work / "udp-clients.err").read_text()
    d = _diff(work, "udp-clients")
    assert d["changes"] == [] and d["unverifiable"] == [], d
    store = Store.open(scenario["store"])
    snap = load(store, store.resolve("udp-clients"))
    (t,) = snap.targets.values()
    clients = [r for r in t.rows("udp_client_sockets") if r["processes"] == ["python3"]]
    assert len(clients) == 8, t.rows("udp_client_sockets")
    assert not [r for r in t.rows("listening") if r["proto"] == "udp"
                and "python3" in r["processes"]]
    pd = paths_delta(load(store, store.resolve("base")), snap)
    assert pd["newly_exposed"] == [] and pd["new_edges"] == [], pd


def test_paths_say_no_host_firewall_where_there_is_none(scenario: dict[str, Any]) -> None:
    text = (scenario["work"] / "paths-udp.txt").read_text()
    exposed = [ln for ln in text.splitlines() if ln.strip().startswith("exposes")]
    assert "allowed by host firewall" not in text
    # the namespace has no nftables/iptables rules: every non-loopback service says so
    assert any("tcp/45679" in ln for ln in exposed), text
    assert all(ln.endswith(("no host firewall", "loopback only")) for ln in exposed), text
