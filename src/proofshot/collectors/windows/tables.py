"""Table declarations of the Windows collector (WinRM or OpenSSH with PowerShell), as data.

Conventions as in the Linux tables: a single-row table has the key column `id` with a fixed
value; values that move by themselves (free space, last boot, process ids, task run times)
are volatile; rows that come and go by themselves (established connections) make the table
volatile_rows. Names are as Windows gives them; dates are ISO 8601 UTC (YYYY-MM-DDTHH:MM:SSZ)
whatever form the source gave (CIM JSON, wmic's DMTF text, a registry yyyymmdd).
"""

from __future__ import annotations

from proofshot.model.table import Table, col, table

C = "windows"
P = ("windows",)


def _t(name: str, doc: str, key: list[str], columns: list, volatile_rows: bool = False) -> Table:  # type: ignore[type-arg]
    return table(name, doc, key, columns, platforms=P, collector=C, volatile_rows=volatile_rows)


ID = col("id", doc="Fixed key of a single-row table.")

OS = _t("win_os", "Operating system (Win32_OperatingSystem, one row).", ["id"], [
    ID,
    col("caption", doc="Product name (Microsoft Windows Server 2019 Standard)."),
    col("version", doc="Version (10.0.17763)."),
    col("build", doc="Build number."),
    col("architecture", doc="OSArchitecture (64-bit)."),
    col("service_pack", doc="Service pack level, None when none."),
    col("product_type", doc="workstation, domain-controller or server."),
    col("hostname", doc="CSName."),
    col("language", "int", "OSLanguage (LCID)."),
    col("locale", doc="Locale (hex LCID)."),
    col("serial", doc="Product serial number."),
    col("registered_user", doc="Registered user."),
    col("organization", doc="Registered organization."),
    col("system_drive", doc="System drive (C:)."),
    col("windows_dir", doc="Windows directory."),
    col("install_date", doc="Installation date."),
    col("last_boot", doc="Last boot time.", volatile=True),
    col("memory_total_kb", "int", "Visible memory in KiB."),
    col("memory_free_kb", "int", "Free physical memory in KiB.", volatile=True),
])

COMPUTER = _t("win_computer", "Computer, BIOS and memory (Win32_ComputerSystem, Win32_BIOS; one "
              "row).", ["id"], [
    ID,
    col("name", doc="Computer name."),
    col("domain", doc="Domain or workgroup name."),
    col("part_of_domain", "bool", "Joined to a domain."),
    col("domain_role", doc="standalone-workstation, member-workstation, standalone-server, "
        "member-server, backup-dc or primary-dc."),
    col("manufacturer", doc="System manufacturer."),
    col("model", doc="System model."),
    col("system_type", doc="x64-based PC, ..."),
    col("memory_bytes", "int", "Total physical memory in bytes."),
    col("processors", "int", "Physical processors."),
    col("logical_processors", "int", "Logical processors."),
    col("hypervisor_present", "bool", "Running under a hypervisor."),
    col("bios_vendor", doc="BIOS manufacturer."),
    col("bios_version", doc="SMBIOS BIOS version."),
    col("bios_date", doc="BIOS release date."),
    col("serial", doc="BIOS serial number (the machine's serial)."),
])

CPU = _t("win_cpu", "Processors (Win32_Processor).", ["device_id"], [
    col("device_id", doc="CPU0, CPU1, ..."),
    col("name", doc="Model name."),
    col("manufacturer", doc="GenuineIntel, AuthenticAMD, ..."),
    col("cores", "int", "Cores."),
    col("logical_processors", "int", "Logical processors."),
    col("max_mhz", "int", "Maximum clock in MHz."),
    col("socket", doc="Socket designation."),
    col("processor_id", doc="CPUID signature."),
    col("current_mhz", "int", "Current clock in MHz.", volatile=True),
    col("load_percent", "int", "Load in percent.", volatile=True),
])

