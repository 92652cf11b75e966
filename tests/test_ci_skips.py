"""The rule of tests/conftest.py: under CI=true a skip fails, unless it is on the allow-list.

Checked on a tiny planted test tree run by a real pytest in a subprocess, with the hooks of
tests/conftest.py loaded as a plugin (`-p tests.conftest`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PLANTED = '''
import pytest

@pytest.fixture
def needs_tool():
    pytest.skip("tool missing")

def test_passes():
    assert True

def test_skips_in_body():
    pytest.skip("not installed")

@pytest.mark.skipif(True, reason="condition")
def test_skipif():
    pass

def test_skips_in_fixture(needs_tool):
    pass

@pytest.mark.xfail(reason="known bug", strict=True)
def test_expected_failure():
    assert False
'''


def run(root: Path, ci: str | None) -> tuple[int, dict[str, int], str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = str(REPO)
    (root / "pytest.ini").write_text("[pytest]\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.conftest",
                           "-p", "no:cacheprovider", "-rA", str(root)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)
    last = proc.stdout.strip().splitlines()[-1]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", last)}
    return proc.returncode, counts, proc.stdout


def test_skips_fail_under_ci(tmp_path: Path) -> None:
    (tmp_path / "test_planted.py").write_text(PLANTED)
    code, counts, out = run(tmp_path, "true")
    assert code == 1, out
    # a skip in the test body fails the test; one in its setup (skipif, a fixture) errors it
    assert counts == {"failed": 1, "errors": 2, "passed": 1, "xfailed": 1}, out
    for how, name, why in (("FAILED", "test_skips_in_body", "not installed"),
                           ("ERROR", "test_skipif", "condition"),
                           ("ERROR", "test_skips_in_fixture", "tool missing")):
        assert re.search(rf"{how} test_planted.py::{name} - skipped under CI=true: {why}",
                         out), (name, out)
    assert "ALLOWED_SKIPS" in out


def test_skips_stay_skips_outside_ci(tmp_path: Path) -> None:
    (tmp_path / "test_planted.py").write_text(PLANTED)
    for ci in (None, "false", ""):
        code, counts, out = run(tmp_path, ci)
        assert code == 0, out
        assert counts == {"passed": 1, "skipped": 3, "xfailed": 1}, (ci, out)


def test_allow_listed_skip_passes_under_ci(tmp_path: Path) -> None:
    live = tmp_path / "tests" / "collectors" / "windows"
    live.mkdir(parents=True)
    (live / "test_live.py").write_text(
        "import pytest\n\ndef test_winrm():\n    pytest.skip('PROOFSHOT_TEST_WINRM not set')\n")
    other = tmp_path / "tests" / "collectors" / "linux"
    other.mkdir(parents=True)
    (other / "test_other.py").write_text(
        "import pytest\n\ndef test_tool():\n    pytest.skip('tool missing')\n")
    code, counts, out = run(tmp_path, "true")
    assert code == 1 and counts == {"failed": 1, "skipped": 1}, out
    assert "FAILED tests/collectors/linux/test_other.py::test_tool" in out
    assert "SKIPPED [1] tests/collectors/windows/test_live.py" in out
    (other / "test_other.py").unlink()
    code, counts, out = run(tmp_path, "true")
    assert code == 0 and counts == {"skipped": 1}, out


def test_a_module_skipped_at_collection_fails_the_run(tmp_path: Path) -> None:
    (tmp_path / "test_mod.py").write_text(
        "import pytest\npytest.skip('no lab', allow_module_level=True)\n\n"
        "def test_never():\n    pass\n")
    (tmp_path / "test_ok.py").write_text("def test_ok():\n    assert 1\n")
    code, counts, out = run(tmp_path, "true")
    assert code == 1, out
    assert counts == {"passed": 1, "skipped": 1}, out
    assert "modules skipped under CI (a failure)" in out and "test_mod.py: no lab" in out
    code, _, out = run(tmp_path, None)
    assert code == 0, out
