"""The `proofshot` entry point freezes what is alive when a full command ends, so the process's
last cyclic collections do not walk it (issue 15: a scan's client CPU); the exit code stays."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import atexit, gc, sys
from proofshot.cli.fast import main
atexit.register(lambda: print("frozen", gc.get_freeze_count()))
main(sys.argv[1:])
"""


def test_a_full_command_ends_frozen_with_its_exit_code() -> None:
    ok = subprocess.run([sys.executable, "-c", CODE, "tables"], capture_output=True, text=True)
    assert ok.returncode == 0 and int(ok.stdout.split("frozen")[-1]) > 1000
    bad = subprocess.run([sys.executable, "-c", CODE, "show", "no-such-snapshot", "--store",
                          "/nonexistent/store"], capture_output=True, text=True)
    assert bad.returncode not in (0, None) and int(bad.stdout.split("frozen")[-1]) > 1000
