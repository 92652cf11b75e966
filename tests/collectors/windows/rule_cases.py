"""A bad and a good case for every Windows rule (views/rules/windows.py), rows as the Windows
tables hold them; tests/views/test_rules.py runs them with every other rule's cases (the
snapshot is taken 2026-06-01)."""

from __future__ import annotations

from typing import Any

ADMINS = "S-1-5-32-544"
HOST = "S-1-5-21-1-2-3"


def setting(name: str, value: str) -> dict[str, Any]:
    return {"name": name, "value": value}


def member(name: str, sid: str) -> dict[str, Any]:
    return {"group": "Administrators", "group_sid": ADMINS, "member": name,
            "member_sid": sid, "kind": "user"}


def profile(name: str, enabled: bool | None) -> dict[str, Any]:
    return {"profile": name, "enabled": enabled, "local_enabled": enabled,
            "policy_enabled": None}


def defender(rt: bool, updated: str) -> dict[str, Any]:
    return {"id": "defender", "realtime_enabled": rt, "signature_updated": updated}


def svc(name: str, account: str) -> dict[str, Any]:
    return {"name": name, "account": account, "start_mode": "Auto"}


def ad(sam: str, never: bool) -> dict[str, Any]:
    return {"sam": sam, "enabled": True, "password_never_expires": never}


CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "win-service-account-never-expires": (
        {"win_services": [svc("Backup", "EXAMPLE\\svc-backup")],
         "ad_users": [ad("svc-backup", True)]},
        {"win_services": [svc("Backup", "EXAMPLE\\svc-backup"), svc("Spooler", "LocalSystem"),
                          svc("W3SVC", "NT AUTHORITY\\NetworkService")],
         "ad_users": [ad("svc-backup", False), ad("NetworkService", True)]}),
    "win-firewall-off": (
        {"win_firewall_profiles": [profile("domain", True), profile("public", False)]},
        {"win_firewall_profiles": [profile("domain", True), profile("public", None)]}),
    "win-smb1": (
        {"win_settings": [setting("SmbServerConfiguration\\EnableSMB1Protocol", "true")]},
        {"win_settings": [setting("SmbServerConfiguration\\EnableSMB1Protocol", "false"),
                          setting("Parameters\\SMB1", "0")]}),
    "win-rdp-no-nla": (
        {"win_settings": [setting("Terminal Server\\fDenyTSConnections", "0"),
                          setting("WinStations\\RDP-Tcp\\UserAuthentication", "0")]},
        {"win_settings": [setting("Terminal Server\\fDenyTSConnections", "1"),
                          setting("WinStations\\RDP-Tcp\\UserAuthentication", "0")]}),
    "win-autologon-password": (
        {"win_settings": [setting("Winlogon\\AutoAdminLogon", "1"),
                          setting("Winlogon\\DefaultPassword", "password=hmac:00ff")]},
        {"win_settings": [setting("Winlogon\\AutoAdminLogon", "0")]}),
    "win-winrm-weak": (
        {"win_settings": [setting("WSMAN\\Service\\allow_unencrypted", "1")]},
        {"win_settings": [setting("WSMAN\\Service\\allow_unencrypted", "0"),
                          setting("Policies\\WinRM\\Service\\AllowBasic", "0")]}),
    "win-unexpected-admin": (
        {"win_group_members": [member("HOST\\Administrator", f"{HOST}-500"),
                               member("HOST\\helpdesk", f"{HOST}-1001")]},
        {"win_group_members": [member("HOST\\Administrator", f"{HOST}-500"),
                               member("EXAMPLE\\Domain Admins", "S-1-5-21-9-9-9-512")]}),
    "win-guest-enabled": (
        {"win_users": [{"name": "Guest", "sid": f"{HOST}-501", "disabled": False}]},
        {"win_users": [{"name": "Guest", "sid": f"{HOST}-501", "disabled": True}]}),
    "win-defender": (
        {"win_defender": [defender(True, "2026-05-01T00:00:00Z")]},
        {"win_defender": [defender(True, "2026-05-31T00:00:00Z")]}),
    "win-hotfix-old": (
        {"win_hotfixes": [{"hotfix_id": "KB1", "installed_on": "2026-02-01"}]},
        {"win_hotfixes": [{"hotfix_id": "KB1", "installed_on": "2026-02-01"},
                          {"hotfix_id": "KB2", "installed_on": "2026-05-20"}]}),
    "win-bitlocker-off": (
        {"win_os": [{"id": "os", "system_drive": "C:"}],
         "win_volumes": [{"drive": "C:", "bitlocker": "off"}]},
        {"win_os": [{"id": "os", "system_drive": "C:"}],
         "win_volumes": [{"drive": "C:", "bitlocker": "on"}, {"drive": "D:", "bitlocker": "off"}]}),
}
