"""asyncssh is imported without child processes (its liboqs search), yet finds liboqs where it
is installed; the standard find_library is left as it was (issue 15: client CPU per host)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import ctypes.util, subprocess, sys
started = []
real = subprocess.Popen.__init__
def spy(self, args, *a, **k):
    started.append(args)
    real(self, args, *a, **k)
subprocess.Popen.__init__ = spy
before = ctypes.util.find_library
import proofshot.transports.ssh
assert ctypes.util.find_library is before, "find_library not restored"
import asyncssh.crypto.pq as pq
print(repr(started), pq._oqs_lib)
"""


def test_importing_the_ssh_transport_starts_no_process() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True, env={**os.environ, "LD_LIBRARY_PATH": ""}).stdout.split()
    assert out[0] == "[]", f"processes started while importing asyncssh: {out}"


@pytest.mark.skipif(sys.platform != "linux", reason="the lookup replaced is Linux's")
def test_liboqs_is_still_found_where_it_is_installed(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    lib = tmp_path / "liboqs.so.5"
    lib.write_bytes(b"")  # found by name only: this test never loads it
    from proofshot.transports._sshlib import _find

    monkeypatch.setenv("LD_LIBRARY_PATH", str(tmp_path))
    assert _find("oqs") == str(lib)  # a path: asyncssh loads it with ctypes
    monkeypatch.setenv("LD_LIBRARY_PATH", "")
    assert _find("oqs") != str(lib)
