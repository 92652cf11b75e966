"""Scans of lab hosts through the CLI, for the views' lab tests: a scope of ssh targets
h<i> (user audit, the lab's client key, sudo) and a store of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.lab import Lab


class LabRun:
    def __init__(self, lab: Lab, work: Path, hosts: Sequence[int] = (1, 2, 3)) -> None:
        self.work = work
        self.store = work / "store"
        self.scope = work / "scope.yaml"
        lines = ["defaults: {timeout: 60}", "targets:"]
        for i in hosts:
            h = lab.host(i)
            lines += [f"  - name: h{i}", "    type: ssh", f"    host: {h.ip}",
                      "    user: audit", f"    key: {lab.client_key}", "    sudo: true"]
        self.scope.write_text("\n".join(lines) + "\n")
        self.env = {**os.environ, "COLUMNS": "200"}
        self.env.pop("PROOFSHOT_STORE", None)

    def ps(self, *args: str, ok: tuple[int, ...] = (0,)) -> str:
        """`proofshot ARGS --store STORE`: its stdout; the exit code must be in `ok`."""
        proc = subprocess.run([sys.executable, "-m", "proofshot", *args, "--store",
                               str(self.store)], capture_output=True, text=True, env=self.env,
                              timeout=300, check=False)
        assert proc.returncode in ok, (args, proc.returncode, proc.stderr[-2000:])
        return proc.stdout
