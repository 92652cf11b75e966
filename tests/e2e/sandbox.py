"""A private mount + network namespace for end-to-end scenarios on this machine: /etc and the
package database are copies bind-mounted over the real ones, so what a scenario plants (users,
files, ACLs) and what apt does elsewhere never meet.

A scenario script changes /etc: it must never run outside `run`. Each one starts with GUARD,
which stops it unless PROLOGUE (the mounts) ran first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROLOGUE = r"""
set -eu
STORE="$1"; WORK="$2"; PS="$3"
cp -a /etc "$WORK/etc"
mount --bind "$WORK/etc" /etc
# a private package database too, so an apt run elsewhere on this machine is not our change;
# over the directory, not the file: dpkg replaces status by a rename, which would detach a
# mount on the file itself (and show this machine's packages again in the middle of a test)
mkdir -p "$WORK/dpkg" && cp -a /var/lib/dpkg/status "$WORK/dpkg/status"
mount --bind "$WORK/dpkg" /var/lib/dpkg
ip link set lo up
# a /run of our own, as a booted host has it (sshd -T needs /run/sshd, which this machine may lack)
mount -t tmpfs tmpfs /run && mkdir -p /run/sshd
sandboxed() { :; }
"""

GUARD = "sandboxed || exit 97  # only through tests/e2e/sandbox.run: it changes /etc\n"


def run(script: str, work: Path, needs: tuple[str, ...] = (),
        env: dict[str, str] | None = None) -> None:
    """Run PROLOGUE + script as root in a fresh namespace ($1 store, $2 work, $3 proofshot)."""
    assert script.startswith(GUARD), "a scenario script starts with sandbox.GUARD"
    needed = ("unshare", "useradd", *needs)
    if os.geteuid() != 0 or any(shutil.which(x) is None for x in needed):
        pytest.skip(f"needs root and {', '.join(needed)} (run under .ci/run)")
    proc = subprocess.run(
        ["unshare", "--mount", "--net", "--fork", "bash", "-c", PROLOGUE + script, "sh",
         str(work / "store"), str(work), f"{sys.executable} -m proofshot"],
        env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=600,
        check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]


def packages_in(work: Path) -> int:
    """Packages in the sandbox's copy of the dpkg database, counted from the file itself (one
    `Package:` stanza each): an oracle for package counts apart from our collector, and true
    on any machine, however many packages it has."""
    text = (work / "dpkg" / "status").read_text(errors="replace")
    return sum(1 for line in text.splitlines() if line.startswith("Package:"))