MEMORY = _t("win_memory", "Memory modules (Win32_PhysicalMemory).", ["tag"], [
    col("tag", doc="Physical Memory 0, ..."),
    col("bank", doc="Bank label."),
    col("locator", doc="Device locator (slot)."),
    col("capacity_bytes", "int", "Capacity in bytes."),
    col("speed_mhz", "int", "Speed in MHz."),
    col("manufacturer", doc="Manufacturer."),
    col("part_number", doc="Part number."),
    col("serial", doc="Serial number."),
])

DISKS = _t("win_disks", "Physical disks (Win32_DiskDrive).", ["device_id"], [
    col("device_id", doc="\\\\.\\PHYSICALDRIVE0, ..."),
    col("index", "int", "Disk number."),
    col("model", doc="Model."),
    col("serial", doc="Serial number."),
    col("size_bytes", "int", "Size in bytes."),
    col("interface", doc="IDE, SCSI, USB, ..."),
    col("media_type", doc="Media type."),
    col("partitions", "int", "Partitions."),
    col("firmware", doc="Firmware revision."),
])

VOLUMES = _t("win_volumes", "Volumes with a drive letter (Win32_LogicalDisk) and their BitLocker "
             "state (Win32_EncryptableVolume).", ["drive"], [
    col("drive", doc="Drive letter (C:)."),
    col("label", doc="Volume label."),
    col("file_system", doc="NTFS, ReFS, FAT32, ..."),
    col("drive_type", doc="fixed, removable, network, cd, ram, ..."),
    col("size_bytes", "int", "Size in bytes."),
    col("serial", doc="Volume serial number."),
    col("provider", doc="UNC path of a network drive."),
    col("bitlocker", doc="on, off or unknown (protection status); None when not read."),
    col("encryption_method", doc="BitLocker encryption method; None when not encrypted."),
    col("free_bytes", "int", "Free bytes.", volatile=True),
])

ADAPTERS = _t("win_adapters", "Network adapters (Win32_NetworkAdapter with their "
              "Win32_NetworkAdapterConfiguration).", ["index"], [
    col("index", "int", "Adapter index (WMI)."),
    col("name", doc="Adapter (driver) name."),
    col("connection", doc="Connection name (Ethernet, WLAN, ...)."),
    col("mac", doc="MAC address."),
    col("physical", "bool", "Physical adapter."),
    col("enabled", "bool", "Enabled (NetEnabled)."),
    col("interface_index", "int", "Interface index (routes refer to it)."),
    col("manufacturer", doc="Manufacturer."),
    col("ip_enabled", "bool", "TCP/IP bound and enabled."),
    col("dhcp", "bool", "DHCP enabled."),
    col("dhcp_server", doc="DHCP server.", volatile=True),
    col("gateways", "list", "Default gateways."),
    col("dns_servers", "list", "DNS servers in search order."),
    col("dns_domain", doc="Connection-specific DNS suffix."),
    col("dns_suffixes", "list", "DNS suffix search order."),
    col("wins", doc="Primary WINS server."),
    col("status", doc="connected, disconnected, ... (NetConnectionStatus).", volatile=True),
    col("speed", "int", "Link speed in bit/s.", volatile=True),
])

ADDRESSES = _t("win_addresses", "IP addresses of the adapters.", ["index", "address"], [
    col("index", "int", "Adapter index."),
    col("address", doc="IPv4 or IPv6 address."),
    col("prefix", doc="Subnet mask (IPv4) or prefix length (IPv6)."),
    col("family", doc="ipv4 or ipv6."),
])

ROUTES = _t("win_routes", "Routing table (Get-NetRoute).", ["destination", "next_hop",
                                                            "interface_index"], [
    col("destination", doc="Destination prefix."),
    col("next_hop", doc="Next hop (0.0.0.0 / :: on link)."),
    col("interface_index", "int", "Interface index."),
    col("interface", doc="Interface alias."),
    col("metric", "int", "Route metric."),
    col("protocol", doc="Local, NetMgmt (static), Dhcp, ..."),
])

HOTFIXES = _t("win_hotfixes", "Installed updates (Win32_QuickFixEngineering).", ["hotfix_id"], [
    col("hotfix_id", doc="KB number (or the service pack entry on old systems)."),
    col("description", doc="Update, Security Update, ..."),
    col("installed_on", doc="Installation date."),
    col("installed_by", doc="Account that installed it."),
])

SOFTWARE = _t("win_software", "Installed software from the registry Uninstall keys: 64-bit, "
              "32-bit (WOW6432Node) and each loaded user profile. Never Win32_Product.",
              ["scope", "key"], [
    col("scope", doc="machine, machine-32 or the user's SID."),
    col("key", doc="Uninstall subkey name (product code or name)."),
    col("name", doc="DisplayName."),
    col("version", doc="DisplayVersion."),
    col("publisher", doc="Publisher."),
    col("install_date", doc="InstallDate."),
    col("install_location", doc="InstallLocation."),
    col("uninstall", doc="UninstallString."),
    col("msi", "bool", "Installed by Windows Installer."),
    col("system_component", "bool", "Hidden from Programs and Features (SystemComponent)."),
])

APPX = _t("win_appx", "Store (UWP/AppX) packages (Get-AppxPackage).", ["name", "publisher_id",
                                                                        "arch"], [
    col("name", doc="Package (display) name."),
    col("publisher_id", doc="Publisher id."),
    col("arch", doc="Architecture."),
    col("publisher", doc="Publisher."),
    col("version", doc="Version."),
    col("location", doc="Install location."),
    col("category", doc="system or store."),
])

SERVICES = _t("win_services", "Services (Win32_Service).", ["name"], [
    col("name", doc="Service name."),
    col("display_name", doc="Display name."),
    col("start_mode", doc="Auto, Manual, Disabled, Boot, System."),
    col("account", doc="Account it runs as (StartName)."),
    col("path", doc="Binary path with arguments."),
    col("type", doc="Own Process, Share Process, Kernel Driver, ..."),
    col("state", doc="Running, Stopped, ...", volatile=True),
    col("pid", "int", "Process id.", volatile=True),
])

USERS = _t("win_users", "Local user accounts (Win32_UserAccount, LocalAccount=True).", ["name"], [
    col("name", doc="Account name."),
    col("sid", doc="SID."),
    col("full_name", doc="Full name."),
    col("description", doc="Description."),
    col("disabled", "bool", "Disabled."),
    col("locked_out", "bool", "Locked out.", volatile=True),
    col("password_required", "bool", "A password is required."),
    col("password_expires", "bool", "The password expires."),
    col("password_changeable", "bool", "The user may change the password."),
])

GROUPS = _t("win_groups", "Local groups (Win32_Group, LocalAccount=True).", ["name"], [
    col("name", doc="Group name."),
    col("sid", doc="SID."),
    col("description", doc="Description."),
])

GROUP_MEMBERS = _t("win_group_members", "Direct members of local groups (Win32_GroupUser).",
                   ["group", "member"], [
    col("group", doc="Local group."),
    col("group_sid", doc="Group SID."),
    col("member", doc="DOMAIN\\name of the member."),
    col("member_sid", doc="Member SID."),
    col("kind", doc="user, group or system (well-known account)."),
])

SHARES = _t("win_shares", "Shares (Win32_Share).", ["name"], [
    col("name", doc="Share name."),
    col("path", doc="Local path."),
    col("description", doc="Description."),
    col("type", doc="disk, printer, device, ipc (with -admin for administrative shares)."),
    col("special", "bool", "Administrative share (C$, ADMIN$, IPC$)."),
    col("share_acl", doc="'read' when its security descriptor is in the registry (rows in "
        "win_share_acl), 'default' when the share has none (Everyone: read)."),
])

_ACE = [
    col("ace", doc="The entry in one line: type;flags;mask;SID (owner rows: owner;;;SID)."),
    col("type", doc="owner, allow, deny, ..."),
    col("trustee", doc="Well-known name of the SID, else the SID."),
    col("trustee_sid", doc="SID."),
    col("rights", "list", "Readable rights: full-control, change, read, ..."),
    col("mask", doc="Access mask in hex."),
    col("flags", doc="OI, CI, IO, NP, ID."),
    col("inherited", "bool", "Inherited (ID)."),
    col("position", "int", "Place in the DACL (0 = first; None for owner rows). Volatile: an "
        "inserted entry shifts the later ones.", volatile=True),
]

