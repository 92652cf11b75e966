r"""The PowerShell the Windows collector runs, as declared data: read-only snippets.

Each section is one PowerShell expression giving objects with the properties its parser reads;
sections are grouped into a few queries (one round trip each). A query's script puts every
section's objects into one ordered table, a failing section as {"error": ..., "denied": ...},
and ends in `ConvertTo-Json -Compress`. Only reading verbs are used (tests check it); never
Win32_Product (querying it makes Windows Installer re-check every package).

A query travels as `powershell.exe -NoProfile -NonInteractive -EncodedCommand BASE64` (UTF-16LE
script): the OpenSSH transport runs that command line as it is, the WinRM transport decodes the
script and runs it in a runspace. The only values built into a script come from the scope (the
folders whose ACLs are read, the event window), never from answers.
"""

# ruff: noqa: E501  (PowerShell lines are kept whole)
from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence

POWERSHELL = ("powershell.exe", "-NoProfile", "-NonInteractive", "-EncodedCommand")

PRELUDE = r"""
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
try { [Console]::OutputEncoding = [Text.UTF8Encoding]::new($false) } catch { }
function Get-ProofshotKey([string]$Path, [switch]$Children) {
  $keys = if ($Children) { @(Get-ChildItem -LiteralPath $Path -ErrorAction SilentlyContinue) } else { @(Get-Item -LiteralPath $Path -ErrorAction SilentlyContinue) }
  foreach ($k in $keys) {
    $v = [ordered]@{}
    foreach ($n in $k.GetValueNames()) {
      $x = $k.GetValue($n, $null, 'DoNotExpandEnvironmentNames')
      if ($x -is [byte[]]) { $x = [ordered]@{ b64 = [Convert]::ToBase64String($x) } }
      $v[$n] = $x
    }
    [ordered]@{ key = $k.Name; values = $v }
  }
}
function Get-ProofshotUsers {
  @(Get-ChildItem -LiteralPath 'Registry::HKEY_USERS' -ErrorAction SilentlyContinue |
    Where-Object { $_.PSChildName -match '^S-1-5-21-[0-9-]+$' } |
    ForEach-Object { 'Registry::' + $_.Name })
}
$o = [ordered]@{}
"""

SECTION = r"""
try { $o['%(name)s'] = @(& { %(body)s }) }
catch { $o['%(name)s'] = [ordered]@{ error = [string]$_.Exception.Message;
        missing = ($_.Exception -is [System.Management.Automation.CommandNotFoundException]);
        denied = ($_.Exception -is [System.UnauthorizedAccessException] -or
                  [string]$_.FullyQualifiedErrorId -match 'AccessDenied|UnauthorizedAccess|0x80041003|0x80070005') } }
"""

EPILOGUE = "\n$o | ConvertTo-Json -Compress -Depth 8\n"

_WINLOGON = r"HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon"

