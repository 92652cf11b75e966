"""A replayed Windows host assembled from real recordings (../shared/recordings/windows): a
capture folder in the format of transports/replay.py whose answers are the JSON the collector's
PowerShell gives, each section's objects taken from a wmic or reg export recording."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from proofshot.collectors.windows.collector import COLLECTOR, plan_queries
from proofshot.transports.replay import FORMAT, META
from tests.collectors.windows.recordings import REG_DIR, WMI_DIR, appx, reg, wmi

ADMINS = "S-1-5-32-544"
HOST_SID = "S-1-5-21-407181654-3485178747-2417891341"


def sections() -> dict[str, Any]:
    """The 'before' host: a Windows 10 machine's users, a Windows 7 OS, real disks/adapters."""
    fw = [k for f in ("DomainProfile", "StandardProfile", "PublicProfile")
          for k in reg(REG_DIR / f"10-{f}.reg")]
    return {
        "os": wmi(WMI_DIR / "win7-sp1-x64-Win32_OperatingSystem.wmi"),
        "computer": wmi(WMI_DIR / "proxmox-Win32_ComputerSystem.wmi"),
        "bios": wmi(WMI_DIR / "proxmox-Win32_Bios.wmi"),
        "cpu": wmi(WMI_DIR / "2019-amd-epyc-Win32_Processor.wmi"),
        "memory": wmi(WMI_DIR / "7-Win32_PhysicalMemory.wmi"),
        "hotfixes": [{"HotFixID": "KB5005565", "Description": "Security Update",
                      "InstalledOn": "9/15/2021", "InstalledBy": "NT AUTHORITY\\SYSTEM"}],
        "features": [],
        "defender": [{"AMServiceEnabled": True, "AntivirusEnabled": True,
                      "RealTimeProtectionEnabled": True, "IsTamperProtected": True,
                      "AMProductVersion": "4.18.2109.6",
                      "AntivirusSignatureLastUpdated": "2021-09-20T06:00:00.0000000Z"}],
        "settings": [{"key": "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
                              "\\Winlogon", "values": {"AutoAdminLogon": "0"}}],
        "disks": wmi(WMI_DIR / "win10-crypt-Win32_DiskDrive.wmi"),
        "volumes": wmi(WMI_DIR / "win10-crypt-Win32_LogicalDisk.wmi"),
        "bitlocker": wmi(WMI_DIR / "win10-crypt-Win32_EncryptableVolume.wmi"),
        "adapters": wmi(WMI_DIR / "10-net-Win32_NetworkAdapter.wmi"),
        "adapter_configs": wmi(WMI_DIR / "10-net-Win32_NetworkAdapterConfiguration.wmi"),
        "routes": [{"DestinationPrefix": "0.0.0.0/0", "NextHop": "192.168.0.254",
                    "InterfaceIndex": 35, "InterfaceAlias": "Ethernet 4", "RouteMetric": 0,
                    "Protocol": "NetMgmt"}],
        "listeners": [{"Proto": "tcp", "LocalAddress": "0.0.0.0", "LocalPort": 3389,
                       "State": "Listen", "OwningProcess": 1044, "Process": "svchost"}],
        "firewall_profiles": fw,
        "firewall_rules": [{"Name": "RemoteDesktop-UserMode-In-TCP",
                            "DisplayName": "Remote Desktop - User Mode (TCP-In)",
                            "Group": "@FirewallAPI.dll,-28752", "Enabled": "True",
                            "Direction": "Inbound", "Action": "Allow", "Profile": "Any",
                            "PolicyStoreSource": "Local", "Protocol": "TCP",
                            "LocalPort": ["3389"], "RemotePort": ["Any"],
                            "LocalAddress": ["Any"], "RemoteAddress": ["Any"],
                            "Program": "%SystemRoot%\\system32\\svchost.exe"}],
        "software": reg(REG_DIR / "10_russian-Uninstall.reg"),
        "appx": appx(REG_DIR.parent / "powershell-10_russian.txt"),
        "services": [{"Name": "WinRM", "DisplayName": "Windows Remote Management",
                      "StartMode": "Auto", "StartName": "NT AUTHORITY\\NetworkService",
                      "PathName": "C:\\Windows\\System32\\svchost.exe -k NetworkService -p",
                      "ServiceType": "Share Process", "State": "Running", "ProcessId": 812}],
        "tasks": [], "certs": [], "autoruns": [],
        "users": wmi(WMI_DIR / "10-StandAlone-Win32_UserAccount.wmi"),
        "groups": [{"Name": "Administrateurs", "SID": ADMINS, "Description": "Admins"}],
        "group_members": [{"Group": "Administrateurs", "GroupSID": ADMINS,
                           "Domain": "XPS-FUSIONINVEN", "Name": "Administrateur",
                           "SID": f"{HOST_SID}-500", "Class": "Win32_UserAccount"}],
        "shares": [], "share_security": [], "acls": [], "events": [],
    }


def write(folder: Path, name: str, secs: dict[str, Any]) -> Path:
    """A capture of a winrm target with these sections; the folder of the target."""
    options = {"type": "winrm", "host": "win10.example.test", "user": "audit"}
    plan = COLLECTOR.plan(options)
    groups = plan_queries(options)
    root = folder / name
    (root / "answers").mkdir(parents=True, exist_ok=True)
    queries = []
    for i, step in enumerate(plan.steps, start=1):
        body = {s: secs[s] for s in groups[step.query.id]}
        (root / "answers" / f"{i:04d}.out").write_text(json.dumps(body, ensure_ascii=False),
                                                        encoding="utf-8")
        rec = {"query": step.query.id, "argv": list(step.query.argv), "exit": 0,
               "stdout": {"file": f"{i:04d}.out"}, "stderr": {"text": ""}, "stdin": None,
               "duration_ms": 5, "truncated": False, "timed_out": False, "error": None,
               "sudo": False}
        (root / "answers" / f"{i:04d}.json").write_text(json.dumps(rec), encoding="utf-8")
        queries.append({"id": step.query.id, "argv": list(step.query.argv),
                        "record": f"answers/{i:04d}.json"})
    meta = {"format": FORMAT, "target": name, "type": "winrm", "collector": "windows",
            "collector_version": COLLECTOR.version, "platform": "windows", "options": options,
            "status": "ok", "reason": "", "facts": {}, "captured": "2021-09-21T08:00:00Z",
            "queries": queries}
    (root / META).write_text(json.dumps(meta), encoding="utf-8")
    return root


def event(log: str, record_id: int, event_id: int, when: str, **data: str) -> dict[str, Any]:
    """One event as the collector's Get-WinEvent section gives it (ToXml of the record)."""
    items = "".join(f"<Data Name='{k}'>{v}</Data>" for k, v in data.items())
    xml = ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
           f"<EventID>{event_id}</EventID><EventRecordID>{record_id}</EventRecordID>"
           f"<Security/></System><EventData>{items}</EventData></Event>")
    return {"Log": log, "RecordId": record_id, "Id": event_id, "Time": when, "Xml": xml}
