"""Real agents in lab hosts: Net-SNMP snmpd in hosts 1 and 2 (h1 scanned over v2c, h2 over v3
SHA/AES) and lldpd on a direct veth between them (eth1 <-> eth1), exported into LLDP-MIB through
snmpd's AgentX master. Scan, change a spare interface's admin status and alias and the name the
LLDP neighbour announces, scan again: the diff shows exactly those changes.

Notes on what the agents do here (Net-SNMP 5.9.3, lldpd 1.0.16):
* Net-SNMP does not read Linux's interface alias (`ip link set X alias ...`); its ifAlias is
  the agent's own, set over SNMP. So the alias change is an SNMP SET (a write community that
  may only touch ifAlias, and only from the lab gateway), as an administrator would set a
  port description on a switch.
* The spare interface is an ifb device (no dummy module in this kernel) without IPv6
  link-local address (addrgenmode none), so taking it down moves no address or route.
* Agents run in the foreground under `nsenter` (like the lab's sshd) and are stopped by pid:
  no zombie, no daemon left behind. Each host gets its own /run/proofshot-snmp (persistent dir,
  AgentX socket); /run is the host's own tmpfs.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from tests.collectors.snmp.agents import V3_AUTH, V3_PRIV, V3_USER, client_env
from tests.collectors.snmp.test_scan import assert_no_secret, cli
from tests.lab.lab import Host, Lab

pytestmark = pytest.mark.lab

RUN = "/run/proofshot-snmp"
AGENTX = f"{RUN}/agentx"
SPARE = "spare0"
NEW_ALIAS = "uplink to core (moved 2026-11)"
NEW_LLDP_NAME = "core-sw-2"
LLDP_REM_SYSNAME = ".1.0.8802.1.1.2.1.4.1.1.9"
IF_ADMIN = ".1.3.6.1.2.1.2.2.1.7"
IF_OPER = ".1.3.6.1.2.1.2.2.1.8"
IF_ALIAS = ".1.3.6.1.2.1.31.1.1.1.18"


def snmpd_conf(h: Host, gateway: str, community: str, write_community: str) -> str:
    return "\n".join([
        f"agentaddress udp:{h.ip}:161",
        "master agentx",
        f"agentXSocket {AGENTX}",
        f"rocommunity {community} {gateway}",
        f'createUser {V3_USER} SHA "{V3_AUTH}" AES "{V3_PRIV}"',
        f"rouser {V3_USER} priv",
        f"view aliasonly included {IF_ALIAS}",
        f"rwcommunity {write_community} {gateway} -V aliasonly",
        f"syslocation lab {h.name}",
        "syscontact lab@example.test",
        "dontLogTCPWrappersConnects yes",
    ]) + "\n"


class Daemon:
    """One foreground daemon inside a host, started through nsenter, stopped by its pid.

    reaper=True runs it as pid 1 of a PID namespace of its own (`unshare --pid --fork`): a
    daemon that leaves its children behind when it exits (lldpd's monitor, its worker) would
    orphan them to the host's pid 1 (`sleep`, which never reaps: zombies); a PID namespace's
    init that exits takes its namespace's processes along and the kernel reaps them."""

    def __init__(self, h: Host, argv: list[str], log: Path, *, reaper: bool = False) -> None:
        pid = h.pid
        assert pid is not None, h
        self.depth = 2 if reaper else 1  # nsenter [-> unshare] -> daemon
        wrap = ["unshare", "--pid", "--fork", "--mount-proc"] if reaper else []
        with open(log, "ab") as fh:
            self.proc = subprocess.Popen(
                ["nsenter", "-t", str(pid), "-a", *wrap, *argv], stdin=subprocess.DEVNULL,
                stdout=fh, stderr=fh, start_new_session=True)

    def _daemon(self) -> int | None:
        pid = self.proc.pid
        for _ in range(self.depth):  # nsenter forks the daemon for the PID namespace
            try:
                kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                return None
            if not kids:
                return None
            pid = int(kids[0])
        return pid

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        daemon = self._daemon()
        with contextlib.suppress(ProcessLookupError):
            os.kill(daemon or self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            if daemon:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(daemon, signal.SIGKILL)
            self.proc.kill()
            self.proc.wait()


def snmp(tmp: Path, tool: str, h: Host, community: str, *args: str
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool, "-v2c", "-c", community, "-On", "-t", "1", "-r", "1",
                           f"{h.ip}:161", *args], capture_output=True, text=True,
                          env=client_env(tmp), timeout=30, check=False)


def wait_for(what: str, ok: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ok():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def answers(tmp: Path, h: Host, community: str) -> bool:
    return snmp(tmp, "snmpget", h, community, ".1.3.6.1.2.1.1.5.0").returncode == 0


def all_oper_up(tmp: Path, h: Host, community: str) -> bool:
    lines = snmp(tmp, "snmpbulkwalk", h, community, IF_OPER).stdout.splitlines()
    return bool(lines) and all(ln.endswith("INTEGER: 1") for ln in lines)


def lldp_sees(tmp: Path, h: Host, peer: Host, community: str, name: str) -> bool:
    """h's LLDP-MIB (through its snmpd) shows a neighbour called name; else peer sends now."""
    if f'"{name}"' in snmp(tmp, "snmpbulkwalk", h, community, LLDP_REM_SYSNAME).stdout:
        return True
    peer.exec(["lldpcli", "update"])
    return False


@pytest.fixture
def lldp_pair(lab: Lab, tmp_path: Path) -> Iterator[tuple[Host, Host, str, str]]:
    """Hosts 1 and 2 with snmpd + lldpd on a direct link; everything removed afterwards."""
    for tool in ("snmpd", "lldpd", "lldpcli", "snmpset", "snmpbulkwalk"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} missing (run tests/collectors/snmp/install.sh)")
    h1, h2 = lab.host(1), lab.host(2)
    for h in (h1, h2):
        if b"_lldpd:" not in h.exec(["cat", "/etc/passwd"], check=True).stdout:
            pytest.skip(f"{h.name}'s /etc predates the lldpd install (no _lldpd user): "
                        "rebuild the lab (`python -m tests.lab down`)")
    community = "ps-lab-ro-" + secrets.token_hex(6)
    write_community = "ps-lab-rw-" + secrets.token_hex(6)
    daemons: list[Daemon] = []
    had_lldpd_dir = {h.index: h.exec(["test", "-e", "/run/lldpd"]).returncode == 0
                     for h in (h1, h2)}  # lldpd's chroot dir: removed after if it was not there
    try:
        lab.link(h1.index, h2.index)
        h1.exec(["ip", "link", "add", SPARE, "type", "ifb"], check=True)
        h1.exec(["ip", "link", "set", SPARE, "addrgenmode", "none"], check=True)
        h1.exec(["ip", "link", "set", SPARE, "up"], check=True)
        for h in (h1, h2):
            h.exec(["mkdir", "-p", f"{RUN}/persist"], check=True)
            h.write_file(f"{RUN}/snmpd.conf",
                         snmpd_conf(h, lab.gateway, community, write_community), 0o600)
            # snmpd first: lldpd's AgentX connection then comes up at once (else ~7 s retry)
            daemons.append(Daemon(h, ["env", f"SNMP_PERSISTENT_DIR={RUN}/persist", "MIBS=",
                                      "snmpd", "-f", "-Lo", "-C", "-c", f"{RUN}/snmpd.conf",
                                      "-p", f"{RUN}/snmpd.pid"], tmp_path / f"{h.name}.snmpd"))
        for h in (h1, h2):
            wait_for(f"snmpd in {h.name}", partial(answers, tmp_path, h, community))
            daemons.append(Daemon(h, ["lldpd", "-d", "-x", "-X", AGENTX, "-I", "eth1"],
                                  tmp_path / f"{h.name}.lldpd", reaper=True))
        for h in (h1, h2):  # a fresh veth's carrier comes up a moment later
            wait_for(f"{h.name}: every interface oper up",
                     partial(all_oper_up, tmp_path, h, community))
        for h, peer in ((h1, h2), (h2, h1)):
            # the side that started first sent its first LLDPDU before the other listened;
            # the next would come 30 s later: `lldpcli update` sends one now
            wait_for(f"{h.name} to see {peer.name} in LLDP-MIB",
                     partial(lldp_sees, tmp_path, h, peer, community, peer.name))
        yield h1, h2, community, write_community
    finally:
        for d in reversed(daemons):
            d.stop()
        for h in (h1, h2):
            if h.running:
                h.exec(["rm", "-rf", RUN, *([] if had_lldpd_dir[h.index] else ["/run/lldpd"])])
        if h1.running:
            h1.exec(["ip", "link", "del", SPARE])
        lab.unlink(h1.index)


def test_lldp_interface_change_diff(lldp_pair: tuple[Host, Host, str, str],
                                    tmp_path: Path) -> None:
    h1, h2, community, write_community = lldp_pair
    scope = tmp_path / "scope.yaml"
    scope.write_text(f"""
defaults: {{timeout: 30}}
targets:
  - {{name: lab-h1, type: snmp, host: {h1.ip}, version: 2c, community: env:T_LAB_COMM}}
  - {{name: lab-h2, type: snmp, host: {h2.ip}, version: 3, user: {V3_USER},
      auth_protocol: SHA, auth_key: env:T_LAB_AUTH, priv_protocol: AES,
      priv_key: env:T_LAB_PRIV}}
""")
    store = tmp_path / "store"
    env = {"T_LAB_COMM": community, "T_LAB_AUTH": V3_AUTH, "T_LAB_PRIV": V3_PRIV}
    r1 = cli("scan", str(scope), "--label", "before", "--store", str(store), env=env)
    before = {t["name"]: t for t in json.loads(
        cli("show", "before", "--json", "--store", str(store)).stdout)["targets"]}
    for name, peer in (("lab-h1", h2), ("lab-h2", h1)):
        t = before[name]
        assert t["status"] == "ok", t
        lldp = t["tables"]["snmp_lldp_neighbors"]
        # lldpd sends the port's MAC as port id and its name as description
        assert [(n["sys_name"], n["local_port_descr"], n["port_descr"], n["port_id_subtype"])
                for n in lldp] == [(peer.name, "eth1", "eth1", "macAddress")], lldp
        assert t["tables"]["snmp_processes"], "hrSWRunTable read"
        assert any(p["name"] == "snmpd" for p in t["tables"]["snmp_processes"])
    spare = [i for i in before["lab-h1"]["tables"]["snmp_interfaces"] if i["name"] == SPARE]
    assert len(spare) == 1 and spare[0]["admin_status"] == "up", spare
    ifindex = spare[0]["if_index"]

    # the changes: port down and described (h1), the neighbour announces a new name (h2)
    h1.exec(["ip", "link", "set", SPARE, "down"], check=True)
    r = snmp(tmp_path, "snmpset", h1, write_community, f"{IF_ALIAS}.{ifindex}", "s", NEW_ALIAS)
    assert r.returncode == 0, r.stderr
    h2.exec(["lldpcli", "configure", "system", "hostname", NEW_LLDP_NAME], check=True)
    wait_for("ifAdminStatus down", lambda: snmp(
        tmp_path, "snmpget", h1, community, f"{IF_ADMIN}.{ifindex}").stdout.strip()
        .endswith("INTEGER: 2"))
    wait_for("the new LLDP neighbour name",
             lambda: lldp_sees(tmp_path, h1, h2, community, NEW_LLDP_NAME))

    r2 = cli("scan", str(scope), "--label", "after", "--store", str(store), env=env)
    d = json.loads(cli("diff", "before", "after", "--json", "--store", str(store)).stdout)
    got = sorted((c["target"], c["table"], c["kind"], sorted(c["columns"]))
                 for c in d["changes"])
    assert got == [
        ("lab-h1", "snmp_interfaces", "changed", ["admin_status", "alias", "oper_status"]),
        ("lab-h1", "snmp_lldp_neighbors", "changed", ["sys_name"]),
    ], json.dumps(d["changes"], indent=1)
    by_table = {c["table"]: c for c in d["changes"]}
    port = by_table["snmp_interfaces"]
    assert port["before"]["name"] == SPARE
    assert (port["before"]["admin_status"], port["after"]["admin_status"]) == ("up", "down")
    assert (port["before"]["alias"], port["after"]["alias"]) == ("", NEW_ALIAS)
    nb = by_table["snmp_lldp_neighbors"]
    assert (nb["before"]["sys_name"], nb["after"]["sys_name"]) == (h2.name, NEW_LLDP_NAME)
    assert not [u for u in d["unverifiable"] if u["target"] in ("lab-h1", "lab-h2")
                and u["table"] in ("snmp_interfaces", "snmp_lldp_neighbors")]
    assert_no_secret(store, [community, write_community, V3_AUTH, V3_PRIV],
                     r1.stdout, r1.stderr, r2.stdout, r2.stderr)