# section name -> PowerShell expression (its objects go to the answer under that name)
SECTIONS: dict[str, str] = {
    "os": r"""Get-CimInstance Win32_OperatingSystem | Select-Object Caption, Version, BuildNumber,
        OSArchitecture, CSDVersion, ProductType, CSName, OSLanguage, Locale, SerialNumber,
        RegisteredUser, Organization, SystemDrive, WindowsDirectory, InstallDate, LastBootUpTime,
        TotalVisibleMemorySize, FreePhysicalMemory""",
    "computer": r"""Get-CimInstance Win32_ComputerSystem | Select-Object Name, Domain, PartOfDomain,
        DomainRole, Manufacturer, Model, SystemType, TotalPhysicalMemory, NumberOfProcessors,
        NumberOfLogicalProcessors, HypervisorPresent, Workgroup""",
    "bios": r"""Get-CimInstance Win32_BIOS | Select-Object Manufacturer, SMBIOSBIOSVersion, Version,
        SerialNumber, ReleaseDate""",
    "cpu": r"""Get-CimInstance Win32_Processor | Select-Object DeviceID, Name, Manufacturer,
        NumberOfCores, NumberOfLogicalProcessors, MaxClockSpeed, CurrentClockSpeed,
        SocketDesignation, ProcessorId, LoadPercentage""",
    "memory": r"""Get-CimInstance Win32_PhysicalMemory | Select-Object Tag, BankLabel, DeviceLocator,
        Capacity, Speed, Manufacturer, PartNumber, SerialNumber""",
    "hotfixes": r"""Get-CimInstance Win32_QuickFixEngineering | Select-Object HotFixID, Description,
        InstalledOn, InstalledBy, ServicePackInEffect""",
    "features": r"""if (Get-Command Get-WindowsFeature -ErrorAction SilentlyContinue) {
          Get-WindowsFeature | Where-Object { $_.Installed } |
            Select-Object Name, DisplayName, FeatureType } else { Get-CimInstance Win32_OptionalFeature | Where-Object { $_.InstallState -eq 1 } |
            Select-Object Name, @{n='DisplayName';e={$_.Caption}}, @{n='FeatureType';e={'optional'}} }""",
    "defender": r"""if (Get-Command Get-MpComputerStatus -ErrorAction SilentlyContinue) {
          Get-MpComputerStatus | Select-Object AMServiceEnabled, AntivirusEnabled,
            RealTimeProtectionEnabled, IsTamperProtected, AMProductVersion,
            AntivirusSignatureVersion,
            @{n='AntivirusSignatureLastUpdated';e={$_.AntivirusSignatureLastUpdated.ToUniversalTime().ToString('o')}} }""",
    "settings": r"""
        foreach ($p in @('""" + _WINLOGON + r"""',
            'HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server',
            'HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server\WinStations\RDP-Tcp',
            'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services',
            'HKLM:\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters',
            'HKLM:\SYSTEM\CurrentControlSet\Services\mrxsmb10',
            'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WSMAN\Service',
            'HKLM:\SOFTWARE\Policies\Microsoft\Windows\WinRM\Service',
            'HKLM:\SYSTEM\CurrentControlSet\Control\Lsa',
            'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System')) {
          foreach ($k in @(Get-ProofshotKey $p)) {
            $vals = $k['values']
            foreach ($n in @($vals.Keys)) {
              if ($n -match 'Password') {
                $b = [Text.Encoding]::UTF8.GetBytes([string]$vals[$n])
                $vals[$n] = 'password=' + (($b | ForEach-Object { $_.ToString('x2') }) -join '')
              }
            }
            $k
          }
        }
        if (Get-Command Get-SmbServerConfiguration -ErrorAction SilentlyContinue) {
          $c = Get-SmbServerConfiguration
          [ordered]@{ key = 'SmbServerConfiguration'; values = [ordered]@{
            EnableSMB1Protocol = $c.EnableSMB1Protocol; EnableSMB2Protocol = $c.EnableSMB2Protocol;
            RequireSecuritySignature = $c.RequireSecuritySignature; EncryptData = $c.EncryptData } }
        }""",
    "disks": r"""Get-CimInstance Win32_DiskDrive | Select-Object DeviceID, Index, Model, SerialNumber,
        Size, InterfaceType, MediaType, Partitions, FirmwareRevision""",
    "volumes": r"""Get-CimInstance Win32_LogicalDisk | Select-Object DeviceID, VolumeName, FileSystem,
        DriveType, Size, FreeSpace, VolumeSerialNumber, ProviderName""",
    "bitlocker": r"""Get-CimInstance -Namespace 'root/cimv2/Security/MicrosoftVolumeEncryption' -ClassName Win32_EncryptableVolume |
        Select-Object DeviceID, DriveLetter, ProtectionStatus,
        EncryptionMethod, VolumeType, PersistentVolumeID""",
    "adapters": r"""Get-CimInstance Win32_NetworkAdapter | Select-Object Index, Name, NetConnectionID,
        MACAddress, PhysicalAdapter, NetEnabled, InterfaceIndex, Manufacturer, NetConnectionStatus,
        Speed""",
    "adapter_configs": r"""Get-CimInstance Win32_NetworkAdapterConfiguration | Select-Object Index,
        IPEnabled, DHCPEnabled, DHCPServer, IPAddress, IPSubnet, DefaultIPGateway,
        DNSServerSearchOrder, DNSDomain, DNSDomainSuffixSearchOrder, WINSPrimaryServer""",
    "routes": r"""Get-NetRoute | Select-Object DestinationPrefix, NextHop, InterfaceIndex,
        InterfaceAlias, RouteMetric, @{n='Protocol';e={[string]$_.Protocol}}""",
    "listeners": r"""$names = @{}; Get-Process | ForEach-Object { $names[$_.Id] = $_.ProcessName }
        Get-NetTCPConnection | Select-Object @{n='Proto';e={'tcp'}}, LocalAddress, LocalPort,
          RemoteAddress, RemotePort, @{n='State';e={[string]$_.State}}, OwningProcess,
          @{n='Process';e={$names[[int]$_.OwningProcess]}}
        Get-NetUDPEndpoint | Select-Object @{n='Proto';e={'udp'}}, LocalAddress, LocalPort,
          @{n='State';e={'Bound'}}, OwningProcess, @{n='Process';e={$names[[int]$_.OwningProcess]}}""",
    "firewall_profiles": r"""
        foreach ($p in 'DomainProfile', 'StandardProfile', 'PublicProfile') {
          Get-ProofshotKey "HKLM:\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\$p"
          Get-ProofshotKey "HKLM:\SOFTWARE\Policies\Microsoft\WindowsFirewall\$p"
        }""",
    "firewall_rules": r"""$ports = @{}; $addrs = @{}; $apps = @{}
        Get-NetFirewallPortFilter -All | ForEach-Object { $ports[$_.InstanceID] = $_ }
        Get-NetFirewallAddressFilter -All | ForEach-Object { $addrs[$_.InstanceID] = $_ }
        Get-NetFirewallApplicationFilter -All | ForEach-Object { $apps[$_.InstanceID] = $_ }
        Get-NetFirewallRule | ForEach-Object {
          $pf = $ports[$_.InstanceID]; $af = $addrs[$_.InstanceID]; $ap = $apps[$_.InstanceID]
          [ordered]@{ Name = $_.Name; DisplayName = $_.DisplayName; Group = $_.Group;
            Enabled = [string]$_.Enabled; Direction = [string]$_.Direction;
            Action = [string]$_.Action; Profile = [string]$_.Profile;
            PolicyStoreSource = [string]$_.PolicyStoreSourceType;
            Protocol = [string]$pf.Protocol; LocalPort = @($pf.LocalPort);
            RemotePort = @($pf.RemotePort); LocalAddress = @($af.LocalAddress);
            RemoteAddress = @($af.RemoteAddress); Program = [string]$ap.Program }
        }""",
    "software": r"""
        Get-ProofshotKey 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall' -Children
        Get-ProofshotKey 'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall' -Children
        foreach ($u in Get-ProofshotUsers) {
          Get-ProofshotKey "$u\Software\Microsoft\Windows\CurrentVersion\Uninstall" -Children
        }""",
    "appx": r"""if (Get-Command Get-AppxPackage -ErrorAction SilentlyContinue) {
          Get-AppxPackage | Select-Object Name, Publisher, PublisherId,
            @{n='Architecture';e={[string]$_.Architecture}}, Version, InstallLocation,
            @{n='SignatureKind';e={[string]$_.SignatureKind}} }""",
    "services": r"""Get-CimInstance Win32_Service | Select-Object Name, DisplayName, StartMode,
        StartName, PathName, ServiceType, State, ProcessId""",
    "tasks": r"""Get-ScheduledTask | ForEach-Object {
          $i = $_ | Get-ScheduledTaskInfo -ErrorAction SilentlyContinue
          [ordered]@{ TaskPath = $_.TaskPath; TaskName = $_.TaskName; State = [string]$_.State;
            Author = $_.Author; UserId = $_.Principal.UserId; GroupId = $_.Principal.GroupId;
            RunLevel = [string]$_.Principal.RunLevel;
            Actions = @($_.Actions | ForEach-Object { (@($_.Execute, $_.Arguments) |
                Where-Object { $_ }) -join ' ' });
            Triggers = @($_.Triggers | ForEach-Object {
                ($_.CimClass.CimClassName -replace '^MSFT_Task|Trigger$', '') + ' ' + $_.StartBoundary });
            LastRunTime = $(if ($i -and $i.LastRunTime) { $i.LastRunTime.ToUniversalTime().ToString('o') });
            NextRunTime = $(if ($i -and $i.NextRunTime) { $i.NextRunTime.ToUniversalTime().ToString('o') });
            LastTaskResult = $(if ($i) { $i.LastTaskResult }) }
        }""",
    "certs": r"""Get-ChildItem -LiteralPath 'Cert:\LocalMachine\My' | Select-Object Thumbprint, Subject,
        Issuer, SerialNumber, HasPrivateKey, FriendlyName,
        @{n='NotBefore';e={$_.NotBefore.ToUniversalTime().ToString('o')}},
        @{n='NotAfter';e={$_.NotAfter.ToUniversalTime().ToString('o')}},
        @{n='DnsNames';e={@($_.DnsNameList | ForEach-Object { [string]$_.Unicode })}}""",
    "autoruns": r"""
        foreach ($r in 'Run', 'RunOnce') {
          Get-ProofshotKey "HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\$r"
          Get-ProofshotKey "HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\$r"
          foreach ($u in Get-ProofshotUsers) { Get-ProofshotKey "$u\Software\Microsoft\Windows\CurrentVersion\$r" }
        }
        $f = Join-Path $env:ProgramData 'Microsoft\Windows\Start Menu\Programs\StartUp'
        [ordered]@{ key = $f; files = @(Get-ChildItem -LiteralPath $f -Force -ErrorAction SilentlyContinue |
          Where-Object { $_.Name -ne 'desktop.ini' } | ForEach-Object { $_.Name }) }""",
    "users": r"""Get-CimInstance Win32_UserAccount -Filter 'LocalAccount=True' | Select-Object Name, SID,
        FullName, Description, Disabled, Lockout, PasswordRequired, PasswordExpires,
        PasswordChangeable""",
    "groups": r"""Get-CimInstance Win32_Group -Filter 'LocalAccount=True' | Select-Object Name, SID,
        Description""",
    "group_members": r"""foreach ($g in Get-CimInstance Win32_Group -Filter 'LocalAccount=True') {
          foreach ($m in @(Get-CimAssociatedInstance -InputObject $g -Association Win32_GroupUser)) {
            [ordered]@{ Group = $g.Name; GroupSID = $g.SID; Domain = $m.Domain; Name = $m.Name;
                        SID = $m.SID; Class = $m.CimClass.CimClassName } } }""",
    "shares": r"""Get-CimInstance Win32_Share | Select-Object Name, Path, Description, Type""",
    "share_security": r"""Get-ProofshotKey 'HKLM:\SYSTEM\CurrentControlSet\Services\LanmanServer\Shares\Security'""",
}

