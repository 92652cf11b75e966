"""Windows parsers on answers of real machines (../shared/recordings/windows, from the GLPI
agent: wmic /format:list and reg export files of Windows XP to 11, Server 2003 to 2019).

No Windows and no PowerShell can run here (LAB-NOTES): the recordings stand in for the
PowerShell JSON, through the test-side loader in recordings.py (text values where CIM gives
typed ones: the parsers take both)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from proofshot.collectors.windows import parsers as P
from proofshot.collectors.windows import tables as T
from proofshot.model.table import Row, Table
from tests.collectors.windows.recordings import ROOT, appx, reg, wmi

WMI = ROOT / "wmi"
REG = ROOT / "registry"

# class -> table and parser; the other classes in the recordings are not collected (video,
# devices, Hyper-V host objects, memory arrays, licensing, storage-spaces disks)
PARSED: dict[str, tuple[Table, Callable[[list[dict[str, Any]]], Iterable[Row]]]] = {
    "Win32_OperatingSystem": (T.OS, P.os_rows),
    "Win32_ComputerSystem": (T.COMPUTER, lambda o: P.computer_rows(o, [])),
    "Win32_Bios": (T.COMPUTER, lambda o: P.computer_rows([{}], o)),
    "Win32_Processor": (T.CPU, P.cpu_rows),
    "Win32_PhysicalMemory": (T.MEMORY, P.memory_rows),
    "Win32_DiskDrive": (T.DISKS, P.disk_rows),
    "Win32_LogicalDisk": (T.VOLUMES, lambda o: P.volume_rows(o, None)),
    "Win32_Volume": (T.VOLUMES, lambda o: P.volume_rows(o, None)),
    "Win32_EncryptableVolume": (T.VOLUMES, lambda o: P.volume_rows(o, o)),
    "Win32_NetworkAdapter": (T.ADAPTERS, lambda o: P.adapter_rows(o, [])),
    "Win32_NetworkAdapterConfiguration": (T.ADDRESSES, P.address_rows),
    "Win32_QuickFixEngineering": (T.HOTFIXES, P.hotfix_rows),
    "Win32_UserAccount": (T.USERS, P.user_rows),
}
NOT_COLLECTED = {"Win32_VideoController", "CIM_LogicalDevice", "MSVM_ComputerSystem",
                 "MSVM_MemorySettingData", "MSVM_ProcessorSettingData",
                 "Win32_PhysicalMemoryArray", "SoftwareLicensingProduct", "MSFT_NetAdapter",
                 "MSFT_PhysicalDisk", "Win32_CDROMDrive"}
WMI_FILES = sorted(WMI.glob("*.wmi"))
REG_FILES = sorted(REG.glob("*.reg"))


def _class(name: str) -> str:
    return name.rsplit("-", 1)[-1].removesuffix(".wmi")


def _validated(table: Table, rows: Iterable[Row]) -> list[Row]:
    out = [table.validate(r) for r in rows]
    keys = [table.key_of(r) for r in out]
    assert len(set(keys)) == len(keys), f"duplicate keys in {table.name}"
    return out


def test_recordings_are_there() -> None:
    assert len(WMI_FILES) >= 60 and len(REG_FILES) >= 50, ROOT


@pytest.mark.parametrize("path", WMI_FILES, ids=lambda p: p.name)
def test_every_wmi_recording_parses(path: Any) -> None:
    objs = wmi(path)
    assert objs, f"{path.name}: no instance read"
    cls = _class(path.name)
    if cls in NOT_COLLECTED:
        return
    table, parse = PARSED[cls]
    rows = _validated(table, parse(objs))
    assert rows, f"{path.name}: no {table.name} row"


def test_hand_picked_wmi_values() -> None:
    (os_row,) = _validated(T.OS, P.os_rows(wmi(WMI / "win7-sp1-x64-Win32_OperatingSystem.wmi")))
    assert os_row["caption"] == "Microsoft Windows 7 Professionnel"
    assert os_row["hostname"] == "LUBIANKA" and os_row["language"] == 1036
    assert os_row["install_date"] == "2013-08-13T13:37:55Z"  # DMTF text with its offset, in UTC
    users = {r["name"]: r for r in P.user_rows(wmi(WMI / "10-StandAlone-Win32_UserAccount.wmi"))}
    admin = users["Administrateur"]
    assert admin["sid"].endswith("-500") and admin["disabled"] is True
    assert admin["description"] == "Compte d’utilisateur d’administration"  # non-ASCII kept
    vol = list(P.volume_rows(wmi(WMI / "win10-crypt-Win32_LogicalDisk.wmi"),
                             wmi(WMI / "win10-crypt-Win32_EncryptableVolume.wmi")))
    assert vol[0]["drive"] == "C:" and vol[0]["bitlocker"] == "on"
    assert vol[0]["size_bytes"] == 510462619648
    plain = list(P.volume_rows(wmi(WMI / "win10-crypt-Win32_LogicalDisk.wmi"), []))
    assert plain[0]["bitlocker"] == "off"  # read, and no encryptable volume for C:
    cpu = list(P.cpu_rows(wmi(WMI / "2019-amd-epyc-Win32_Processor.wmi")))
    assert len(cpu) == 1 and cpu[0]["name"] == "AMD EPYC 7302 16-Core Processor"
    assert cpu[0]["cores"] == 2 and cpu[0]["manufacturer"] == "AuthenticAMD"
    net = WMI / "10-net-Win32_NetworkAdapter.wmi"
    conf = wmi(WMI / "10-net-Win32_NetworkAdapterConfiguration.wmi")
    up = [r for r in P.adapter_rows(wmi(net), conf) if r["ip_enabled"]]
    eth = next(r for r in up if r["connection"] == "Ethernet 4")
    assert eth["dns_servers"] == ["192.168.2.2", "192.168.2.1"]  # wmic's {"a","b"} list
    assert eth["gateways"] == ["192.168.0.254"] and eth["dhcp"] is True
    addrs = {(r["index"], r["address"]): r for r in P.address_rows(conf)}
    assert addrs[(5, "192.168.0.2")]["prefix"] == "255.255.255.0"
    assert addrs[(5, "fe80::2c1f:9a1f:dedd:699c")]["family"] == "ipv6"
    fixes = [r["hotfix_id"] for r in P.hotfix_rows(wmi(WMI / "xp-Win32_QuickFixEngineering.wmi"))]
    assert "KB2079403" in fixes  # XP: "File 1" entries named by their update


def test_typed_json_values_give_the_same_rows() -> None:
    """CIM's JSON (typed values, /Date(ms)/) and wmic's text give the same row."""
    text = wmi(WMI / "10-StandAlone-Win32_UserAccount.wmi")[0]
    typed = {**text, "Disabled": True, "Lockout": False, "PasswordRequired": True,
             "PasswordExpires": False, "PasswordChangeable": True}
    assert list(P.user_rows([text])) == list(P.user_rows([typed]))
    dmtf = {"Caption": "x", "InstallDate": "20130813153755.000000+120"}
    ms = {"Caption": "x", "InstallDate": "/Date(1376401075000)/"}
    assert next(P.os_rows([dmtf]))["install_date"] == next(P.os_rows([ms]))["install_date"]


@pytest.mark.parametrize("path", REG_FILES, ids=lambda p: p.name)
def test_every_registry_export_parses(path: Any) -> None:
    keys = reg(path)
    assert keys and all(k["key"].startswith("HKEY_") for k in keys)
    if path.name.endswith("Uninstall.reg"):
        assert _validated(T.SOFTWARE, P.software_rows(keys))
    if path.name.endswith("Profile.reg"):
        assert _validated(T.FW_PROFILES, P.firewall_profile_rows(keys))
    if "LogonUI" in path.name:
        _validated(T.SETTINGS, P.setting_rows(keys))


def test_russian_uninstall_keys() -> None:
    rows = {r["key"]: r for r in _validated(T.SOFTWARE, P.software_rows(
        reg(REG / "10_russian-Uninstall.reg")))}
    csp = rows["{50F91F80-D397-437C-B0C8-62128DE3B55E}"]
    assert csp["name"] == "КриптоПро CSP" and csp["publisher"] == "Компания КриптоПро"
    assert csp["version"] == "5.0.12000" and csp["install_date"] == "2021-07-24"
    assert csp["msi"] is True and csp["scope"] == "machine"
    assert csp["uninstall"] == "MsiExec.exe /I{50F91F80-D397-437C-B0C8-62128DE3B55E}"
    assert rows["1C Предприятие 7.7.27"]["name"] == "1C Предприятие 7.7"


def test_firewall_profiles_from_the_registry() -> None:
    keys = [k for f in ("DomainProfile", "StandardProfile", "PublicProfile")
            for k in reg(REG / f"7_firewall-{f}.reg")]
    rows = {r["profile"]: r for r in _validated(T.FW_PROFILES, P.firewall_profile_rows(keys))}
    assert set(rows) == {"domain", "private", "public"}
    assert rows["domain"]["enabled"] is False  # EnableFirewall=dword:00000000 in the export


def test_russian_appx_packages() -> None:
    rows = _validated(T.APPX, P.appx_rows(appx(ROOT / "powershell-10_russian.txt")))
    names = {r["name"] for r in rows}
    assert "Проводник" in names and "Экранный диктор" in names
    explorer = next(r for r in rows if r["name"] == "Проводник")
    assert explorer["publisher_id"] == "cw5n1h2txyewy" and explorer["version"] == "10.0.19041.423"
