"""`proofshot check SCOPE`: a bad scope is exit 2 with every error; then one login per target,
nothing collected: ok, or why not (unreachable, auth failed, host key changed, sudo refused),
exit 0 when all are ok, 3 otherwise. Against the lab's hosts."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lab import Lab

PW_ENV = "PSCHECK_PW"


def _cli(store: Path, *args: str, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "proofshot", *args, "--store", str(store)],
                          env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=180, check=False)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends


def test_bad_scope_is_exit_2_with_every_error(tmp_path: Path) -> None:
    scope = tmp_path / "scope.yaml"
    scope.write_text("targets:\n  - name: a\n    type: ssh\n    hots: h\n    user: u\n"
                     "  - name: a\n    type: winrn\n    host: h\n")
    proc = _cli(tmp_path / "store", "check", str(scope))
    assert proc.returncode == 2, proc.stderr
    for needle in ("scope.yaml:2: field 'targets.0.host'", "scope.yaml:4: field 'targets.0.hots'",
                   "did you mean 'host'", "scope.yaml:6: field 'targets.1.name'", "twice (first at line 2)",
                   "scope.yaml:7: field 'targets.1.type'", "did you mean 'winrm'"):
        assert needle in proc.stderr, proc.stderr
    assert not (tmp_path / "store").exists()


@pytest.mark.lab
def test_check_logs_in_to_each_target_and_says_why_not(lab: Lab, tmp_path: Path) -> None:
    h1, h2 = lab.host(1), lab.host(2)
    store = tmp_path / "store"
    assert _cli(store, "init").returncode == 0
    # a pinned host key that is not h2's: the check must stop at it, as a scan would
    pub = Path(f"{lab.client_key}.pub").read_text().split()
    (store / "known_hosts").write_text(f"{h2.ip}:22 {pub[0]} {pub[1]}\n")
    key = f"key: {lab.client_key}"
    scope = tmp_path / "scope.yaml"
    scope.write_text("targets:\n" + "".join(f"  - {{{t}}}\n" for t in (
        f"name: good, type: ssh, host: {h1.ip}, user: audit, {key}, sudo: true",
        f"name: pw, type: ssh, host: {h1.ip}, user: pwuser, password: 'env:{PW_ENV}'",
        f"name: nosudo, type: ssh, host: {h1.ip}, user: pwuser, password: 'env:{PW_ENV}', "
        "sudo: true",
        f"name: badpw, type: ssh, host: {h1.ip}, user: pwuser, password: 'env:PSCHECK_BAD'",
        f"name: down, type: ssh, host: 127.0.0.1, port: {_closed_port()}, user: audit, {key}",
        f"name: rekeyed, type: ssh, host: {h2.ip}, user: audit, {key}",
    )))
    env = {PW_ENV: lab.pw_password, "PSCHECK_BAD": "not-the-password"}
    proc = _cli(store, "check", str(scope), "--json", env=env)
    assert proc.returncode == 3, proc.stderr
    got = {t["name"]: t for t in json.loads(proc.stdout)["targets"]}
    assert {n: t["status"] for n, t in got.items()} == {
        "good": "ok", "pw": "ok", "nosudo": "sudo-refused", "badpw": "auth-failed",
        "down": "unreachable", "rekeyed": "host-key-changed"}
    assert all(t["reason"] for n, t in got.items() if n not in ("good", "pw"))
    # nothing collected: no snapshot, no object; h1's host key pinned at its first login
    assert _cli(store, "snapshots", "--json").stdout.strip() == "[]"
    assert not any((store / "packs").iterdir()) and not any((store / "snapshots").iterdir())
    pins = (store / "known_hosts").read_text()
    assert f"{h1.ip}:22 " in pins and pins.count(f"{h2.ip}:22 ") == 1
    assert lab.pw_password not in proc.stdout + proc.stderr
    # the text form names each target; only good targets: exit 0
    text = _cli(store, "check", str(scope), env=env)
    assert "nosudo (ssh): sudo-refused" in text.stdout and "rekeyed (ssh): host-key-changed" \
        in text.stdout
    scope.write_text(f"targets:\n  - {{name: good, type: ssh, host: {h1.ip}, user: audit, "
                     f"{key}, sudo: true}}\n")
    ok = _cli(store, "check", str(scope), env=env)
    assert ok.returncode == 0 and "good (ssh): ok" in ok.stdout, ok.stdout + ok.stderr
