"""Real SNMP agents on 127.0.0.1 for tests and the benchmark: Net-SNMP snmpd and snmpsim.

Nothing here touches anything but 127.0.0.1 and its own temp directories.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

SNMPSIM_VENV = Path(os.environ.get("PROOFSHOT_SNMPSIM_VENV", "/opt/proofshot-snmpsim"))
SNMPSIM_BIN = SNMPSIM_VENV / "bin" / "snmpsim-command-responder"
V3_USER = "labv3"
V3_AUTH = "auth-pass-1234"
V3_PRIV = "priv-pass-5678"

# (community = path without extension, source inside snmpsim_data/data)
RECORDINGS = (
    ("switch/cisco-c3560", "network/switch/cisco-c3560.snmprec.bz2"),
    ("switch/dlink-des3038", "network/switch/dlink-des3038.snmprec.bz2"),
    ("router/vyatta-unknown", "network/router/vyatta-unknown.snmprec.bz2"),
    ("firewall/paloalto-pa-5000", "network/firewall/paloalto-pa-5000.snmprec.bz2"),
    ("ups/apc-8932", "UPS/apc-8932.snmprec"),
)

CLIENT_ENV_KEYS = ("SNMPCONFPATH", "SNMP_PERSISTENT_DIR", "MIBS", "MIBDIRS")


def terminate(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM, then SIGKILL after 5 s: an agent never outlives its test."""
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def free_udp_port() -> int:
    """A UDP port free on 127.0.0.1 now, so two test runs on one machine never share an agent."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def missing_tools() -> list[str]:
    return [t for t in ("snmpd", "snmpget", "snmpbulkwalk", "snmpwalk") if shutil.which(t) is None]


def client_env(tmp: Path) -> dict[str, str]:
    """Environment for reference snmpwalk runs: no MIBs, no user/system snmp.conf."""
    d = tmp / "client-conf"
    d.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "SNMPCONFPATH": str(d), "SNMP_PERSISTENT_DIR": str(d), "MIBS": "",
            "MIBDIRS": str(d / "none")}


def _wait_udp(port: int, community: str, tmp: Path, deadline: float) -> None:
    env = client_env(tmp)
    while time.monotonic() < deadline:
        r = subprocess.run(["snmpget", "-v2c", "-c", community, "-t", "0.5", "-r", "0", "-On",
                            f"127.0.0.1:{port}", ".1.3.6.1.2.1.1.1.0"],
                           capture_output=True, env=env, check=False)
        if r.returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError(f"agent on 127.0.0.1:{port} did not answer")


@dataclass
class Snmpd:
    """One Net-SNMP snmpd on 127.0.0.1:port with its own conf and persistent dir."""

    dir: Path
    port: int
    community: str
    location: str = "Lab rack 1"
    contact: str = "ops@example.test"
    view_community: str | None = None  # community restricted to the system group
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def conf(self) -> str:
        lines = [
            f"agentaddress udp:127.0.0.1:{self.port}",
            f"rocommunity {self.community} 127.0.0.1",
            f'createUser {V3_USER} SHA "{V3_AUTH}" AES "{V3_PRIV}"',
            f"rouser {V3_USER} priv",
            f"syslocation {self.location}",
            f"syscontact {self.contact}",
            "sysservices 72",
            "dontLogTCPWrappersConnects yes",
        ]
        if self.view_community:
            lines += ["view systemonly included .1.3.6.1.2.1.1",
                      f"rocommunity {self.view_community} 127.0.0.1 -V systemonly"]
        return "\n".join(lines) + "\n"

    def start(self) -> Snmpd:
        persist = self.dir / "persist"
        shutil.rmtree(persist, ignore_errors=True)  # createUser runs again on each start
        persist.mkdir(parents=True)
        conf = self.dir / "snmpd.conf"
        conf.write_text(self.conf())
        log = open(self.dir / "snmpd.log", "ab")  # noqa: SIM115 - lives as long as the agent
        env = {**os.environ, "SNMP_PERSISTENT_DIR": str(persist), "MIBS": "",
               "MIBDIRS": str(self.dir / "none")}
        self.proc = subprocess.Popen(
            ["snmpd", "-f", "-Lo", "-C", "-c", str(conf), "-p", str(self.dir / "snmpd.pid")],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        _wait_udp(self.port, self.community, self.dir, time.monotonic() + 15)
        return self

    def stop(self) -> None:
        terminate(self.proc)
        self.proc = None


@dataclass
class Snmpsim:
    """snmpsim serving copies (never symlinks) of a few snmpsim-data recordings."""

    dir: Path
    port: int = 16100
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @staticmethod
    def available() -> str | None:
        if not SNMPSIM_BIN.exists():
            return f"snmpsim not installed at {SNMPSIM_VENV} (tests/collectors/snmp/install.sh)"
        return None

    def data_root(self) -> Path:
        py = sorted((SNMPSIM_VENV / "lib").glob("python3*/site-packages/snmpsim_data/data"))
        if not py:
            raise RuntimeError("snmpsim-data is not installed in the snmpsim venv")
        return py[0]

    def start(self) -> Snmpsim:
        src = self.data_root()
        data = self.dir / "data"
        cache = self.dir / "cache"
        for community, rel in RECORDINGS:
            target = data / (community + "".join(Path(rel).suffixes))
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / rel, target)
        cache.mkdir(parents=True, exist_ok=True)
        for p in (self.dir, data, cache, *data.rglob("*")):
            p.chmod(0o777 if p.is_dir() else 0o644)
        # snmpsim drops privileges (nobody) and must reach its dirs: open the path to them
        for parent in self.dir.parents:
            if parent == Path("/"):
                break
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)
        log = open(self.dir / "snmpsim.log", "ab")  # noqa: SIM115
        argv = [str(SNMPSIM_BIN), f"--data-dir={data}", f"--cache-dir={cache}",
                f"--agent-udpv4-endpoint=127.0.0.1:{self.port}"]
        if os.geteuid() == 0:  # snmpsim must drop to an unprivileged account of this machine
            user = pwd.getpwnam("nobody")  # not every system calls its group `nogroup`
            argv += [f"--process-user={user.pw_name}",
                     f"--process-group={grp.getgrgid(user.pw_gid).gr_name}"]
        self.proc = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                     start_new_session=True, cwd=self.dir)
        deadline = time.monotonic() + 90
        for community, _ in RECORDINGS:
            _wait_udp(self.port, community, self.dir, deadline)
        return self

    def stop(self) -> None:
        terminate(self.proc)
        self.proc = None
