"""Drift outside every engagement: real local scans of one customer's scope into a tmp store, an
engagement started and closed around some of them. A change between two scans that no
engagement's window covers is the alert "changed outside any engagement"
(rule drift-outside-engagement) in `diff`, as an extra key of `diff --json` (the contract keys
untouched), and as a marked entry of the web UI's target timeline; a change inside an
engagement's window, or a pair of another customer's scans, raises none."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from proofshot.engagement import record
from proofshot.service._drift import RULE
from proofshot.store.embedded import Store
from tests.cli.test_errors import ps

CONTRACT = {"from", "to", "changes", "unverifiable", "unchanged"}


def _scan(store: Path, scope: Path, label: str) -> str:
    proc = ps("scan", str(scope), "--label", label, "--store", str(store))
    assert proc.returncode in (0, 3), proc.stdout + proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def _diff(store: Path, a: str, b: str) -> dict[str, Any]:
    proc = ps("diff", a, b, "--json", "--store", str(store))
    assert proc.returncode == 0, proc.stderr
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


def _next_second() -> None:
    """Manifests carry whole seconds: the next event must fall in a later second."""
    time.sleep(1.05)


def test_drift_outside_engagement_in_diff_json_and_timeline(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert ps("init", "--store", str(store)).returncode == 0
    tree = tmp_path / "tree"
    tree.mkdir()
    conf = tree / "app.conf"
    conf.write_text("port = 80\n")
    scope = tmp_path / "scope.yaml"
    scope.write_text(f"customer: Muster GmbH\ntargets:\n  - name: here\n    type: local\n"
                     f"    files: [{tree}]\n")

    s1 = _scan(store, scope, "sched-1")
    conf.write_text("port = 8080\n")  # nobody's job: no engagement at all yet
    _next_second()
    s2 = _scan(store, scope, "sched-2")

    st = Store.open(store)
    _next_second()
    eid = record.start(st, "Web server update", "Muster GmbH", "Anna Admin")
    conf.write_text("port = 443\n")  # the job's change
    _next_second()
    s3 = _scan(store, scope, "during")
    record.close(st, eid, "scans not linked in this test")
    _next_second()
    s4 = _scan(store, scope, "sched-3")  # nothing changed since the close
    conf.write_text("port = 444\n")  # after the job: outside again
    _next_second()
    s5 = _scan(store, scope, "sched-4")

    outside = _diff(store, s1, s2)
    assert set(outside) >= CONTRACT
    assert any(c["table"] == "files" and c["kind"] == "changed" for c in outside["changes"])
    [alert] = outside["drift"]
    assert alert["rule"] == RULE and alert["target"] == "here"
    assert alert["title"] == "changed outside any engagement"
    assert any(e["table"] == "files" and str(conf) in json.dumps(e["key"])
               for e in alert["evidence"])
    # the engagement covers s2..s3 (opened after s2, before s3), and s3..s4 (closed after s3)
    inside = _diff(store, s2, s3)
    assert inside["changes"] and inside["drift"] == []
    assert _diff(store, s3, s4)["drift"] == []
    later = _diff(store, s4, s5)
    assert later["changes"] and [a["rule"] for a in later["drift"]] == [RULE]
    # the contract keys stay exactly as DESIGN.md has them: drift is one extra key
    plain = ps("diff", s1, s2, "--json", "--store", str(store))
    assert list(json.loads(plain.stdout))[:5] == ["from", "to", "changes", "unverifiable",
                                                   "unchanged"]

    text = ps("diff", s1, s2, "--store", str(store)).stdout
    assert "changed outside any engagement" in text and RULE in text
    assert "changed outside any engagement" not in ps("diff", s2, s3, "--store",
                                                      str(store)).stdout

    # the web UI's target timeline marks the two drifting steps, not the job's
    from proofshot.web.app import LANG_COOKIE, Config, create_app

    with TestClient(create_app(Config(store, "t0ken"))) as client:
        assert client.get("/?token=t0ken").status_code == 200  # the session cookie
        page = client.get("/targets/here")
        assert page.status_code == 200, page.text
        html = page.text
        assert html.count(f'data-rule="{RULE}"') == 2
        assert "changed outside any engagement" in html
        api = client.get(f"/api/diff/{s4}/{s5}", headers={"Authorization": "Bearer t0ken"})
        assert [a["rule"] for a in api.json()["drift"]] == [RULE]
        client.cookies.set(LANG_COOKIE, "de")
        de = client.get("/targets/here")
        assert de.text.count("Geändert außerhalb jedes Auftrags") == 2
        shown = client.get(f"/diff/{s1}/{s2}")
        assert shown.status_code == 200 and 'id="drift"' in shown.text
        assert 'id="drift"' not in client.get(f"/diff/{s2}/{s3}").text


def test_no_drift_across_customers_or_inside_an_open_engagement(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert ps("init", "--store", str(store)).returncode == 0
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.conf").write_text("x = 1\n")
    scope_a, scope_b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    for p, cust in ((scope_a, "A GmbH"), (scope_b, "B AG")):
        p.write_text(f"customer: {cust}\ntargets:\n  - name: here\n    type: local\n"
                     f"    files: [{tree}]\n")
    st = Store.open(store)
    record.start(st, "B's job", "B AG", "Bert")  # open: covers B until now, never A
    a1 = _scan(store, scope_a, "a1")
    b1 = _scan(store, scope_b, "b1")
    (tree / "a.conf").write_text("x = 2\n")
    _next_second()
    a2 = _scan(store, scope_a, "a2")
    b2 = _scan(store, scope_b, "b2")
    assert [a["rule"] for a in _diff(store, a1, a2)["drift"]] == [RULE]  # B's job is not A's
    assert _diff(store, b1, b2)["drift"] == []  # B's open job covers it
    assert _diff(store, a1, b2)["drift"] == []  # two customers: not a drift pair
