"""The built-in collectors are plugins like any other: windows (`type: winrm`) and netdev
(`type: netdev`) are found through the catalog and their entry points, `ssh` with `platform:
windows` reaches the Windows collector, `replay` stays the scan's own type, and a designed type
whose collector is not installed is a bad scope that says so."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

from proofshot.collectors.plugin import CollectorPlugin
from proofshot.model.errors import BadInput, ScopeError
from proofshot.scan import catalog
from proofshot.scan.scope import load_scope
from proofshot.scan.targets import collector_for, options_for, preflight
from proofshot.views.rules import RULE_SETS


def test_windows_and_netdev_are_registered_plugins() -> None:
    types = catalog.target_types()
    assert types["winrm"].name == "windows" and types["netdev"].name == "netdev"
    assert "replay" not in types  # the scan's own type (scan/replay.py)
    names = {ep.name for ep in entry_points(group="proofshot.collectors")}
    assert {"windows", "netdev"} <= names
    for name in ("windows", "netdev"):
        p = catalog.plugin(name)
        assert isinstance(p, CollectorPlugin) and p.collector().name == name
        assert {t.name for t in p.tables()} <= {t.name for t in catalog.all_tables(True)}
    assert {"windows", "netdev"} <= set(RULE_SETS)


def test_netdev_scope_target_is_validated_by_its_plugin(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PS_TEST_NETDEV_PW", "pw")
    p = tmp_path / "scope.yaml"
    p.write_text("targets:\n  - name: sw1\n    type: netdev\n    platform: ios\n    host: h\n"
                 "    user: u\n    password: env:PS_TEST_NETDEV_PW\n    enable: env:PS_TEST_NETDEV_PW\n"
                 "  - name: sw2\n    type: netdev\n    platform: nosuchos\n    host: h\n"
                 "    user: u\n    password: env:PS_TEST_NETDEV_PW\n")
    sw1, sw2 = load_scope(p).targets
    assert collector_for(sw1).name == "netdev"
    assert preflight(sw1, str(p))["enable"] == "pw"
    assert "password" not in options_for(sw1) and "enable" not in options_for(sw1)
    with pytest.raises(BadInput, match="unknown platform 'nosuchos'"):
        preflight(sw2, str(p))
    p.write_text("targets:\n  - name: sw1\n    type: netdev\n    platform: ios\n    host: h\n"
                 "    user: u\n    enable: plain-secret\n")
    with pytest.raises(ScopeError) as exc:
        load_scope(p)
    assert exc.value.field == "targets.0.enable" and "plain-secret" not in exc.value.message


def test_a_designed_type_without_its_collector_is_said_to_be_missing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    without = {t: p for t, p in catalog.target_types().items() if t != "winrm"}
    monkeypatch.setattr(catalog, "target_types", lambda: without)
    p = tmp_path / "scope.yaml"
    p.write_text("targets:\n  - name: w\n    type: winrm\n    host: h\n    user: u\n")
    with pytest.raises(ScopeError) as exc:
        load_scope(p)
    assert exc.value.line == 3 and "not implemented in this installation" in exc.value.problem
