"""The access view's sudo grants against the real sudo on a lab host: users, groups and a
sudoers.d file with nested User_Alias, "!" exceptions, ALL, #uid, %#gid, per-user
`Defaults ... !authenticate` and host lists (another host, this host by name, pattern and
network, Host_Alias) are planted; real `sudo -l -U USER` says who may run anything and
`sudo -n /bin/true` run as each user says who needs no password. A scan of the host must give
exactly those grants and password conditions; turning one user's Defaults back on reads as one
changed grant in `proofshot diff`. Undone in a finally; uses psl-h3 only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from proofshot.views.grant import sudo_password
from tests.lab import Host, Lab
from tests.views.labrun import LabRun

pytestmark = pytest.mark.lab

DROPIN = "/etc/sudoers.d/ps8"
# name, uid, extra group
PLANTED = [("ps8alice", 7101, ""), ("ps8bob", 7102, ""), ("ps8carol", 7103, "ps8dev"),
           ("ps8dave", 7104, ""), ("ps8erin", 7105, "ps8dev"), ("ps8fred", 7106, ""),
           ("ps8gina", 7107, "ps8g"), ("ps8hank", 7108, ""), ("ps8ivy", 7109, ""),
           ("ps8jack", 7110, ""), ("ps8kim", 7111, "")]
GROUPS = {"ps8dev": 7200, "ps8g": 7201}
SUDOERS = """\
User_Alias PS8ADM = ps8alice, %ps8dev, !ps8carol
User_Alias PS8OPS = PS8ADM, ps8dave
PS8OPS ALL=(ALL) ALL
User_Alias PS8HOSTS = ps8hank, ps8ivy, ps8jack, ps8kim
ALL, !ps8bob, !ps8fred, !ps8gina, !PS8OPS, !PS8HOSTS ALL=(root) /bin/true
#7106 ALL=(root) /bin/true
%#7201 ALL=(root) /bin/true
Defaults:ps8dave !authenticate
Defaults:%ps8dev !authenticate
Defaults:ps8erin authenticate
Host_Alias PS8NET = {net}
Host_Alias PS8ELSE = ps8-nowhere, 192.0.2.0/24
ps8hank PS8ELSE = (root) /bin/true
ps8ivy {hostname} = (root) /bin/true
ps8jack PS8NET = (root) /bin/true
ps8kim ALL, !{pattern} = (root) /bin/true
"""
NAMES = [n for n, _, _ in PLANTED]


def _plant(h: Host) -> None:
    lines = [f"echo '{n}:x:{u}:{u}:ps8:/nonexistent:/usr/sbin/nologin' >> /etc/passwd && "
             f"echo '{n}:!:19000:0:99999:7:::' >> /etc/shadow && "
             f"echo '{n}:x:{u}:' >> /etc/group" for n, u, _ in PLANTED]
    for g, gid in GROUPS.items():
        members = ",".join(n for n, _, x in PLANTED if x == g)
        lines.append(f"echo '{g}:x:{gid}:{members}' >> /etc/group")
    h.sh(" && ".join(lines), check=True)
    hostname = h.exec(["hostname"], check=True).stdout.decode().strip()
    net = h.ip.rsplit(".", 1)[0] + ".0/255.255.255.0"
    pattern = hostname[:-1] + "[0-9]"
    h.write_file(DROPIN, SUDOERS.format(net=net, hostname=hostname, pattern=pattern),
                 mode=0o440)
    check = h.exec(["visudo", "-c", "-f", DROPIN])
    assert check.returncode == 0, check.stderr


def _undo(h: Host) -> None:
    h.exec(["rm", "-f", DROPIN])
    for f in ("/etc/passwd", "/etc/shadow", "/etc/group"):
        h.exec(["sed", "-i", "/^ps8[a-z]*:/d", f])


def _real(h: Host) -> dict[str, tuple[bool, bool]]:
    """Per planted user, from the real sudo: (may run something, runs /bin/true with no
    password)."""
    out: dict[str, tuple[bool, bool]] = {}
    for n in NAMES:
        listed = h.exec(["sudo", "-n", "-l", "-U", n])
        text = listed.stdout.decode(errors="replace")
        allowed = listed.returncode == 0 and "may run the following commands" in text
        assert allowed or "not allowed to run sudo" in text, (n, text, listed.stderr)
        ran = h.exec(["runuser", "-u", n, "--", "sudo", "-n", "/bin/true"])
        out[n] = (allowed, ran.returncode == 0)
    return out


@pytest.fixture(scope="module")
def run(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    h = lab.host(3)
    r = LabRun(lab, tmp_path_factory.mktemp("sudo-lab"), hosts=(3,))
    try:
        _plant(h)
        real = _real(h)
        r.ps("scan", str(r.scope), "--label", "planted", ok=(0, 3))
        h.sh(f"sed -i '/^Defaults:ps8dave /d' {DROPIN}", check=True)
        real_after = _real(h)
        r.ps("scan", str(r.scope), "--label", "after", ok=(0, 3))
    finally:
        _undo(h)
    yield {"real": real, "real_after": real_after,
           "access": json.loads(r.ps("access", "planted", "--json")),
           "diff": json.loads(r.ps("diff", "planted", "after", "--json"))}


def _ours(access: Any) -> dict[str, tuple[bool, bool]]:
    grants = access["grants"] if isinstance(access, dict) else access
    by: dict[str, set[str | None]] = {n: set() for n in NAMES}
    for g in grants:
        user = g["principal"].split("\\", 1)[-1]
        if g["resource"] == "h3:sudo" and user in by:
            by[user].add(sudo_password(g["via"]))
    return {n: (bool(pw), bool(pw) and pw <= {"not-required"}) for n, pw in by.items()}


def test_sudo_grants_are_who_real_sudo_allows(run: dict[str, Any]) -> None:
    real = run["real"]
    # the plant means something: each kind of answer occurs
    assert {v for v in real.values()} == {(True, False), (True, True), (False, False)}, real
    assert real["ps8bob"] == (False, False) and real["ps8dave"] == (True, True)
    # host lists: another host's rule and an excepted host grant nothing; name, network do
    assert [real[n][0] for n in ("ps8hank", "ps8ivy", "ps8jack", "ps8kim")] == [
        False, True, True, False]
    assert _ours(run["access"]) == real


def test_defaults_line_removed_is_one_changed_grant(run: dict[str, Any]) -> None:
    assert run["real_after"]["ps8dave"] == (True, False)  # real sudo asks for it now
    access = run["diff"]["access"]
    changed = [c for c in access["changed"] if c["principal"] == "h3\\ps8dave"]
    assert [c["change"] for c in changed] == [
        {"condition": "password", "before": "not-required", "after": "required"}]
    assert changed[0]["via_before"][-1] == f"sudoers {DROPIN}: Defaults:ps8dave !authenticate"
    assert not [g for g in access["gained"] + access["lost"] if "ps8" in g["principal"]]
