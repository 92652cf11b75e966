"""A real router in the lab: FRR (zebra + staticd, `-N NAME`) in a lab host, reached over SSH.

The host's sshd lets user `netops` (password below) log in; the user's login shell is a
wrapper that runs `vtysh -N NAME`, so an SSH session lands in the router's CLI as it would on a
device. `vtysh()` changes the router's configuration from inside the host (as an admin would).

    r = FRRRouter(lab.add(ROUTER_INDEX)); r.start()
    r.vtysh("configure terminal", "ip route 198.51.100.0/24 Null0")
    r.stop()
"""

from __future__ import annotations

import secrets
import subprocess

from tests.lab.lab import Host, LabError

USER = "netops"
ROUTER_INDEX = 22  # a lab host of its own (samba.py uses 20 and 21; up(n) uses 1..n)
DAEMONS = ("zebra", "staticd")

_ZEBRA = """\
hostname {name}
!
interface eth0
 description uplink to the lab bridge
!
interface lo
 description loopback
!
"""
_STATICD = """\
hostname {name}
!
ip route 198.51.100.0/25 Null0
!
"""


class FRRRouter:
    def __init__(self, host: Host, name: str = "r1") -> None:
        self.host = host
        self.name = name
        self.dir = f"/etc/frr/{name}"
        self.run = f"/run/frr/{name}"
        self.password = secrets.token_urlsafe(12)

    def _sh(self, script: str) -> str:
        r = self.host.sh(script)
        if r.returncode != 0:
            raise LabError(f"{self.host.name}: {script[:80]}...: {r.stderr.decode()[-500:]}")
        return r.stdout.decode()

    def start(self) -> None:
        n, d, run = self.name, self.dir, self.run
        self.stop()
        self._sh(f"""set -e
id frr >/dev/null 2>&1 || useradd -r -U frr
getent group frrvty >/dev/null || groupadd -r frrvty
mkdir -p {d} {run}
chmod o+rx /etc/frr
chown frr:frr {run}; chmod 755 {run}
printf '%s' '{_ZEBRA.format(name=n)}' > {d}/zebra.conf
printf '%s' '{_STATICD.format(name=n)}' > {d}/staticd.conf
printf 'hostname {n}\\n' > {d}/vtysh.conf
chown -R frr:frr {d}; chmod 755 {d}; chmod 644 {d}/vtysh.conf {d}/*.conf
printf '#!/bin/sh\\nexec /usr/bin/vtysh -N {n}\\n' > {d}/vtysh-shell
chmod 755 {d}/vtysh-shell
id {USER} >/dev/null 2>&1 || useradd -m -s {d}/vtysh-shell -G frrvty {USER}
usermod -s {d}/vtysh-shell -G frrvty {USER}
echo '{USER}:{self.password}' | chpasswd
""")
        for daemon in DAEMONS:
            self._sh(f"/usr/lib/frr/{daemon} -d -N {n} -f {d}/{daemon}.conf -u frr -g frr "
                     f"-i {run}/{daemon}.pid")
        out = self.vtysh("show running-config")
        if f"hostname {n}" not in out:
            raise LabError(f"FRR {n} did not come up: {out[-300:]}")

    def vtysh(self, *commands: str) -> str:
        argv = ["vtysh", "-N", self.name]
        for c in commands:
            argv += ["-c", c]
        r: subprocess.CompletedProcess[bytes] = self.host.exec(argv)
        if r.returncode != 0:
            raise LabError(f"vtysh {commands}: {r.stdout.decode()[-300:]}"
                           f"{r.stderr.decode()[-300:]}")
        return r.stdout.decode()

    def stop(self) -> None:
        if not self.host.running:
            return
        self.host.sh(f"for f in {self.run}/*.pid; do [ -f \"$f\" ] && kill $(cat \"$f\"); "
                     f"rm -f \"$f\"; done; true")
