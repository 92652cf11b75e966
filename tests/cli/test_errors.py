"""Bad input through the real command: one clear line, the right exit code, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def ps(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None
       ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "proofshot", *args], capture_output=True,
                          text=True, cwd=cwd, env={**os.environ, **(env or {})}, timeout=300)


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    s = tmp_path / "store"
    assert ps("init", "--store", str(s)).returncode == 0
    return s


def snapshot_count(store: Path) -> int:
    return len(list((store / "snapshots").glob("*.json")))


@pytest.mark.parametrize(
    ("scope", "needle"),
    [
        ("targets: [\n  {name: a,\n", "malformed YAML"),
        ("targets:\n  - name: a\n    type: gopher\n", "unknown target type 'gopher'"),
        ("targets:\n  - name: a\n    type: ssh\n    host: 127.0.0.1\n    user: u\n"
         "    key: /nonexistent/id_ed25519\n", "key file /nonexistent/id_ed25519 not found"),
        ("targets:\n  - name: a\n    type: ssh\n    host: 127.0.0.1\n    user: u\n"
         "    password: env:PS_SURELY_UNSET_VAR\n", "PS_SURELY_UNSET_VAR"),
    ],
)
def test_bad_scope_exit_2_nothing_written(store: Path, tmp_path: Path, scope: str,
                                          needle: str) -> None:
    f = tmp_path / "scope.yaml"
    f.write_text(scope)
    proc = ps("scan", str(f), "--label", "x", "--store", str(store))
    assert proc.returncode == 2
    line = one_error_line(proc)
    assert needle in line and "scope.yaml" in line
    assert proc.stdout == ""
    assert snapshot_count(store) == 0
    assert list((store / "packs").iterdir()) == []


def test_store_path_that_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "afile"
    f.write_text("not a store")
    for args in (["verify"], ["snapshots"], ["scan", "--label", "x"]):
        proc = ps(*args, "--store", str(f))
        assert proc.returncode == 2, (args, proc.stderr)
        assert "is a file" in one_error_line(proc)
    assert f.read_text() == "not a store"


def test_unknown_snapshot_reference(store: Path) -> None:
    proc = ps("diff", "before", "after", "--store", str(store))
    assert proc.returncode == 2
    assert "no snapshots" in one_error_line(proc)


def test_truncated_object_is_found_by_verify(store: Path, tmp_path: Path) -> None:
    scope = tmp_path / "scope.yaml"
    scope.write_text(f"targets:\n  - name: here\n    type: local\n    files: [{tmp_path}/tree]\n")
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "a.conf").write_text("x=1\n")
    proc = ps("scan", str(scope), "--label", "a", "--store", str(store))
    assert proc.returncode in (0, 3), proc.stderr  # 3: e.g. no /run/sshd on this machine
    assert ps("verify", "--store", str(store)).returncode == 0
    pack = max((store / "packs").glob("*.pack"), key=lambda p: p.stat().st_size)
    data = pack.read_bytes()
    pack.write_bytes(data[: len(data) // 2])
    proc = ps("verify", "--store", str(store))
    assert proc.returncode == 4
    assert "BROKEN" in proc.stderr and "truncated" in proc.stderr
    proc = ps("show", "latest", "--json", "--store", str(store))
    assert proc.returncode == 4
    assert "object" in one_error_line(proc)


def test_usage_error_is_exit_2(tmp_path: Path) -> None:
    """Bad command lines: exit 2, the error names what is wrong, nothing is written (the
    store is not even created), stdout stays empty for the machine that reads it."""
    env = {"PROOFSHOT_STORE": str(tmp_path / "store"), "HOME": str(tmp_path)}
    for args, needle in ((["diff", "onlyone"], "Missing argument 'b'"),
                         (["diff", "a", "b", "--jsn"], "No such option: --jsn"),
                         (["scan", "--label"], "Option '--label' requires an argument"),
                         (["nosuchcommand"], "No such command 'nosuchcommand'")):
        proc = ps(*args, cwd=tmp_path, env=env)
        assert proc.returncode == 2, (args, proc.stderr)
        assert needle in proc.stderr, (args, proc.stderr)
        assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []

