r"""Windows parsers (pure): the objects of one section in, rows out.

Objects are the property dicts PowerShell's JSON gives (typed values) or that a wmic /
reg-export recording gives (text): every value goes through collectors.windows.values. Registry
sections are lists of {"key": "HKEY_LOCAL_MACHINE\\...", "values": {name: value}}, a binary
value as {"b64": ...}; the Startup folder as {"key": folder, "files": [...]}.
"""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from proofshot.collectors import ntsd
from proofshot.collectors.windows import values as V
from proofshot.model.table import Row

Obj = Mapping[str, Any]


class SectionError(Exception):
    """A section the target could not give: `denied` when access was refused."""

    def __init__(self, name: str, message: str, denied: bool, missing: bool = False) -> None:
        super().__init__(f"{name}: {message}")
        self.denied = denied
        self.missing = missing


def answer_sections(text: str) -> dict[str, Any]:
    """The sections of one answer (a JSON object); empty when the answer is empty."""
    body = text.strip().lstrip("\ufeff")
    if not body:
        return {}
    data = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError("a Windows answer is a JSON object of sections")
    return data


def objects(sections: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """The objects of one section; SectionError when the target reported it failed."""
    v = sections.get(name)
    if isinstance(v, dict) and "error" in v and "key" not in v:
        raise SectionError(name, str(v.get("error")), bool(v.get("denied")),
                           bool(v.get("missing")))
    return V.items(v)


# --- system ----------------------------------------------------------------------------------

_PRODUCT_TYPE = {1: "workstation", 2: "domain-controller", 3: "server"}
_DOMAIN_ROLE = {0: "standalone-workstation", 1: "member-workstation", 2: "standalone-server",
                3: "member-server", 4: "backup-dc", 5: "primary-dc"}


def os_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        yield {"id": "os", "caption": V.text(o.get("Caption")), "version": V.text(o.get("Version")),
               "build": V.text(o.get("BuildNumber")),
               "architecture": V.text(o.get("OSArchitecture")),
               "service_pack": V.text(o.get("CSDVersion")),
               "product_type": _PRODUCT_TYPE.get(V.integer(o.get("ProductType")) or 0),
               "hostname": V.text(o.get("CSName")), "language": V.integer(o.get("OSLanguage")),
               "locale": V.text(o.get("Locale")), "serial": V.text(o.get("SerialNumber")),
               "registered_user": V.text(o.get("RegisteredUser")),
               "organization": V.text(o.get("Organization")),
               "system_drive": V.text(o.get("SystemDrive")),
               "windows_dir": V.text(o.get("WindowsDirectory")),
               "install_date": V.date(o.get("InstallDate")),
               "last_boot": V.date(o.get("LastBootUpTime")),
               "memory_total_kb": V.integer(o.get("TotalVisibleMemorySize")),
               "memory_free_kb": V.integer(o.get("FreePhysicalMemory"))}
        return


def computer_rows(computer: Iterable[Obj], bios: Iterable[Obj]) -> Iterator[Row]:
    c = next(iter(computer), None)
    b = next(iter(bios), None) or {}
    if c is None:
        return
    yield {"id": "computer", "name": V.text(c.get("Name")), "domain": V.text(c.get("Domain")),
           "part_of_domain": V.boolean(c.get("PartOfDomain")),
           "domain_role": _DOMAIN_ROLE.get(V.integer(c.get("DomainRole")) or 0)
           if V.integer(c.get("DomainRole")) is not None else None,
           "manufacturer": V.text(c.get("Manufacturer")), "model": V.text(c.get("Model")),
           "system_type": V.text(c.get("SystemType")),
           "memory_bytes": V.integer(c.get("TotalPhysicalMemory")),
           "processors": V.integer(c.get("NumberOfProcessors")),
           "logical_processors": V.integer(c.get("NumberOfLogicalProcessors")),
           "hypervisor_present": V.boolean(c.get("HypervisorPresent")),
           "bios_vendor": V.text(b.get("Manufacturer")),
           "bios_version": V.text(b.get("SMBIOSBIOSVersion")) or V.text(b.get("Version")),
           "bios_date": V.date(b.get("ReleaseDate")), "serial": V.text(b.get("SerialNumber"))}


def cpu_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        yield {"device_id": V.text(o.get("DeviceID")), "name": V.text(o.get("Name")),
               "manufacturer": V.text(o.get("Manufacturer")),
               "cores": V.integer(o.get("NumberOfCores")),
               "logical_processors": V.integer(o.get("NumberOfLogicalProcessors")),
               "max_mhz": V.integer(o.get("MaxClockSpeed")),
               "socket": V.text(o.get("SocketDesignation")),
               "processor_id": V.text(o.get("ProcessorId")),
               "current_mhz": V.integer(o.get("CurrentClockSpeed")),
               "load_percent": V.integer(o.get("LoadPercentage"))}


def memory_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for i, o in enumerate(objs):
        yield {"tag": V.text(o.get("Tag")) or f"module {i}", "bank": V.text(o.get("BankLabel")),
               "locator": V.text(o.get("DeviceLocator")),
               "capacity_bytes": V.integer(o.get("Capacity")),
               "speed_mhz": V.integer(o.get("Speed")),
               "manufacturer": V.text(o.get("Manufacturer")),
               "part_number": V.text(o.get("PartNumber")), "serial": V.text(o.get("SerialNumber"))}


def hotfix_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        hid = V.text(o.get("HotFixID"))
        if hid is None or hid.lower().startswith("file "):  # XP: the update is the SP entry
            hid = V.text(o.get("ServicePackInEffect")) or hid
        if hid is None:
            continue
        yield {"hotfix_id": hid, "description": V.text(o.get("Description")),
               "installed_on": V.date(o.get("InstalledOn")),
               "installed_by": V.text(o.get("InstalledBy"))}


def feature_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        name = V.text(o.get("Name"))
        if name:
            yield {"name": name, "display_name": V.text(o.get("DisplayName")),
                   "kind": V.text(o.get("FeatureType"))}


def defender_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        yield {"id": "defender", "service_enabled": V.boolean(o.get("AMServiceEnabled")),
               "antivirus_enabled": V.boolean(o.get("AntivirusEnabled")),
               "realtime_enabled": V.boolean(o.get("RealTimeProtectionEnabled")),
               "tamper_protected": V.boolean(o.get("IsTamperProtected")),
               "product_version": V.text(o.get("AMProductVersion")),
               "signature_version": V.text(o.get("AntivirusSignatureVersion")),
               "signature_updated": V.date(o.get("AntivirusSignatureLastUpdated"))}
        return


def _short_key(key: str) -> str:
    """The registry key's last part (or two for WinStations\\RDP-Tcp and policy keys)."""
    parts = key.split("\\")
    if len(parts) >= 2 and parts[-2] in ("WinStations", "WindowsFirewall", "WinRM", "WSMAN"):
        return "\\".join(parts[-2:])
    if "Policies" in parts and parts[-1] in ("Service", "Terminal Services"):
        return "Policies\\" + "\\".join(parts[parts.index("Policies") + 2:])
    return parts[-1]


def _value_text(v: Any) -> str | None:
    if isinstance(v, dict) and "b64" in v:
        return f"b64:{v['b64']}"
    if isinstance(v, list):
        return "\n".join(x for x in (V.text(i) for i in v) if x) or None
    return V.text(v)


_SETTING_VALUES = {
    "Winlogon": ("AutoAdminLogon", "DefaultUserName", "DefaultDomainName", "DefaultPassword",
                 "AutoLogonCount", "CachedLogonsCount"),
    "Terminal Server": ("fDenyTSConnections",),
    "WinStations\\RDP-Tcp": ("UserAuthentication", "SecurityLayer", "MinEncryptionLevel",
                             "PortNumber"),
    "Policies\\Terminal Services": ("UserAuthentication", "SecurityLayer", "fDenyTSConnections"),
    "Parameters": ("SMB1", "SMB2", "RequireSecuritySignature", "EnableSecuritySignature",
                   "RestrictNullSessAccess", "NullSessionShares", "AutoShareServer"),
    "mrxsmb10": ("Start",),
    "WSMAN\\Service": ("allow_unencrypted", "auth_basic", "auth_kerberos", "auth_negotiate",
                       "auth_credssp"),
    "Policies\\WinRM\\Service": ("AllowBasic", "AllowUnencryptedTraffic", "AllowCredSSP"),
    "Lsa": ("LmCompatibilityLevel", "NoLMHash", "RunAsPPL", "RestrictAnonymous",
            "LimitBlankPasswordUse", "EveryoneIncludesAnonymous"),
    "System": ("EnableLUA", "ConsentPromptBehaviorAdmin", "LocalAccountTokenFilterPolicy",
               "FilterAdministratorToken"),
    "SmbServerConfiguration": ("EnableSMB1Protocol", "EnableSMB2Protocol",
                               "RequireSecuritySignature", "EncryptData"),
}


def setting_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    """Only the declared values of the declared keys (a key holds more than we ask about)."""
    for o in objs:
        short = _short_key(str(o.get("key") or ""))
        wanted = _SETTING_VALUES.get(short)
        vals = o.get("values") or {}
        if wanted is None or not isinstance(vals, dict):
            continue
        for name in wanted:
            if name in vals:
                yield {"name": f"{short}\\{name}", "value": _value_text(vals[name])}


# --- storage ---------------------------------------------------------------------------------

_DRIVE_TYPE = {0: "unknown", 1: "no-root", 2: "removable", 3: "fixed", 4: "network", 5: "cd",
               6: "ram"}
_PROTECTION = {0: "off", 1: "on", 2: "unknown"}


def disk_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        did = V.text(o.get("DeviceID"))
        if did:
            yield {"device_id": did, "index": V.integer(o.get("Index")),
                   "model": V.text(o.get("Model")), "serial": V.text(o.get("SerialNumber")),
                   "size_bytes": V.integer(o.get("Size")),
                   "interface": V.text(o.get("InterfaceType")),
                   "media_type": V.text(o.get("MediaType")),
                   "partitions": V.integer(o.get("Partitions")),
                   "firmware": V.text(o.get("FirmwareRevision"))}


def volume_rows(volumes: Iterable[Obj], bitlocker: Iterable[Obj] | None) -> Iterator[Row]:
    """Win32_LogicalDisk (or Win32_Volume: DriveLetter, Label, Capacity) with BitLocker's state
    by drive letter; `bitlocker` None when it was not read (the columns stay None)."""
    bl = {str(V.text(b.get("DriveLetter")) or "").upper(): b for b in (bitlocker or [])}
    for o in volumes:
        drive = V.text(o.get("DeviceID")) if "DriveLetter" not in o else V.text(o.get("DriveLetter"))
        if not drive or not drive.endswith(":"):
            continue
        b = bl.get(drive.upper())
        prot = V.integer(b.get("ProtectionStatus")) if b else None
        method = V.integer(b.get("EncryptionMethod")) if b else None
        yield {"drive": drive.upper(), "label": V.text(o.get("VolumeName", o.get("Label"))),
               "file_system": V.text(o.get("FileSystem")),
               "drive_type": _DRIVE_TYPE.get(V.integer(o.get("DriveType")) or 0),
               "size_bytes": V.integer(o.get("Size", o.get("Capacity"))),
               "serial": V.text(o.get("VolumeSerialNumber", o.get("SerialNumber"))),
               "provider": V.text(o.get("ProviderName")),
               "bitlocker": (_PROTECTION.get(prot if prot is not None else 2, "unknown") if b else
                             ("off" if bitlocker is not None else None)),
               "encryption_method": str(method) if method else None,
               "free_bytes": V.integer(o.get("FreeSpace"))}


# --- network ---------------------------------------------------------------------------------

_CONN_STATUS = {0: "disconnected", 1: "connecting", 2: "connected", 3: "disconnecting",
                4: "hardware-not-present", 5: "hardware-disabled", 6: "hardware-malfunction",
                7: "media-disconnected", 8: "authenticating", 9: "authentication-succeeded",
                10: "authentication-failed", 11: "invalid-address", 12: "credentials-required"}


def adapter_rows(adapters: Iterable[Obj], configs: Iterable[Obj]) -> Iterator[Row]:
    by_index: dict[int | None, Obj] = {V.integer(c.get("Index")): c for c in configs}
    for a in adapters:
        idx = V.integer(a.get("Index"))
        if idx is None:
            continue
        c = by_index.get(idx, {})
        status = V.integer(a.get("NetConnectionStatus"))
        yield {"index": idx, "name": V.text(a.get("Name")),
               "connection": V.text(a.get("NetConnectionID")),
               "mac": V.text(a.get("MACAddress")), "physical": V.boolean(a.get("PhysicalAdapter")),
               "enabled": V.boolean(a.get("NetEnabled")),
               "interface_index": V.integer(a.get("InterfaceIndex")),
               "manufacturer": V.text(a.get("Manufacturer")),
               "ip_enabled": V.boolean(c.get("IPEnabled")), "dhcp": V.boolean(c.get("DHCPEnabled")),
               "dhcp_server": V.text(c.get("DHCPServer")),
               "gateways": V.strings(c.get("DefaultIPGateway")),
               "dns_servers": V.strings(c.get("DNSServerSearchOrder")),
               "dns_domain": V.text(c.get("DNSDomain")),
               "dns_suffixes": V.strings(c.get("DNSDomainSuffixSearchOrder")),
               "wins": V.text(c.get("WINSPrimaryServer")),
               "status": _CONN_STATUS.get(status) if status is not None else None,
               "speed": V.integer(a.get("Speed"))}


def address_rows(configs: Iterable[Obj]) -> Iterator[Row]:
    for c in configs:
        idx = V.integer(c.get("Index"))
        if idx is None:
            continue
        addrs, masks = V.strings(c.get("IPAddress")), V.strings(c.get("IPSubnet"))
        for i, a in enumerate(addrs):
            yield {"index": idx, "address": a, "prefix": masks[i] if i < len(masks) else None,
                   "family": "ipv6" if ":" in a else "ipv4"}


def route_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        dest = V.text(o.get("DestinationPrefix"))
        ifi = V.integer(o.get("InterfaceIndex"))
        if dest is None or ifi is None:
            continue
        yield {"destination": dest, "next_hop": V.text(o.get("NextHop")) or "",
               "interface_index": ifi, "interface": V.text(o.get("InterfaceAlias")),
               "metric": V.integer(o.get("RouteMetric")), "protocol": V.text(o.get("Protocol"))}


def listener_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        state = str(V.text(o.get("State")) or "")
        proto = V.text(o.get("Proto")) or "tcp"
        if (proto == "tcp" and state not in ("Listen", "2")) or V.integer(o.get("LocalPort")) is None:
            continue
        yield {"proto": proto, "address": V.text(o.get("LocalAddress")) or "",
               "port": V.integer(o.get("LocalPort")), "process": V.text(o.get("Process")),
               "pid": V.integer(o.get("OwningProcess"))}


def connection_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        if V.text(o.get("Proto")) != "tcp" or V.text(o.get("State")) not in ("Established", "5"):
            continue
        yield {"local_address": V.text(o.get("LocalAddress")) or "",
               "local_port": V.integer(o.get("LocalPort")),
               "remote_address": V.text(o.get("RemoteAddress")) or "",
               "remote_port": V.integer(o.get("RemotePort")), "process": V.text(o.get("Process")),
               "pid": V.integer(o.get("OwningProcess"))}


_PROFILES = {"DomainProfile": "domain", "StandardProfile": "private", "PublicProfile": "public"}
_ACTION = {0: "allow", 1: "block"}


def firewall_profile_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    """Local (SharedAccess\\...\\FirewallPolicy) and policy (Policies\\...\\WindowsFirewall) keys
    of the three profiles; policy wins where it sets a value."""
    local: dict[str, Mapping[str, Any]] = {}
    policy: dict[str, Mapping[str, Any]] = {}
    for o in objs:
        key = str(o.get("key") or "")
        prof = _PROFILES.get(key.rsplit("\\", 1)[-1])
        if prof is None:
            continue
        vals = o.get("values") or {}
        (policy if "\\Policies\\" in key else local)[prof] = vals
    for prof in sorted(set(local) | set(policy)):
        lv, pv = local.get(prof, {}), policy.get(prof, {})

        def pick(name: str, lv: Mapping[str, Any] = lv, pv: Mapping[str, Any] = pv) -> Any:
            return pv.get(name) if pv.get(name) is not None else lv.get(name)

        le, pe = V.boolean(lv.get("EnableFirewall")), V.boolean(pv.get("EnableFirewall"))
        inbound, outbound = V.integer(pick("DefaultInboundAction")), V.integer(
            pick("DefaultOutboundAction"))
        notif = V.boolean(pick("DisableNotifications"))
        yield {"profile": prof, "enabled": pe if pe is not None else le, "local_enabled": le,
               "policy_enabled": pe, "inbound": _ACTION.get(inbound) if inbound is not None else None,
               "outbound": _ACTION.get(outbound) if outbound is not None else None,
               "notifications": (not notif) if notif is not None else None}


def _ports(v: Any) -> list[str]:
    return [p for p in V.strings(v) if p not in ("Any",)] or (["Any"] if V.strings(v) else [])


def firewall_rule_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        name = V.text(o.get("Name"))
        if name is None:
            continue
        yield {"name": name, "display_name": V.text(o.get("DisplayName")),
               "group": V.text(o.get("Group")), "enabled": V.boolean(o.get("Enabled")),
               "direction": (V.text(o.get("Direction")) or "").lower() or None,
               "action": (V.text(o.get("Action")) or "").lower() or None,
               "profiles": V.text(o.get("Profile")), "protocol": V.text(o.get("Protocol")),
               "local_ports": _ports(o.get("LocalPort")),
               "remote_ports": _ports(o.get("RemotePort")),
               "local_addresses": V.strings(o.get("LocalAddress")),
               "remote_addresses": V.strings(o.get("RemoteAddress")),
               "program": V.text(o.get("Program")), "source": V.text(o.get("PolicyStoreSource"))}


# --- software --------------------------------------------------------------------------------

def _uninstall_scope(key: str) -> str:
    up = key.upper()
    if up.startswith(("HKEY_USERS\\", "HKU\\")):
        return key.split("\\")[1]
    return "machine-32" if "\\WOW6432NODE\\" in up else "machine"


def software_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    """Uninstall subkeys with a DisplayName (the others are patches or leftovers); a key that
    is a child of an Uninstall key, so the parent key itself is skipped."""
    for o in objs:
        key = str(o.get("key") or "")
        parent, _, sub = key.rpartition("\\")
        vals = o.get("values") or {}
        name = V.text(vals.get("DisplayName")) if isinstance(vals, dict) else None
        if not parent.lower().endswith("\\uninstall") or not name:
            continue
        yield {"scope": _uninstall_scope(key), "key": sub, "name": name,
               "version": V.text(vals.get("DisplayVersion")),
               "publisher": V.text(vals.get("Publisher")),
               "install_date": V.date(vals.get("InstallDate")),
               "install_location": V.text(vals.get("InstallLocation")),
               "uninstall": _value_text(vals.get("UninstallString")),
               "msi": V.boolean(vals.get("WindowsInstaller")) or False,
               "system_component": V.boolean(vals.get("SystemComponent")) or False}


def appx_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        name = V.text(o.get("Name"))
        if not name:
            continue
        kind = V.text(o.get("SignatureKind")) or V.text(o.get("Category"))
        yield {"name": name, "publisher_id": V.text(o.get("PublisherId")) or "",
               "arch": V.text(o.get("Architecture")) or "",
               "publisher": V.text(o.get("Publisher")), "version": V.text(o.get("Version")),
               "location": V.text(o.get("InstallLocation")),
               "category": kind.lower() if kind else None}


def service_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        name = V.text(o.get("Name"))
        if name:
            yield {"name": name, "display_name": V.text(o.get("DisplayName")),
                   "start_mode": V.text(o.get("StartMode")), "account": V.text(o.get("StartName")),
                   "path": V.text(o.get("PathName")), "type": V.text(o.get("ServiceType")),
                   "state": V.text(o.get("State")), "pid": V.integer(o.get("ProcessId"))}


def task_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        name = V.text(o.get("TaskName"))
        if not name:
            continue
        state = V.text(o.get("State"))
        yield {"path": V.text(o.get("TaskPath")) or "\\", "name": name,
               "enabled": None if state is None else state != "Disabled",
               "author": V.text(o.get("Author")),
               "run_as": V.text(o.get("UserId")) or V.text(o.get("GroupId")),
               "run_level": V.text(o.get("RunLevel")), "actions": V.strings(o.get("Actions")),
               "triggers": V.strings(o.get("Triggers")), "state": state,
               "last_run": V.date(o.get("LastRunTime")), "next_run": V.date(o.get("NextRunTime")),
               "last_result": V.integer(o.get("LastTaskResult"))}


def cert_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        tp = V.text(o.get("Thumbprint"))
        if tp:
            yield {"thumbprint": tp.upper(), "subject": V.text(o.get("Subject")),
                   "issuer": V.text(o.get("Issuer")), "serial": V.text(o.get("SerialNumber")),
                   "not_before": V.date(o.get("NotBefore")),
                   "not_after": V.date(o.get("NotAfter")),
                   "has_private_key": V.boolean(o.get("HasPrivateKey")),
                   "friendly_name": V.text(o.get("FriendlyName")),
                   "dns_names": V.strings(o.get("DnsNames"))}


def autorun_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        key = str(o.get("key") or "")
        for f in V.strings(o.get("files")):
            yield {"location": key, "name": f, "command": None}
        vals = o.get("values")
        if isinstance(vals, dict):
            for name, v in vals.items():
                if name:
                    yield {"location": key, "name": name, "command": _value_text(v)}


# --- accounts and access ---------------------------------------------------------------------

def user_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        name = V.text(o.get("Name"))
        if name:
            yield {"name": name, "sid": V.text(o.get("SID")), "full_name": V.text(o.get("FullName")),
                   "description": V.text(o.get("Description")),
                   "disabled": V.boolean(o.get("Disabled")),
                   "locked_out": V.boolean(o.get("Lockout")),
                   "password_required": V.boolean(o.get("PasswordRequired")),
                   "password_expires": V.boolean(o.get("PasswordExpires")),
                   "password_changeable": V.boolean(o.get("PasswordChangeable"))}


def group_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        name = V.text(o.get("Name"))
        if name:
            yield {"name": name, "sid": V.text(o.get("SID")),
                   "description": V.text(o.get("Description"))}


_MEMBER_KIND = {"Win32_UserAccount": "user", "Win32_Group": "group",
                "Win32_SystemAccount": "system"}


def member_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        group, name = V.text(o.get("Group")), V.text(o.get("Name"))
        if not group or not name:
            continue
        dom = V.text(o.get("Domain"))
        yield {"group": group, "group_sid": V.text(o.get("GroupSID")),
               "member": f"{dom}\\{name}" if dom else name, "member_sid": V.text(o.get("SID")),
               "kind": _MEMBER_KIND.get(str(V.text(o.get("Class"))), V.text(o.get("Class")))}


_SHARE_TYPE = {0: "disk", 1: "printer", 2: "device", 3: "ipc"}
_ADMIN = 0x80000000


def share_rows(shares: Iterable[Obj], security: Iterable[Obj] | None) -> Iterator[Row]:
    sds = _share_sds(security) if security is not None else None
    for o in shares:
        name = V.text(o.get("Name"))
        if not name:
            continue
        t = V.integer(o.get("Type")) or 0
        kind = _SHARE_TYPE.get(t & 0xFF, str(t & 0xFF)) + ("-admin" if t & _ADMIN else "")
        yield {"name": name, "path": V.text(o.get("Path")),
               "description": V.text(o.get("Description")), "type": kind,
               "special": bool(t & _ADMIN) or name.endswith("$"),
               "share_acl": None if sds is None else ("read" if name in sds else "default")}


def _share_sds(security: Iterable[Obj]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for o in security:
        vals = o.get("values") or {}
        if isinstance(vals, dict):
            for name, v in vals.items():
                if isinstance(v, dict) and "b64" in v:
                    out[name] = base64.b64decode(v["b64"])
    return out


def _ace_row(ace: ntsd.ACE, position: int) -> Row:
    text = ntsd.ace_text(ace)
    return {"ace": text, "type": ace.type, "trustee": ntsd.WELL_KNOWN.get(ace.sid, ace.sid),
            "trustee_sid": ace.sid, "rights": ntsd.rights(ace.mask),
            "mask": ntsd.mask_hex(ace.mask), "flags": "|".join(ace.flags) or None,
            "inherited": ace.inherited, "position": position}


def _sd_rows(sd: ntsd.SecurityDescriptor, owner_row: bool) -> Iterator[Row]:
    if owner_row and sd.owner:
        yield {"ace": f"owner;;;{sd.owner}", "type": "owner",
               "trustee": ntsd.WELL_KNOWN.get(sd.owner, sd.owner), "trustee_sid": sd.owner,
               "rights": ["owner"], "mask": None, "flags": None, "inherited": False,
               "position": None}
    for i, ace in enumerate(sd.dacl or ()):
        yield _ace_row(ace, i)


def share_acl_rows(security: Iterable[Obj]) -> Iterator[Row]:
    for name, raw in sorted(_share_sds(security).items()):
        for r in _sd_rows(ntsd.parse_sd(raw), owner_row=False):
            yield {"share": name, **r}


def path_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        path = V.text(o.get("Path"))
        if not path:
            continue
        err = V.text(o.get("Error"))
        if err or not o.get("Sd"):
            yield {"path": path, "owner": None, "protected": None, "aces": None,
                   "sddl": None, "error": err or "no descriptor"}
            continue
        sd = ntsd.parse_sd(base64.b64decode(str(o["Sd"])))
        yield {"path": path, "owner": sd.owner, "protected": sd.protected,
               "aces": len(sd.dacl) if sd.dacl is not None else None,
               "sddl": V.text(o.get("Sddl")), "error": None}


def ntfs_acl_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        path = V.text(o.get("Path"))
        if path and o.get("Sd") and not o.get("Error"):
            for r in _sd_rows(ntsd.parse_sd(base64.b64decode(str(o["Sd"]))), owner_row=True):
                yield {"path": path, **r}


# --- events ----------------------------------------------------------------------------------

EVENT_WHAT = {
    4720: "user account created", 4722: "user account enabled", 4724: "password reset",
    4725: "user account disabled", 4726: "user account deleted",
    4728: "member added to global group", 4729: "member removed from global group",
    4732: "member added to local group", 4733: "member removed from local group",
    4738: "user account changed", 4740: "user account locked out",
    4756: "member added to universal group", 4757: "member removed from universal group",
    4719: "audit policy changed", 4697: "service installed", 7045: "service installed",
    1074: "shutdown or restart by a user", 11707: "product installed (MSI)",
    11724: "product removed (MSI)",
}
_NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"
_MSI_PRODUCT = re.compile(r"^Product: (.*?) -- ")


def _event_data(xml: str) -> tuple[dict[str, str], list[str], str | None]:
    """Named EventData values, unnamed ones in order, and the System/Security UserID."""
    root = ET.fromstring(xml)
    named: dict[str, str] = {}
    plain: list[str] = []
    for d in root.iter(f"{_NS}Data"):
        if d.get("Name"):
            named[str(d.get("Name"))] = d.text or ""
        else:
            plain.append(d.text or "")
    sec = root.find(f"{_NS}System/{_NS}Security")
    return named, plain, sec.get("UserID") if sec is not None else None


def event_rows(objs: Iterable[Obj]) -> Iterator[Row]:
    for o in objs:
        rid, eid = V.integer(o.get("RecordId")), V.integer(o.get("Id"))
        log = V.text(o.get("Log"))
        if rid is None or eid is None or not log:
            continue
        named, plain, user_sid = _event_data(str(o.get("Xml") or "<Event/>"))

        def acct(dom: str, user: str, n: Mapping[str, str] = named) -> str | None:
            u = n.get(user)
            if not u or u == "-":
                return None
            d = n.get(dom)
            return f"{d}\\{u}" if d and d != "-" else u

        by = acct("SubjectDomainName", "SubjectUserName")
        subject = acct("TargetDomainName", "TargetUserName")
        group = None
        if eid in (4728, 4729, 4732, 4733, 4756, 4757):
            group, subject = subject, named.get("MemberName") or named.get("MemberSid")
            if subject == "-":
                subject = named.get("MemberSid")
        elif eid in (4697, 7045):
            subject = named.get("ServiceName") or subject
            by = by or (named.get("AccountName") if eid == 4697 else None)
        elif eid == 1074:
            by = named.get("param7") or (plain[6] if len(plain) > 6 else None)
            subject = named.get("param5") or (plain[4] if len(plain) > 4 else None)
        elif eid in (11707, 11724):  # "Product: NAME -- Installation completed successfully."
            text = plain[0] if plain else ""
            m = _MSI_PRODUCT.match(text)
            subject = m.group(1) if m else (text or None)
        yield {"log": log, "record_id": rid, "event_id": eid, "time": V.date(o.get("Time")),
               "what": EVENT_WHAT.get(eid, f"event {eid}"), "by": by or user_sid,
               "subject": subject, "group": group}