SHARE_ACL = _t("win_share_acl", "Share-level ACL entries (LanmanServer\\Shares\\Security).",
               ["share", "ace"], [col("share", doc="Share name."), *_ACE])

PATHS = _t("win_paths", "Folders whose NTFS ACL was read: the scope's `paths` and every disk "
           "share's folder (Get-Acl).", ["path"], [
    col("path", doc="Local path."),
    col("owner", doc="Owner SID."),
    col("protected", "bool", "DACL protected from inheritance."),
    col("aces", "int", "DACL entries; None without a DACL."),
    col("sddl", doc="The descriptor as SDDL (owner, group, DACL)."),
    col("error", doc="Why the ACL could not be read; None when read."),
])

NTFS_ACL = _t("win_ntfs_acl", "NTFS ACL entries of the folders in win_paths (owner rows too).",
              ["path", "ace"], [col("path", doc="Local path."), *_ACE])

FW_PROFILES = _t("win_firewall_profiles", "Windows Firewall profiles (local settings and group "
                 "policy).", ["profile"], [
    col("profile", doc="domain, private (StandardProfile) or public."),
    col("enabled", "bool", "Firewall on, policy first (None: not set anywhere, Windows' "
        "default is on)."),
    col("local_enabled", "bool", "EnableFirewall of the local settings."),
    col("policy_enabled", "bool", "EnableFirewall set by group policy, None when not set."),
    col("inbound", doc="Default inbound action: block or allow (None: not set)."),
    col("outbound", doc="Default outbound action: block or allow (None: not set)."),
    col("notifications", "bool", "Notifications shown."),
])

FW_RULES = _t("win_firewall_rules", "Firewall rules with their port, address and program "
              "filters (Get-NetFirewallRule).", ["name"], [
    col("name", doc="Rule id (Name)."),
    col("display_name", doc="Display name."),
    col("group", doc="Rule group."),
    col("enabled", "bool", "Enabled."),
    col("direction", doc="inbound or outbound."),
    col("action", doc="allow or block."),
    col("profiles", doc="Any, Domain, Private, Public (comma-separated)."),
    col("protocol", doc="TCP, UDP, Any, ..."),
    col("local_ports", "list", "Local ports."),
    col("remote_ports", "list", "Remote ports."),
    col("local_addresses", "list", "Local addresses."),
    col("remote_addresses", "list", "Remote addresses."),
    col("program", doc="Program path."),
    col("source", doc="PolicyStore source: local, group policy, ..."),
])

TASKS = _t("win_tasks", "Scheduled tasks with action, principal and triggers (Get-ScheduledTask).",
           ["path", "name"], [
    col("path", doc="Task folder (\\Microsoft\\Windows\\...)."),
    col("name", doc="Task name."),
    col("enabled", "bool", "Enabled (state is not Disabled)."),
    col("author", doc="Author."),
    col("run_as", doc="Principal (user id or group)."),
    col("run_level", doc="Limited or Highest."),
    col("actions", "list", "Command lines it runs (program and arguments)."),
    col("triggers", "list", "Triggers (kind and start)."),
    col("state", doc="Ready, Running, Disabled.", volatile=True),
    col("last_run", doc="Last run time.", volatile=True),
    col("next_run", doc="Next run time.", volatile=True),
    col("last_result", "int", "Last result code.", volatile=True),
])

LISTENERS = _t("win_listeners", "Listening TCP ports and bound UDP ports with the owning process "
               "(Get-NetTCPConnection, Get-NetUDPEndpoint).", ["proto", "address", "port"], [
    col("proto", doc="tcp or udp."),
    col("address", doc="Local address."),
    col("port", "int", "Local port."),
    col("process", doc="Owning process name."),
    col("pid", "int", "Owning process id.", volatile=True),
])

