"""Shared pytest setup, and the rule that CI never passes on a silent skip.

Under `CI=true` (how `.ci/run` runs the suite) a skipped test is a failure: a skip there means
the install is incomplete (a tool missing, the lab not up), and 75 quietly skipped tests must show
as red, not green. The only skips CI accepts are the ones in ALLOWED_SKIPS below, each with the
reason why no CI machine can run it. An expected failure (xfail) is not a skip and is left alone.
A whole module skipped at collection (`pytest.skip(..., allow_module_level=True)`) fails the run
too: it has no test to turn red, so the session's exit status says it.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Generator

import pytest
from pluggy import Result

pytest_plugins = ["tests.lab.fixtures"]

# Node id patterns (fnmatch, relative to the repo root) whose skips CI accepts. Add an entry only
# with a comment that says why no CI machine can run the test; never for a missing tool that
# .ci/install could install.
ALLOWED_SKIPS: dict[str, str] = {
    # Live Windows tests (marked `windows`): they need a real Windows host named by
    # PROOFSHOT_TEST_WINRM / PROOFSHOT_TEST_WINSSH; no Windows (and no PowerShell) runs on the
    # Linux CI machine. The Windows collectors are tested on recordings in every run.
    "tests/collectors/windows/test_live.py::*":
        "live Windows host not configured (PROOFSHOT_TEST_WINRM / PROOFSHOT_TEST_WINSSH)",
}

_SKIP_IS_FAILURE = (
    "skipped under CI={ci}: {reason}\n"
    "CI never passes on a silent skip (tests/conftest.py). Install what the test needs "
    "(.ci/install), or add the test to ALLOWED_SKIPS with a comment saying why CI cannot run it."
)


def ci_forbids_skips() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def skip_allowed(nodeid: str) -> bool:
    return any(fnmatch.fnmatchcase(nodeid, pattern) for pattern in ALLOWED_SKIPS)


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (path, line, "Skipped: why")
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Result[pytest.TestReport], None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if (report.skipped and not hasattr(report, "wasxfail") and ci_forbids_skips()
            and not skip_allowed(item.nodeid)):
        report.outcome = "failed"
        report.longrepr = _SKIP_IS_FAILURE.format(ci=os.environ["CI"],
                                                  reason=_skip_reason(report))


_skipped_modules: list[str] = []


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.skipped and ci_forbids_skips() and not skip_allowed(report.nodeid + "::*"):
        _skipped_modules.append(f"{report.nodeid}: {_skip_reason(report)}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped_modules and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped_modules:
        terminalreporter.section("modules skipped under CI (a failure)", red=True)
        for line in _skipped_modules:
            terminalreporter.line(line)
