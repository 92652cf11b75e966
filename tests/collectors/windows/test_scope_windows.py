"""Scopes with Windows targets (winrm; ssh with platform windows) and replay targets validate,
their mistakes are named by file, line and field, and they reach the Windows collector."""

from __future__ import annotations

from pathlib import Path

import pytest

from proofshot.model.errors import BadInput, ScopeError
from proofshot.scan.scope import load_scope
from proofshot.scan.targets import collector_for, options_for, preflight, transport_for
from proofshot.transports.replay import ReplayTransport
from proofshot.transports.winrm import WinRMTransport
from tests.collectors.windows import host

SCOPE = """\
targets:
  - name: dc2
    type: winrm
    host: dc2.example.test
    transport: https
    auth: negotiate
    user: EXAMPLE\\audit
    password: env:PS_TEST_WIN_PASSWORD
    paths: ['D:\\Daten']
  - name: app3
    type: ssh
    platform: windows
    host: 192.0.2.30
    user: audit
    password: env:PS_TEST_WIN_PASSWORD
  - name: lab-copy
    type: replay
    path: {path}
"""


def test_windows_targets_validate_and_reach_the_windows_collector(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PS_TEST_WIN_PASSWORD", "s3cret-Win")
    cap = host.write(tmp_path / "cap", "lab-copy", host.sections())
    p = tmp_path / "scope.yaml"
    p.write_text(SCOPE.format(path=cap))
    sc = load_scope(p)
    dc2, app3, copy = sc.targets
    assert {collector_for(t).name for t in sc.targets} == {"windows"}
    creds = {t.name: preflight(t, str(p)) for t in sc.targets}
    assert creds["dc2"]["password"] == "s3cret-Win"
    winrm = transport_for(dc2, creds["dc2"], tmp_path, 30)
    assert isinstance(winrm, WinRMTransport) and winrm.port == 5986 and winrm.ssl
    assert winrm.cert_validation is True
    assert isinstance(transport_for(copy, creds["lab-copy"], tmp_path, 30), ReplayTransport)
    assert options_for(copy)["type"] == "winrm"  # the recorded target's options
    assert options_for(dc2)["paths"] == ["D:\\Daten"] and "password" not in options_for(dc2)
    assert options_for(app3)["platform"] == "windows"


@pytest.mark.parametrize(("text", "field", "words"), [
    ("    auth: basic\n", "targets.0.auth", "negotiate"),
    ("    transport: ftp\n", "targets.0.transport", "https"),
    ("    password: plain\n", "targets.0.password", "env:NAME"),
])
def test_bad_winrm_fields_are_named(tmp_path: Path, text: str, field: str, words: str) -> None:
    p = tmp_path / "scope.yaml"
    p.write_text("targets:\n  - name: w\n    type: winrm\n    host: h\n    user: u\n" + text)
    with pytest.raises(ScopeError) as exc:
        load_scope(p)
    assert exc.value.field == field and exc.value.line == 6 and words in exc.value.problem


def test_preflight_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PS_TEST_NOPE", raising=False)
    cases = {
        "winrm without a password": "type: winrm\n    host: h\n    user: u\n",
        "http with a CA": "type: winrm\n    host: h\n    user: u\n    transport: http\n"
                          "    password: env:HOME\n    ca: /etc/hostname\n",
        "windows with sudo": "type: ssh\n    platform: windows\n    host: h\n    user: u\n"
                             "    sudo: true\n    password: env:HOME\n",
        "paths on linux": "type: ssh\n    host: h\n    user: u\n    password: env:HOME\n"
                          "    paths: ['C:\\\\x']\n",
        "replay of nothing": f"type: replay\n    path: {tmp_path / 'none'}\n",
    }
    for why, body in cases.items():
        p = tmp_path / "scope.yaml"
        p.write_text(f"targets:\n  - name: t\n    {body}")
        sc = load_scope(p)
        with pytest.raises(BadInput):
            preflight(sc.targets[0], str(p))
            pytest.fail(why)