# Sections whose paths come from the scope; %(paths)s is a PowerShell array literal.
ACL_SECTION = r"""$paths = @(%(paths)s) + @(Get-CimInstance Win32_Share |
          Where-Object { $_.Type -eq 0 -and $_.Path } | ForEach-Object { $_.Path })
        foreach ($p in ($paths | Sort-Object -Unique)) {
          try { $a = Get-Acl -LiteralPath $p
                [ordered]@{ Path = $p; Sddl = $a.Sddl;
                            Sd = [Convert]::ToBase64String($a.GetSecurityDescriptorBinaryForm()) } }
          catch { [ordered]@{ Path = $p; Error = [string]$_.Exception.Message } }
        }"""

EVENTS_SECTION = r"""$since = (Get-Date).AddHours(-%(hours)d)
        $filters = @(
          @{ LogName = 'Security'; StartTime = $since;
             Id = 4720, 4722, 4724, 4725, 4726, 4728, 4729, 4732, 4733, 4738, 4740, 4756, 4757, 4719, 4697 },
          @{ LogName = 'System'; StartTime = $since; Id = 7045, 1074 },
          @{ LogName = 'Application'; StartTime = $since; ProviderName = 'MsiInstaller'; Id = 11707, 11724 })
        foreach ($f in $filters) {
          try { Get-WinEvent -FilterHashtable $f -MaxEvents %(max)d | ForEach-Object {
                  [ordered]@{ Log = $_.LogName; RecordId = $_.RecordId; Id = $_.Id;
                              Time = $_.TimeCreated.ToUniversalTime().ToString('o'); Xml = $_.ToXml() } } }
          catch { if ([string]$_.FullyQualifiedErrorId -notmatch 'NoMatchingEventsFound') { throw } }
        }"""

# query id -> its sections, in the order they run
GROUPS: dict[str, tuple[str, ...]] = {
    "system": ("os", "computer", "bios", "cpu", "memory", "hotfixes", "features", "defender",
               "settings"),
    "storage": ("disks", "volumes", "bitlocker"),
    "network": ("adapters", "adapter_configs", "routes", "listeners", "firewall_profiles",
                "firewall_rules"),
    "software": ("software", "appx", "services", "tasks", "certs", "autoruns"),
    "accounts": ("users", "groups", "group_members", "shares", "share_security", "acls"),
    "events": ("events",),
}

DEFAULT_EVENT_HOURS = 24
MAX_EVENTS = 2000


def ps_string(text: str) -> str:
    """A PowerShell single-quoted string literal (quotes doubled; no expansion)."""
    for ch in ("\0", "\r", "\n"):
        if ch in text:
            raise ValueError(f"not allowed in a path: {text!r}")
    return "'" + text.replace("'", "''").replace("\u2018", "''").replace("\u2019", "''") + "'"


def sections(paths: Sequence[str] = (), event_hours: int = DEFAULT_EVENT_HOURS
             ) -> dict[str, str]:
    """Every section's expression, with the scope's values put in."""
    out = dict(SECTIONS)
    out["acls"] = ACL_SECTION % {"paths": ", ".join(ps_string(p) for p in paths)}
    out["events"] = EVENTS_SECTION % {"hours": int(event_hours), "max": MAX_EVENTS}
    return out


def script(names: Sequence[str], bodies: Mapping[str, str]) -> str:
    """The script of one query: the prelude, its sections, the JSON; indentation dropped (the
    OpenSSH command line is short)."""
    parts = [PRELUDE]
    parts += [SECTION % {"name": n, "body": bodies[n]} for n in names]
    parts.append(EPILOGUE)
    lines = (line.strip() for line in "".join(parts).splitlines())
    return "\n".join(line for line in lines if line) + "\n"


def encode(text: str) -> str:
    """-EncodedCommand's argument: the script as UTF-16LE, base64."""
    return base64.b64encode(text.encode("utf-16-le")).decode("ascii")


def decode(argv: Sequence[str]) -> str | None:
    """The script of a declared PowerShell argv, None when argv is not one."""
    if len(argv) != len(POWERSHELL) + 1 or tuple(argv[:-1]) != POWERSHELL:
        return None
    return base64.b64decode(argv[-1]).decode("utf-16-le")


def argv(text: str) -> tuple[str, ...]:
    return (*POWERSHELL, encode(text))
