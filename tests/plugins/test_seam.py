"""The plugin seam: a collector from another distribution (tests/plugins/sample, installed by
.ci/install), registered only by its `proofshot.collectors` entry point, is validated in a
scope, scanned, shown, diffed, re-derived and reported, with no line of it in scan/, views/ or
report/. And the registry refuses two different plugins of one name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import pytest

from proofshot.model import plugins as registry
from proofshot.model.plugins import PluginError, discover
from proofshot.scan import catalog

SRC = Path(__file__).parents[2] / "src" / "proofshot"


def _cli(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PROOFSHOT_STORE"}
    return subprocess.run([sys.executable, "-m", "proofshot", *args, "--store", str(store)],
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_sample_collector_is_registered_by_its_entry_point_only() -> None:
    eps = {e.name: e.value for e in entry_points(group=catalog.GROUP)}
    assert eps.get("inventory") == "proofshot_sample.plugin:PLUGIN", \
        "run .ci/install: it installs tests/plugins/sample into the venv"
    assert "inventory" not in catalog.BUILTIN and "inventory" in catalog.plugins()
    assert catalog.for_target_type("inventory") is catalog.plugin("inventory")
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        assert "proofshot_sample" not in text and "inventory_items" not in text, path


def test_scanned_diffed_rederived_and_reported(tmp_path: Path) -> None:
    inv = tmp_path / "inv"
    inv.mkdir()
    (inv / "rack.conf").write_text("switch=core-1\nups=apc-2\n")
    scope = tmp_path / "scope.yaml"
    scope.write_text(f"targets:\n  - name: rack\n    type: inventory\n    path: {inv}\n"
                     "    files: [rack.conf]\n")
    store = tmp_path / "store"
    assert _cli(store, "init").returncode == 0
    before = _cli(store, "scan", str(scope), "--label", "before")
    assert before.returncode == 0, before.stderr
    (inv / "rack.conf").write_text("switch=core-2\nups=apc-2\nfirewall=fw-1\npdu=\n")
    after = _cli(store, "scan", str(scope), "--label", "after")
    assert after.returncode == 0, after.stderr

    shown = json.loads(_cli(store, "show", "after", "--json").stdout)
    rows = shown["targets"][0]["tables"]["inventory_items"]
    assert {r["name"]: r["value"] for r in rows} == {"switch": "core-2", "ups": "apc-2",
                                                       "firewall": "fw-1", "pdu": ""}
    diff = json.loads(_cli(store, "diff", "before", "after", "--json").stdout)
    got = sorted((c["kind"], c["key"]["name"], (c["before"] or {}).get("value"),
                  (c["after"] or {}).get("value")) for c in diff["changes"]
                 if c["table"] == "inventory_items")
    assert got == [("added", "firewall", None, "fw-1"), ("added", "pdu", None, ""),
                   ("changed", "switch", "core-1", "core-2")]
    # its rule set (entry point proofshot.rules) finds the empty item, and the diff says it
    # appeared
    found = json.loads(_cli(store, "findings", "after", "--json").stdout)
    assert [(f["rule"], f["subject"]) for f in found if f["rule"].startswith("inventory")] == [
        ("inventory-item-empty", "rack.conf:pdu")]
    assert [x["subject"] for x in diff["findings"]["appeared"]] == ["rack.conf:pdu"]
    assert not diff["unverifiable"]

    verify = _cli(store, "verify", "--rederive")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert verify.stdout.count("1/1 tables match") == 2, verify.stdout

    out = tmp_path / "evidence.html"
    rep = _cli(store, "report", "before", "after", "--out", str(out), "--lang", "en")
    assert rep.returncode == 0, rep.stderr
    html = out.read_text()
    assert "inventory_items" in html and "core-1" in html and "core-2" in html and "fw-1" in html
    docs = tmp_path / "docs.html"
    rep = _cli(store, "report", "after", "--out", str(docs), "--lang", "en")
    assert rep.returncode == 0, rep.stderr
    text = docs.read_text()  # the table is listed; the plugin's data sheet section is shown
    assert "inventory_items" in text and "Rack inventory" in text and "fw-1" in text
    rep = _cli(store, "report", "after", "--out", str(docs), "--lang", "de")
    assert rep.returncode == 0 and "Rack-Inventar" in docs.read_text(), rep.stderr
    tables = subprocess.run([sys.executable, "-m", "proofshot", "tables", "inventory_items"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert tables.returncode == 0 and "inventory_items" in tables.stdout


def test_a_bad_option_of_the_plugin_is_a_scope_error_at_its_line(tmp_path: Path) -> None:
    scope = tmp_path / "scope.yaml"
    scope.write_text("targets:\n  - name: rack\n    type: inventory\n    path: /x\n"
                     "    files: []\n    fils: [a]\n")
    proc = _cli(tmp_path / "store", "scan", str(scope), "--label", "x")
    assert proc.returncode == 2
    assert "scope.yaml:5: field 'targets.0.files'" in proc.stderr
    assert "scope.yaml:6: field 'targets.0.fils': unknown field (did you mean 'files'?)" \
        in proc.stderr


def _fake_group(monkeypatch: pytest.MonkeyPatch, *eps: EntryPoint) -> None:
    monkeypatch.setattr(registry, "entry_points", lambda group: list(eps))


def test_two_plugins_of_one_name_are_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    ep = EntryPoint("inventory", "proofshot_sample.plugin:PLUGIN", "g")
    from proofshot_sample.plugin import PLUGIN

    _fake_group(monkeypatch, ep)
    assert discover("g", {"inventory": PLUGIN}, lambda o: True, "plugin") == {"inventory": PLUGIN}
    with pytest.raises(PluginError, match="two plugins are named 'inventory'"):
        discover("g", {"inventory": object()}, lambda o: True, "plugin")
    _fake_group(monkeypatch, ep, EntryPoint("inventory", "proofshot_sample.plugin:ITEMS", "g"))
    with pytest.raises(PluginError, match="named 'inventory'"):
        discover("g", {}, lambda o: True, "plugin")
    _fake_group(monkeypatch, EntryPoint("broken", "proofshot_sample.nope:X", "g"))
    with pytest.raises(PluginError, match=r"'broken'.*cannot be loaded"):
        discover("g", {}, lambda o: True, "plugin")
    _fake_group(monkeypatch, EntryPoint("items", "proofshot_sample.plugin:ITEMS", "g"))
    with pytest.raises(PluginError, match="is not a collector plugin"):
        discover("g", {}, lambda o: False, "collector plugin")
