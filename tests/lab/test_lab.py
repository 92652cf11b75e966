"""The lab itself: separate hosts that reach each other and nothing else."""

from __future__ import annotations

import socket

import pytest

from tests.lab import Lab

pytestmark = pytest.mark.lab


def test_hosts_are_separate_machines(lab: Lab) -> None:
    names = [h.exec(["hostname"], check=True).stdout.decode().strip() for h in lab.hosts]
    assert names == [h.name for h in lab.hosts] and len(set(names)) == len(names)
    assert socket.gethostname() not in names
    ids = {h.exec(["cat", "/etc/machine-id"]).stdout for h in lab.hosts}
    assert len(ids) == len(lab.hosts)
    keys = {h.exec(["cat", "/etc/ssh/ssh_host_ed25519_key.pub"]).stdout for h in lab.hosts}
    assert len(keys) == len(lab.hosts)
    h = lab.hosts[0]
    assert h.exec(["ps", "-eo", "pid=,comm="]).stdout.split()[:2] == [b"1", b"sleep"]
    assert b"audit:x:2001:2001" in h.exec(["cat", "/etc/passwd"]).stdout
    with open("/etc/passwd") as fh:
        assert "audit:x:2001" not in fh.read()  # the root namespace is untouched


def test_hosts_reach_each_other_but_nothing_else(lab: Lab) -> None:
    a, b = lab.hosts[0], lab.hosts[1]
    probe = "exec 3<>/dev/tcp/{}/22 && head -c 4 <&3"
    assert a.exec(["bash", "-c", probe.format(b.ip)]).stdout == b"SSH-"
    for h in lab.hosts:
        routes = h.exec(["ip", "route", "show"]).stdout.decode()
        assert "default" not in routes, routes
        assert h.exec(["ip", "-6", "route", "show", "default"]).stdout.strip() == b""


def test_per_host_var_and_write_file(lab: Lab) -> None:
    a, b = lab.hosts[0], lab.hosts[1]
    a.write_file("/var/lib/dpkg/proofshot-lab-probe", "x\n")
    assert a.exec(["cat", "/var/lib/dpkg/proofshot-lab-probe"]).stdout == b"x\n"
    assert b.exec(["test", "-e", "/var/lib/dpkg/proofshot-lab-probe"]).returncode == 1
    a.exec(["rm", "/var/lib/dpkg/proofshot-lab-probe"], check=True)


def test_stop_and_start_host(lab: Lab) -> None:
    h = lab.hosts[-1]
    h.stop()
    assert not h.running and not h.sshd_up(0.2)
    h.start()
    assert h.running and h.sshd_up(2)
