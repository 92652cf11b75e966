"""Live Windows tests: run only against a real host named by PROOFSHOT_TEST_WINRM (WinRM) or
PROOFSHOT_TEST_WINSSH (OpenSSH), each `host` or `user@host`, password in
PROOFSHOT_TEST_WIN_PASSWORD (WinRM; CA in PROOFSHOT_TEST_WIN_CA) or the SSH key of
PROOFSHOT_TEST_WIN_KEY. No Windows can run on the machines of this project (LAB-NOTES), so
these are skipped there: allow-list this file's tests as the only expected skips."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from proofshot.scan.scope import SSHTarget, WinRMTarget
from proofshot.scan.service import scan
from proofshot.store.embedded import Store

pytestmark = pytest.mark.windows


def _split(value: str) -> tuple[str, str]:
    user, _, host = value.rpartition("@")
    return user or "audit", host


def _check(store: Store, target: object) -> None:
    from proofshot.scan.scope import Scope

    out = scan(store, Scope(targets=[target]), "live")  # type: ignore[list-item]
    (res,) = out.results
    assert res.status in ("ok", "partial"), res.reason
    names = {t.table.name for t in res.tables if t.collected}
    assert {"win_os", "win_services", "win_software", "win_users"} <= names, res.reason


@pytest.mark.skipif(not os.environ.get("PROOFSHOT_TEST_WINRM"),
                    reason="PROOFSHOT_TEST_WINRM names no Windows host")
def test_live_winrm(tmp_path: Path) -> None:
    user, host = _split(os.environ["PROOFSHOT_TEST_WINRM"])
    target = WinRMTarget(name="live-winrm", type="winrm", host=host, user=user,
                         password="env:PROOFSHOT_TEST_WIN_PASSWORD",
                         ca=os.environ.get("PROOFSHOT_TEST_WIN_CA"))
    _check(Store.create(tmp_path / "s"), target)


@pytest.mark.skipif(not os.environ.get("PROOFSHOT_TEST_WINSSH"),
                    reason="PROOFSHOT_TEST_WINSSH names no Windows host")
def test_live_winssh(tmp_path: Path) -> None:
    user, host = _split(os.environ["PROOFSHOT_TEST_WINSSH"])
    target = SSHTarget(name="live-winssh", type="ssh", platform="windows", host=host, user=user,
                       key=os.environ.get("PROOFSHOT_TEST_WIN_KEY"), accept_new_host_key=True)
    _check(Store.create(tmp_path / "s"), target)
