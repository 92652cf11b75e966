"""Scope files: valid ones load; bad ones name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from proofshot.model.errors import BadInput, ScopeError
from proofshot.scan.scope import load_scope
from proofshot.scan.secrets import resolve

GOOD = """\
customer: Muster GmbH
defaults: {timeout: 30}
targets:
  - name: web1
    type: ssh
    host: 10.200.0.11
    user: audit
    key: ~/.ssh/id_ed25519
    sudo: true
    files: [/etc, /srv/app]
  - name: core-switch
    type: snmp
    host: 127.0.0.1
    version: 2c
    community: env:SNMP_COMMUNITY
  - name: this-machine
    type: local
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "scope.yaml"
    p.write_text(text)
    return p


def test_good_scope(tmp_path: Path) -> None:
    s = load_scope(write(tmp_path, GOOD))
    assert s.customer == "Muster GmbH"
    assert [t.name for t in s.targets] == ["web1", "core-switch", "this-machine"]
    assert s.targets[0].timeout == 30 and s.targets[0].port == 22
    assert len(s.digest) == 64


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("targets:\n  - name: a\n    type: telnet\n", 3, "unknown target type 'telnet'"),
        ("targets:\n  - name: a\n    type: ssh\n    user: u\n", 2, "host"),
        ("targets:\n  - name: a\n    type: ssh\n    host: h\n    user: u\n    password: s3cr3t\n",
         6, "secrets may not be written"),
        ("targets:\n  - name: a\n    type: local\n    colour: red\n", 4, "unknown field"),
        ("targets:\n  - name: a\n    type: local\n  - name: a\n    type: local\n", 4, "twice"),
        ("targets: [\n  {name: a,\n", None, "malformed YAML"),
        ("targets:\n  - name: a\n    type: ssh\n    host: h\n    user: u\n    port: 99999\n",
         6, "port"),
    ],
)
def test_bad_scope_names_place(tmp_path: Path, text: str, line: int | None, needle: str) -> None:
    with pytest.raises(ScopeError) as exc:
        load_scope(write(tmp_path, text))
    msg = exc.value.message
    assert needle in msg
    assert msg.startswith(str(tmp_path / "scope.yaml"))
    if line is not None:
        assert f"scope.yaml:{line}:" in msg
    assert "s3cr3t" not in msg
    assert exc.value.exit_code == 2


def test_missing_scope_file(tmp_path: Path) -> None:
    with pytest.raises(ScopeError, match="not found"):
        load_scope(tmp_path / "nope.yaml")


def test_secret_refs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PS_TEST_SECRET", "x1")
    assert resolve("env:PS_TEST_SECRET", "w") == "x1"
    f = tmp_path / "pw"
    f.write_text("x2\n")
    assert resolve(f"file:{f}", "w") == "x2"
    with pytest.raises(BadInput, match="PS_NOT_SET"):
        resolve("env:PS_NOT_SET", "w")