CONNECTIONS = _t("win_connections", "Established TCP connections with the owning process.",
                 ["local_address", "local_port", "remote_address", "remote_port"], [
    col("local_address", doc="Local address."),
    col("local_port", "int", "Local port."),
    col("remote_address", doc="Remote address."),
    col("remote_port", "int", "Remote port."),
    col("process", doc="Owning process name."),
    col("pid", "int", "Owning process id.", volatile=True),
], volatile_rows=True)

CERTS = _t("win_certs", "Certificates in LocalMachine\\My.", ["thumbprint"], [
    col("thumbprint", doc="SHA-1 thumbprint."),
    col("subject", doc="Subject."),
    col("issuer", doc="Issuer."),
    col("serial", doc="Serial number."),
    col("not_before", doc="Valid from."),
    col("not_after", doc="Valid until."),
    col("has_private_key", "bool", "The machine holds its private key."),
    col("friendly_name", doc="Friendly name."),
    col("dns_names", "list", "DNS names (SAN)."),
])

AUTORUNS = _t("win_autoruns", "Run and RunOnce keys (machine, 32-bit, loaded users) and the "
              "common Startup folder.", ["location", "name"], [
    col("location", doc="Registry key or folder."),
    col("name", doc="Value or file name."),
    col("command", doc="Command line (value data); None for a Startup file."),
])

FEATURES = _t("win_features", "Installed Windows features and roles (Get-WindowsFeature on "
              "servers, Win32_OptionalFeature elsewhere).", ["name"], [
    col("name", doc="Feature name."),
    col("display_name", doc="Display name."),
    col("kind", doc="Role, Role Service, Feature or optional."),
])

DEFENDER = _t("win_defender", "Microsoft Defender status (Get-MpComputerStatus, one row).",
              ["id"], [
    ID,
    col("service_enabled", "bool", "Antimalware service enabled."),
    col("antivirus_enabled", "bool", "Antivirus enabled."),
    col("realtime_enabled", "bool", "Real-time protection on."),
    col("tamper_protected", "bool", "Tamper protection on."),
    col("product_version", doc="Antimalware client version."),
    col("signature_version", doc="Antivirus signature version.", volatile=True),
    col("signature_updated", doc="Signatures last updated.", volatile=True),
])

SETTINGS = _t("win_settings", "Security-relevant registry values (Winlogon autologon, RDP, SMB, "
              "WinRM, LSA, UAC). A stored password is never read in clear: the target sends "
              "it hex-encoded behind 'password=', which the transcript masking replaces with "
              "its keyed hash.", ["name"], [
    col("name", doc="Key\\value, e.g. Winlogon\\AutoAdminLogon."),
    col("value", doc="Value as text (a password: its keyed hash)."),
])

EVENTS = _t("win_events", "Events that say who changed what (Security: accounts, groups, "
            "audit policy, services; System: service installed, shutdown by a user; "
            "Application: MSI installs and removals) within the window read (event_hours). "
            "A log, not a state: rows come and go with the window, so they are volatile; the "
            "diff uses them to say who made a change (views/attribution.py).",
            ["log", "record_id"], [
    col("log", doc="Security, System or Application."),
    col("record_id", "int", "Event record id."),
    col("event_id", "int", "Event id (4720 user created, 4732 member added, ...)."),
    col("time", doc="When it was logged (UTC)."),
    col("what", doc="What happened, in words."),
    col("by", doc="DOMAIN\\user who did it."),
    col("subject", doc="What it was done to (account, group member, service, product)."),
    col("group", doc="The group, for membership changes."),
], volatile_rows=True)

TABLES: tuple[Table, ...] = (
    OS, COMPUTER, CPU, MEMORY, DISKS, VOLUMES, ADAPTERS, ADDRESSES, ROUTES, HOTFIXES, SOFTWARE,
    APPX, SERVICES, USERS, GROUPS, GROUP_MEMBERS, SHARES, SHARE_ACL, PATHS, NTFS_ACL,
    FW_PROFILES, FW_RULES, TASKS, LISTENERS, CONNECTIONS, CERTS, AUTORUNS, FEATURES, DEFENDER,
    SETTINGS, EVENTS,
)
