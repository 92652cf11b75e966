"""The whole path on a replayed Windows host assembled from real recordings: scope -> scan ->
store -> diff -> findings -> access -> report, with differences planted between the two
replays (a new local administrator, the domain firewall profile off, a program removed, an
autologon password stored). No Windows here: the host is replayed (LAB-NOTES)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from proofshot.collectors.windows.tables import TABLES
from tests.collectors.windows import host
from tests.storebytes import everything as store_everything

PLANTED = "Autologon-Secret 7f3!"
HELPDESK_SID = f"{host.HOST_SID}-1001"


def _ps(*args: str, ok: tuple[int, ...] = (0,)) -> str:
    r = subprocess.run([sys.executable, "-m", "proofshot", *args], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode in ok, f"{args}: exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r.stdout


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("winreplay")
    before = host.sections()
    after = copy.deepcopy(before)
    after["group_members"].append({"Group": "Administrateurs", "GroupSID": host.ADMINS,
                                   "Domain": "XPS-FUSIONINVEN", "Name": "helpdesk",
                                   "SID": HELPDESK_SID, "Class": "Win32_UserAccount"})
    for k in after["firewall_profiles"]:
        if k["key"].endswith("DomainProfile"):
            k["values"]["EnableFirewall"] = 0
    after["software"] = [k for k in after["software"]
                         if "{50F91F80-D397-437C-B0C8-62128DE3B55E}" not in k["key"]]
    after["listeners"] += [
        {"Proto": "tcp", "LocalAddress": "0.0.0.0", "LocalPort": 5985, "State": "Listen",
         "OwningProcess": 4, "Process": "System"},
        {"Proto": "tcp", "LocalAddress": "192.168.0.2", "LocalPort": 3389,
         "RemoteAddress": "192.168.0.77", "RemotePort": 51234, "State": "Established",
         "OwningProcess": 1044, "Process": "svchost"}]
    after["settings"][0]["values"].update(
        {"AutoAdminLogon": "1", "DefaultPassword": "password=" + PLANTED.encode().hex()})
    a = host.write(work / "a", "win10", before)
    store = str(work / "store")
    _ps("init", "--store", store)
    ids = {}
    for label in ("before", "after"):
        if label == "after":  # the work, logged by the host: who added the administrator
            when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1))
            after["events"] = [
                host.event("Security", 9001, 4732, when, SubjectUserName="tech",
                           SubjectDomainName="EXAMPLE", MemberName="-",
                           MemberSid=HELPDESK_SID, TargetUserName="Administrateurs",
                           TargetDomainName="Builtin"),
                host.event("Security", 8000, 4720, "2001-01-01T00:00:00Z",
                           SubjectUserName="old", SubjectDomainName="EXAMPLE",
                           TargetUserName="helpdesk", TargetDomainName="XPS-FUSIONINVEN")]
        path = a if label == "before" else host.write(work / "b", "win10", after)
        scope = work / f"{label}.yaml"
        scope.write_text(f"targets:\n  - name: win10\n    type: replay\n    path: {path}\n")
        ids[label] = _ps("scan", str(scope), "--label", label, "--store", store).split()[-1]
    out = {"work": work, "store": store, "ids": ids,
           "diff": json.loads(_ps("diff", "before", "after", "--json", "--store", store)),
           "findings": json.loads(_ps("findings", "after", "--json", "--store", store)),
           "findings_before": json.loads(_ps("findings", "before", "--json", "--store", store)),
           "access": _ps("access", "after", "--json", "--store", store),
           "show": json.loads(_ps("show", "after", "--json", "--store", store)),
           "paths": json.loads(_ps("paths", "after", "--json", "--store", store))}
    _ps("report", "before", "after", "--out", str(work / "report.html"), "--store", store)
    out["report"] = (work / "report.html").read_text(encoding="utf-8")
    out["verify"] = _ps("verify", "--rederive", "--store", store)
    return out


def test_scan_reads_every_table(run: dict[str, Any]) -> None:
    (t,) = run["show"]["targets"]
    assert t["name"] == "win10" and t["status"] == "ok"
    tables = t["tables"]
    assert set(tables) == {x.name for x in TABLES}  # every declared table read
    assert tables["win_os"][0]["caption"] == "Microsoft Windows 7 Professionnel"
    assert any(r["name"] == "КриптоПро CSP" for r in run_before_software(run))
    assert {r["profile"] for r in tables["win_firewall_profiles"]} == {"domain", "private",
                                                                        "public"}


def run_before_software(run: dict[str, Any]) -> list[dict[str, Any]]:
    show = json.loads(_ps("show", "before", "--json", "--store", run["store"]))
    rows: list[dict[str, Any]] = show["targets"][0]["tables"]["win_software"]
    return rows


def test_diff_shows_exactly_the_planted_changes(run: dict[str, Any]) -> None:
    got = {(c["table"], c["kind"]) for c in run["diff"]["changes"]}
    assert got == {("win_group_members", "added"), ("win_firewall_profiles", "changed"),
                   ("win_software", "removed"), ("win_settings", "added"),
                   ("win_settings", "changed"), ("win_listeners", "added")}, run["diff"]["changes"]
    member = next(c for c in run["diff"]["changes"] if c["table"] == "win_group_members")
    assert member["after"]["member"] == "XPS-FUSIONINVEN\\helpdesk"
    # the host's Security log says who did it (an older event about the user does not count)
    assert member["by"].startswith("by EXAMPLE\\tech at ")
    assert not [c for c in run["diff"]["changes"] if c.get("by") and c is not member]
    assert not run["diff"]["unverifiable"]


def test_findings_before_and_after(run: dict[str, Any]) -> None:
    rules_after = {(f["rule"], f["subject"]) for f in run["findings"]}
    rules_before = {(f["rule"], f["subject"]) for f in run["findings_before"]}
    planted = {("win-unexpected-admin", "XPS-FUSIONINVEN\\helpdesk"),
               ("win-firewall-off", "domain"),
               ("win-autologon-password", "Winlogon\\DefaultPassword")}
    assert planted <= rules_after and not planted & rules_before
    assert ("win-hotfix-old", "newest update") in rules_before  # a 2021 update, scanned now


def test_paths_of_the_windows_host(run: dict[str, Any]) -> None:
    edges = {(e["kind"], e["from"], e["to"], e["port"]) for e in run["paths"]["edges"]}
    assert ("exposes", "win10", "win10:tcp/3389", 3389) in edges
    assert ("exposes", "win10", "win10:tcp/5985", 5985) in edges
    assert ("address", "win10", "192.168.0.2", None) in edges
    assert ("route", "win10", "192.168.0.254", None) in edges
    assert ("connects", "192.168.0.77", "win10:tcp/3389", 3389) in edges  # an RDP client
    new = {(e["kind"], e["to"]) for e in run["diff"]["paths"]["new_edges"]}
    assert ("exposes", "win10:tcp/5985") in new
    # the Windows Firewall: RDP allowed by its rule before; after, the domain profile is off,
    # so the new WinRM listener is reachable: newly exposed
    exposed = {e["to"] for e in run["diff"]["paths"]["newly_exposed"]}
    assert "win10:tcp/5985" in exposed
    rdp = next(e for e in run["paths"]["edges"] if e["to"] == "win10:tcp/3389"
               and e["kind"] == "exposes")
    assert rdp["allowed"] is True
    assert any(x["table"] == "win_firewall_profiles" for x in rdp["evidence"])


def test_access_names_the_new_administrator(run: dict[str, Any]) -> None:
    grants = json.loads(run["access"])
    text = json.dumps(grants, ensure_ascii=False)
    assert "XPS-FUSIONINVEN\\\\helpdesk" in text and "local-group:Administrateurs" in text


def test_report_and_verify(run: dict[str, Any]) -> None:
    assert "helpdesk" in run["report"] and "win10" in run["report"]
    assert "КриптоПро" in run["report"]  # the removed program, by its Russian name


def test_autologon_password_never_stored(run: dict[str, Any]) -> None:
    raw = store_everything(Path(run["store"]))
    assert PLANTED.encode() not in raw
    assert PLANTED.encode().hex().encode() not in raw
    show = run["show"]["targets"][0]["tables"]["win_settings"]
    pw = next(r for r in show if r["name"] == "Winlogon\\DefaultPassword")
    assert pw["value"] and PLANTED not in pw["value"]
