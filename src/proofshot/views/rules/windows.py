"""Rules over Windows hosts (collectors/windows tables): what a consultant should know was
already risky before the work began. Pure over the snapshot; dates against the snapshot's own
time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

from proofshot.model.table import Row
from proofshot.views.rules.base import Context, Hit, Rule, hit

SIGNATURE_DAYS = 7
HOTFIX_DAYS = 60
ADMINISTRATORS = "S-1-5-32-544"
# members of Administrators that are expected: the built-in Administrator (RID 500) and the
# domain's Domain Admins (RID 512), which joining a domain adds
EXPECTED_ADMIN_RIDS = ("-500", "-512")


def _settings(rows: Sequence[Row]) -> dict[str, str]:
    return {str(r["name"]).lower(): str(r.get("value") or "") for r in rows}


def _setting_rows(rows: Sequence[Row], *names: str) -> list[Row]:
    want = {n.lower() for n in names}
    return [r for r in rows if str(r["name"]).lower() in want]


def _when(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _firewall_off(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("win_firewall_profiles"):
        for r in t.rows("win_firewall_profiles"):
            if r.get("enabled") is False:
                yield hit(t, str(r["profile"]), "win_firewall_profiles", [r])


def _smb1(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("win_settings"):
        rows = t.rows("win_settings")
        s = _settings(rows)
        on = (s.get("smbserverconfiguration\\enablesmb1protocol") == "true"
              or s.get("parameters\\smb1") == "1")
        if on:
            yield hit(t, "SMBv1 server", "win_settings", _setting_rows(
                rows, "SmbServerConfiguration\\EnableSMB1Protocol", "Parameters\\SMB1"))


def _rdp_without_nla(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("win_settings"):
        rows = t.rows("win_settings")
        s = _settings(rows)
        enabled = (s.get("policies\\terminal services\\fdenytsconnections")
                   or s.get("terminal server\\fdenytsconnections")) == "0"
        nla = (s.get("policies\\terminal services\\userauthentication")
               or s.get("winstations\\rdp-tcp\\userauthentication"))
        if enabled and nla == "0":
            yield hit(t, "RDP-Tcp", "win_settings", _setting_rows(
                rows, "Terminal Server\\fDenyTSConnections",
                "WinStations\\RDP-Tcp\\UserAuthentication",
                "Policies\\Terminal Services\\UserAuthentication"))


def _autologon_password(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("win_settings"):
        rows = _setting_rows(t.rows("win_settings"), "Winlogon\\DefaultPassword")
        if any(r.get("value") for r in rows):
            yield hit(t, "Winlogon\\DefaultPassword", "win_settings", rows)


def _winrm_weak(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("win_settings"):
        rows = t.rows("win_settings")
        for name, label in (("WSMAN\\Service\\auth_basic", "Basic authentication"),
                            ("Policies\\WinRM\\Service\\AllowBasic", "Basic authentication"),
                            ("WSMAN\\Service\\allow_unencrypted", "unencrypted traffic"),
                            ("Policies\\WinRM\\Service\\AllowUnencryptedTraffic",
                             "unencrypted traffic")):
            found = _setting_rows(rows, name)
            if any(str(r.get("value")) == "1" for r in found):
                yield hit(t, label, "win_settings", found, name)


def _unexpected_admins(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("win_group_members"):
        for r in t.rows("win_group_members"):
            if r.get("group_sid") != ADMINISTRATORS and str(r["group"]).lower() not in (
                    "administrators", "administratoren", "administrateurs"):
                continue
            sid = str(r.get("member_sid") or "")
            if sid.endswith(EXPECTED_ADMIN_RIDS):
                continue
            yield hit(t, str(r["member"]), "win_group_members", [r])


def _guest_enabled(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("win_users"):
        for r in t.rows("win_users"):
            if str(r.get("sid") or "").endswith("-501") and r.get("disabled") is False:
                yield hit(t, str(r["name"]), "win_users", [r])


def _defender(ctx: Context) -> Iterator[Hit]:
    now = ctx.snap.now
    for t in ctx.targets("win_defender"):
        for r in t.rows("win_defender"):
            if r.get("realtime_enabled") is False:
                yield hit(t, "real-time protection off", "win_defender", [r])
            when = _when(r.get("signature_updated"))
            if when is not None and now - when > timedelta(days=SIGNATURE_DAYS):
                yield hit(t, "signatures out of date", "win_defender", [r],
                          f"{(now - when).days} days old")


def _hotfix_old(ctx: Context) -> Iterator[Hit]:
    now = ctx.snap.now
    for t in ctx.targets("win_hotfixes"):
        dated = [(w, r) for r in t.rows("win_hotfixes")
                 if (w := _when(r.get("installed_on"))) is not None]
        if not dated:
            continue
        when, newest = max(dated, key=lambda x: x[0])
        if now - when > timedelta(days=HOTFIX_DAYS):
            yield hit(t, "newest update", "win_hotfixes", [newest],
                      f"{(now - when).days} days old")


def _bitlocker_off(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("win_volumes", "win_os"):
        os_rows = t.rows("win_os")
        drive = str((os_rows[0].get("system_drive") if os_rows else None) or "C:").upper()
        for r in t.rows("win_volumes"):
            if r["drive"] == drive and r.get("bitlocker") == "off":
                yield hit(t, drive, "win_volumes", [r])


_BUILTIN_ACCOUNTS = ("localsystem", "nt authority\\", "nt service\\", ".\\", "localservice",
                     "networkservice")


def _service_accounts_never_expire(ctx: Context) -> Iterator[Hit]:
    """Services of Windows hosts that log on as a domain account whose password never expires
    (the account's flags from the ldap targets of the same snapshot)."""
    never: dict[str, Row] = {}
    for t in ctx.targets("ad_users"):
        for r in t.rows("ad_users"):
            if r.get("enabled") is not False and r.get("password_never_expires"):
                never[str(r["sam"]).lower()] = r
    if not never:
        return
    for t in ctx.targets("win_services"):
        for r in t.rows("win_services"):
            account = str(r.get("account") or "")
            low = account.lower()
            if not account or low.startswith(_BUILTIN_ACCOUNTS):
                continue
            sam = low.split("\\", 1)[1] if "\\" in low else low.split("@", 1)[0]
            if "\\" not in low and "@" not in low:
                continue
            if sam in never:
                yield hit(t, f"{r['name']} ({account})", "win_services", [r])


RULES: tuple[Rule, ...] = (
    Rule("win-firewall-off", "high", "Windows Firewall profile switched off",
         "Switch the profile on (local settings or group policy) and allow what is needed by "
         "rules.", ("win_firewall_profiles",), _firewall_off),
    Rule("win-smb1", "high", "SMBv1 server enabled",
         "Disable SMBv1 (Set-SmbServerConfiguration -EnableSMB1Protocol $false) after checking "
         "no old client needs it.", ("win_settings",), _smb1),
    Rule("win-rdp-no-nla", "medium", "Remote Desktop without Network Level Authentication",
         "Require NLA (UserAuthentication = 1 on RDP-Tcp or by group policy).",
         ("win_settings",), _rdp_without_nla),
    Rule("win-autologon-password", "high", "Autologon password stored in the registry",
         "Remove Winlogon\\DefaultPassword (use Sysinternals Autologon, which keeps it as an "
         "LSA secret, or no autologon).", ("win_settings",), _autologon_password),
    Rule("win-winrm-weak", "high", "WinRM allows Basic authentication or unencrypted traffic",
         "Set AllowBasic and AllowUnencrypted to false (winrm set winrm/config/service).",
         ("win_settings",), _winrm_weak),
    Rule("win-unexpected-admin", "medium", "Unexpected member of the local Administrators",
         "Remove members who need no administration rights; grant rights by groups.",
         ("win_group_members",), _unexpected_admins),
    Rule("win-guest-enabled", "high", "Guest account enabled",
         "Disable the built-in Guest account.", ("win_users",), _guest_enabled),
    Rule("win-defender", "high", "Defender real-time protection off or signatures out of date",
         f"Turn real-time protection on; signatures should be less than {SIGNATURE_DAYS} days "
         "old.", ("win_defender",), _defender),
    Rule("win-hotfix-old", "medium", f"No Windows update installed for over {HOTFIX_DAYS} days",
         "Install the current cumulative update.", ("win_hotfixes",), _hotfix_old),
    Rule("win-bitlocker-off", "medium", "BitLocker off on the system volume",
         "Encrypt the system volume (BitLocker with TPM), keep the recovery key safe.",
         ("win_volumes", "win_os"), _bitlocker_off),
    Rule("win-service-account-never-expires", "medium",
         "Service logs on as a domain account whose password never expires",
         "Use a group managed service account (gMSA), or rotate the password on a schedule.",
         ("win_services", "ad_users"), _service_accounts_never_expire),
)
