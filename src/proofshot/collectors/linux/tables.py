"""Table declarations of the Linux collector, as data (docs and diff rules read them).

Conventions: a single-row table has the key column `id` with a fixed value; text that a
person wrote (rules, config lines) is keyed by its normalized text plus an occurrence number
`n`, so adding one line shows as one added row; positions that shift when a line is inserted
above are volatile (shown, never counted as a change).
"""

from __future__ import annotations

from proofshot.model.table import Table, col, table

C = "linux"

OS = table("os", "Operating system, kernel and host identity (one row).", ["id"], [
    col("id", doc="Always 'os'."),
    col("hostname", doc="Kernel host name (/proc/sys/kernel/hostname)."),
    col("domainname", doc="NIS domain name, None when unset."),
    col("os_id", doc="ID from os-release (debian, rhel, ...)."),
    col("os_version", doc="VERSION_ID from os-release."),
    col("os_name", doc="PRETTY_NAME from os-release."),
    col("os_codename", doc="VERSION_CODENAME from os-release, if any."),
    col("kernel_name", doc="uname -s."),
    col("kernel_release", doc="uname -r."),
    col("kernel_version", doc="uname -v (build string)."),
    col("arch", doc="uname -m."),
    col("machine_id", doc="/etc/machine-id."),
    col("timezone", doc="Time zone from /etc/timezone or the /etc/localtime link."),
    col("boot_id", doc="Random id of this boot; changes on reboot.", volatile=True),
    col("uptime_seconds", "real", "Seconds since boot.", volatile=True),
], collector=C)

SYSCTL = table("sysctl", "Kernel parameters (sysctl -a).", ["name"], [
    col("name", doc="Parameter name, dotted (net.ipv4.ip_forward)."),
    col("value", doc="Value as printed; None for known counters (see moving_value)."),
    col("moving_value", doc="Value of parameters that move by themselves (counters, random).",
        volatile=True),
], collector=C)

CPU = table("cpu", "Logical processors (/proc/cpuinfo).", ["processor"], [
    col("processor", "int", "Logical processor number."),
    col("vendor", doc="vendor_id (GenuineIntel, AuthenticAMD, ...)."),
    col("model_name", doc="Model name string."),
    col("family", doc="CPU family."),
    col("model", doc="Model number."),
    col("stepping", doc="Stepping."),
    col("microcode", doc="Microcode revision; changes on microcode updates."),
    col("physical_id", "int", "Socket number."),
    col("core_id", "int", "Core number within the socket."),
    col("cores", "int", "Cores per socket."),
    col("flags", "list", "Feature flags."),
    col("mhz", "real", "Current clock in MHz.", volatile=True),
], collector=C)

MEMORY = table("memory", "Memory and swap sizes (/proc/meminfo, one row).", ["id"], [
    col("id", doc="Always 'memory'."),
    col("total_kb", "int", "MemTotal in KiB."),
    col("swap_total_kb", "int", "SwapTotal in KiB."),
    col("hugepages_total", "int", "HugePages_Total."),
    col("hugepage_size_kb", "int", "Hugepagesize in KiB."),
    col("available_kb", "int", "MemAvailable in KiB.", volatile=True),
    col("free_kb", "int", "MemFree in KiB.", volatile=True),
    col("buffers_kb", "int", "Buffers in KiB.", volatile=True),
    col("cached_kb", "int", "Cached in KiB.", volatile=True),
    col("swap_free_kb", "int", "SwapFree in KiB.", volatile=True),
], collector=C)

DMI = table("dmi", "Hardware identity from DMI/SMBIOS (/sys/class/dmi/id, one row).", ["id"], [
    col("id", doc="Always 'dmi'."),
    col("sys_vendor", doc="System manufacturer."),
    col("product_name", doc="System product name."),
    col("product_version", doc="System version."),
    col("product_serial", doc="System serial number (root only)."),
    col("product_uuid", doc="System UUID (root only)."),
    col("board_vendor", doc="Mainboard manufacturer."),
    col("board_name", doc="Mainboard name."),
    col("board_serial", doc="Mainboard serial (root only)."),
    col("bios_vendor", doc="BIOS/UEFI vendor."),
    col("bios_version", doc="BIOS/UEFI version."),
    col("bios_date", doc="BIOS/UEFI release date."),
    col("chassis_type", doc="SMBIOS chassis type code."),
    col("chassis_serial", doc="Chassis serial (root only)."),
], collector=C)

BLOCK_DEVICES = table("block_devices", "Block devices (lsblk); a device with two parents "
                      "(RAID, multipath) has one row per parent.", ["name", "parent"], [
    col("name", doc="Kernel device name (sda1, dm-0, ...)."),
    col("parent", doc="Parent kernel name, '' for a top-level device."),
    col("label_name", doc="Name as lsblk shows it (mapper names, e.g. vg-root)."),
    col("type", doc="disk, part, lvm, crypt, raid1, rom, loop, ..."),
    col("size", "int", "Size in bytes."),
    col("fstype", doc="Filesystem or content signature (ext4, LVM2_member, swap, ...)."),
    col("mountpoint", doc="Where it is mounted, if at all."),
    col("uuid", doc="Filesystem UUID."),
    col("label", doc="Filesystem label."),
    col("model", doc="Device model."),
    col("serial", doc="Device serial (may need root)."),
    col("read_only", "bool", "Read-only device."),
], collector=C)

FILESYSTEMS = table("filesystems", "Mounted filesystems (findmnt; the visible mount per "
                    "target) with space and inode use.", ["target"], [
    col("target", doc="Mount point."),
    col("source", doc="Device or source (/dev/sda1, tmpfs, server:/export)."),
    col("fstype", doc="Filesystem type."),
    col("options", "list", "Mount options."),
    col("size", "int", "Size in bytes."),
    col("used", "int", "Used bytes.", volatile=True),
    col("avail", "int", "Bytes available to unprivileged users.", volatile=True),
    col("inodes", "int", "Number of inodes (None where the filesystem has no fixed count)."),
    col("inodes_used", "int", "Inodes in use.", volatile=True),
    col("inodes_free", "int", "Inodes free.", volatile=True),
], collector=C)

PACKAGES = table("packages", "Installed packages (dpkg and/or rpm).",
                 ["manager", "name", "arch", "slot"], [
    col("manager", doc="dpkg or rpm."),
    col("name", doc="Package name."),
    col("arch", doc="Architecture (amd64, x86_64, all, noarch, ...)."),
    col("slot", doc="'' normally; the version when several versions of one name and arch "
        "are installed side by side (kernels, gpg-pubkey)."),
    col("version", doc="Version ([epoch:]version-release)."),
    col("status", doc="dpkg status abbreviation (ii, rc, hi, ...); 'ii' for rpm."),
    col("source", doc="Source package (dpkg Source, rpm SOURCERPM), if known."),
], collector=C)

USERS = table("users", "Local accounts (/etc/passwd) with password state derived from "
              "/etc/shadow on the target (the hash never leaves the host).", ["name"], [
    col("name", doc="Login name."),
    col("uid", "int", "User id."),
    col("gid", "int", "Primary group id."),
    col("gecos", doc="Comment/full name field."),
    col("home", doc="Home directory."),
    col("shell", doc="Login shell."),
    col("password_state", doc="set, empty (no password needed!), locked ('!' before a hash) "
        "or none (no password: '*', '!', '!!'); None when /etc/shadow was not readable."),
    col("last_change", "int", "Days since 1970-01-01 of the last password change."),
    col("min_days", "int", "Minimum days between password changes."),
    col("max_days", "int", "Maximum password age in days."),
    col("warn_days", "int", "Warning period in days."),
    col("inactive_days", "int", "Days after expiry until the account is disabled."),
    col("expire", "int", "Account expiry, days since 1970-01-01."),
], collector=C)

GROUPS = table("groups", "Local groups (/etc/group).", ["name"], [
    col("name", doc="Group name."),
    col("gid", "int", "Group id."),
    col("members", "list", "Members listed in /etc/group (not primary-group users)."),
], collector=C)

GROUP_MEMBERS = table("group_members", "Who is in which local group, by listing or by "
                      "primary gid.", ["group", "user"], [
    col("group", doc="Group name (or the numeric gid when no group has it)."),
    col("user", doc="User name."),
    col("via", doc="member (listed in /etc/group), primary (passwd gid) or both."),
], collector=C)

SUDOERS = table("sudoers", "sudo rules, defaults, aliases and includes from /etc/sudoers "
                "and /etc/sudoers.d (the files sudo reads).", ["file", "text", "n"], [
    col("file", doc="File the line is in."),
    col("text", doc="The logical line, continuations joined, blanks collapsed."),
    col("n", "int", "Occurrence of this text in the file (1 unless repeated)."),
    col("kind", doc="defaults, alias, include or rule."),
    col("principal", doc="For rules: the user, %group or alias the rule is for."),
    col("line", "int", "Line number; shifts when lines are inserted above.", volatile=True),
], collector=C)

SERVICES = table("services", "Services: systemd units and SysV init scripts.",
                 ["manager", "name"], [
    col("manager", doc="systemd or sysv."),
    col("name", doc="Unit name (ssh.service) or init script name (ssh)."),
    col("enabled", doc="Unit file state (enabled, disabled, static, masked, alias, ...); "
        "for sysv: enabled when a start link exists in some runlevel, else disabled."),
    col("active", doc="active, inactive, failed, ...; None when systemd is not running."),
    col("sub", doc="Sub state (running, exited, dead, ...); None when unknown."),
    col("description", doc="Unit description when systemd reports it."),
    col("runlevels", "list", "SysV runlevels with a start link."),
], collector=C)

LISTENING = table("listening", "Listening TCP and bound UDP sockets (ss -tulpn), without "
                  "the UDP sockets of clients (see udp_client_sockets).",
                  ["proto", "address", "port"], [
    col("proto", doc="tcp or udp (tcp6/udp6 are folded in: see address)."),
    col("address", doc="Local address (0.0.0.0, ::, *, 127.0.0.1, maybe with %interface)."),
    col("port", "int", "Local port."),
    col("processes", "list", "Process names holding the socket (needs root)."),
    col("sockets", "int", "Number of sockets on this address (SO_REUSEPORT).", volatile=True),
    col("pids", "list", "Process ids holding the socket.", volatile=True),
], collector=C)

UDP_CLIENTS = table("udp_client_sockets", "Unconnected UDP sockets of clients (ss -tulpn): "
                    "bound by a process on a port of the host's ephemeral range "
                    "(net.ipv4.ip_local_port_range), e.g. one per snmpbulkwalk run. Not "
                    "services: kept apart from `listening`, and their coming and going is "
                    "volatile.", ["proto", "address", "port"], [
    col("proto", doc="udp."),
    col("address", doc="Local address."),
    col("port", "int", "Local port, inside the ephemeral range."),
    col("processes", "list", "Process names holding the socket."),
    col("sockets", "int", "Number of sockets on this address.", volatile=True),
    col("pids", "list", "Process ids holding the socket.", volatile=True),
], collector=C, volatile_rows=True)

INTERFACES = table("interfaces", "Network interfaces (ip -d link).", ["name"], [
    col("name", doc="Interface name."),
    col("kind", doc="Link kind (veth, bridge, bond, vlan, ...), None for plain devices."),
    col("link_type", doc="ether, loopback, none, ..."),
    col("mac", doc="Hardware address."),
    col("mtu", "int", "MTU."),
    col("state", doc="Operational state (UP, DOWN, UNKNOWN)."),
    col("flags", "list", "Interface flags."),
    col("master", doc="Bridge or bond this interface is enslaved to."),
    col("ifindex", "int", "Kernel index; changes when an interface is recreated.",
        volatile=True),
], collector=C)

ADDRESSES = table("addresses", "IP addresses on interfaces (ip addr).",
                  ["interface", "address"], [
    col("interface", doc="Interface name."),
    col("address", doc="Address with prefix length (192.0.2.10/24, fe80::1/64)."),
    col("family", doc="inet or inet6."),
    col("scope", doc="global, link, host."),
    col("label", doc="Address label (eth0:1), if any."),
    col("dynamic", "bool", "Assigned dynamically (DHCP/SLAAC)."),
    col("valid_lifetime", "int", "Seconds the address stays valid.", volatile=True),
], collector=C)

ROUTES = table("routes", "Routes of every routing table (ip route show table all).",
               ["family", "table", "type", "dst", "dev", "metric"], [
    col("family", doc="inet or inet6."),
    col("table", doc="Routing table (main, local, or a number)."),
    col("type", doc="unicast, local, broadcast, multicast, blackhole, unreachable, ..."),
    col("dst", doc="Destination prefix, 'default' for the default route."),
    col("dev", doc="Output device, '' when none."),
    col("metric", "int", "Metric (0 when not printed)."),
    col("gateway", doc="Next hop, if any."),
    col("nexthops", "list", "Multipath next hops as 'gateway@dev'."),
    col("protocol", doc="Who installed it (kernel, boot, static, dhcp, bird, ...)."),
    col("scope", doc="Route scope."),
    col("prefsrc", doc="Preferred source address."),
    col("flags", "list", "Route flags (onlink, linkdown, ...)."),
], collector=C)

DNS = table("dns", "Resolver configuration (/etc/resolv.conf) and the hosts line of "
            "/etc/nsswitch.conf.", ["source", "keyword", "value"], [
    col("source", doc="File the line is in."),
    col("keyword", doc="nameserver, search, domain, options, sortlist, or nsswitch:DB."),
    col("value", doc="The value (one row per search domain or option)."),
    col("position", "int", "Order among lines with this keyword; resolvers are tried in "
        "order, so a reordering is a change."),
], collector=C)

HOSTS = table("hosts", "Static name entries (/etc/hosts), one row per address and name.",
              ["address", "name"], [
    col("address", doc="IP address."),
    col("name", doc="Host name or alias."),
    col("canonical", "bool", "True for the first (canonical) name on the line."),
], collector=C)

TIME_SYNC = table("time_sync", "Time sources configured for chrony, ntpd/ntpsec, "
                  "openntpd or systemd-timesyncd.", ["file", "kind", "server"], [
    col("file", doc="Configuration file."),
    col("kind", doc="server, pool, peer, NTP or FallbackNTP (timesyncd)."),
    col("server", doc="Server or pool name/address."),
    col("options", "list", "Options after the server (iburst, prefer, ...)."),
], collector=C)

FIREWALL_RULES = table("firewall_rules", "Firewall rules from nftables (nft list ruleset) "
                       "and iptables-save/ip6tables-save. Counters are volatile; a rule "
                       "is keyed by its text, so adding one rule adds one row.",
                       ["source", "family", "table", "chain", "rule", "n"], [
    col("source", doc="nft, iptables or ip6tables."),
    col("family", doc="ip, ip6, inet, arp, bridge, netdev."),
    col("table", doc="Table name."),
    col("chain", doc="Chain name; '' for table-level objects (sets, maps)."),
    col("rule", doc="Rule text with counters removed; 'policy X' for a chain policy, "
        "'hook ...' for a base chain's declaration, 'set NAME {...}' for sets."),
    col("n", "int", "Occurrence of this rule text in the chain (1 unless repeated)."),
    col("kind", doc="rule, policy, chain, set, map or other."),
    col("position", "int", "Position in the chain; shifts when rules are inserted above.",
        volatile=True),
    col("packets", "int", "Packet counter, if shown.", volatile=True),
    col("bytes", "int", "Byte counter, if shown.", volatile=True),
], collector=C)

CRON = table("cron", "Scheduled jobs: /etc/crontab, /etc/cron.d, user crontabs, anacrontab "
             "and the cron.hourly/daily/weekly/monthly directories.", ["file", "entry", "n"], [
    col("file", doc="File the entry is in (or the script path for cron.* directories)."),
    col("entry", doc="The line, blanks collapsed."),
    col("n", "int", "Occurrence of this entry in the file."),
    col("kind", doc="job, env (VAR=value) or script (cron.daily and friends)."),
    col("user", doc="User the job runs as (from the line or the crontab's owner name)."),
    col("schedule", doc="Five time fields, @keyword, or the cron.* period."),
    col("command", doc="Command run."),
], collector=C)

SSH_CONFIG = table("ssh_config", "sshd settings: effective (sshd -T) and declared in "
                   "sshd_config and its includes.", ["source", "match", "keyword", "n"], [
    col("source", doc="'effective' (sshd -T) or the file the line is in."),
    col("match", doc="The Match condition the line is under, '' for global."),
    col("keyword", doc="Keyword in lower case."),
    col("n", "int", "Occurrence of the keyword (HostKey, ListenAddress may repeat)."),
    col("value", doc="The value as written."),
], collector=C)

KERNEL_MODULES = table("kernel_modules", "Loaded kernel modules (/proc/modules).", ["name"], [
    col("name", doc="Module name."),
    col("size", "int", "Size in bytes."),
    col("used_by", "list", "Modules that use this one."),
    col("state", doc="Live, Loading, Unloading."),
    col("refcount", "int", "Reference count.", volatile=True),
], collector=C)

CERTIFICATES = table("certificates", "X.509 certificates in *.pem, *.crt, *.cer files under "
                     "the inventoried trees (the first certificate of each file; CA bundles "
                     "and symlinks into the CA store are skipped).", ["path"], [
    col("path", doc="Certificate file."),
    col("subject", doc="Subject DN (RFC 2253)."),
    col("issuer", doc="Issuer DN (RFC 2253)."),
    col("not_before", doc="Start of validity (openssl text, GMT)."),
    col("not_after", doc="End of validity (openssl text, GMT)."),
    col("serial", doc="Serial number in hex."),
    col("fingerprint", doc="SHA-256 fingerprint of the DER certificate."),
], collector=C)

FILES = table("files", "Files under the inventoried trees (scope option files, default "
              "/etc), one filesystem per tree.", ["path"], [
    col("path", doc="Absolute path."),
    col("type", doc="file, dir, link, fifo, socket, char, block."),
    col("mode", doc="Permission bits in octal with special bits, e.g. '0644', '4755'."),
    col("owner", doc="Owner name (or uid when unknown)."),
    col("group", doc="Group name (or gid when unknown)."),
    col("size", "int", "Size in bytes (None for directories)."),
    col("sha256", doc="SHA-256 of a regular file's content; None when it could not be read."),
    col("link_target", doc="Target of a symbolic link."),
    col("text", doc="Content of small (<= max size) world-readable text files, line by line; "
        "a missing final newline is not shown (the sha256 still tells).", lines=True,
        detail_of="sha256"),
    col("mtime", "real", "Modification time, seconds since the epoch.", volatile=True),
], collector=C)

POSIX_ACLS = table("posix_acls", "Extended POSIX ACL entries of the files and directories "
                   "under the inventoried trees (getfacl); only files with more than the base "
                   "entries have rows. user:: and other:: are the mode bits in files and are "
                   "left out; the owning group's entry is kept when a mask exists (the mode's "
                   "group bits then show the mask).", ["path", "entry"], [
    col("path", doc="Absolute path (getfacl's octal escapes decoded)."),
    col("entry", doc="Entry tag without the permissions: user:NAME, group:NAME, mask, group "
        "(owning group), and with a 'default:' prefix the inheritance template of a "
        "directory (default:user, default:user:NAME, default:group, default:mask, "
        "default:other, ...)."),
    col("kind", doc="user, group, mask or other."),
    col("name", doc="User or group the entry names (a number when the id has no name); "
        "None for the owner, the owning group, mask and other."),
    col("default", "bool", "True for a default (inherited by new files) entry."),
    col("perms", doc="Permissions as written, e.g. 'rwx', 'r-x'."),
    col("effective", doc="Permissions left after the mask (getfacl's #effective); the same as "
        "perms where no mask applies; None for mask entries (a limit, not a grant)."),
], collector=C)

CONNECTIONS = table("connections", "Established TCP connections (ss state established), "
                    "aggregated to service level: one row per direction, local address, peer "
                    "and service port; the ephemeral port is never kept.",
                    ["direction", "local_address", "remote_address", "port"], [
    col("direction", doc="in (a peer uses a service of this host) or out (this host uses a "
        "peer's service)."),
    col("local_address", doc="Local address (IPv4-mapped IPv6 shown as IPv4)."),
    col("remote_address", doc="Peer address."),
    col("port", "int", "Service port: the local one for in, the peer's for out."),
    col("processes", "list", "Local processes holding the sockets (needs root)."),
    col("basis", doc="How the service side was told: listening (the local port is listened "
        "on) or lower-port (heuristic, when listening sockets were not read)."),
    col("count", "int", "Number of sockets (connections) aggregated.", volatile=True),
], collector=C, volatile_rows=True)

NEIGHBORS = table("neighbors", "Neighbour (ARP/NDP) cache (ip -j neigh): who answered on the "
                  "link. Entries without a link-layer address are left out.",
                  ["interface", "address"], [
    col("interface", doc="Interface name."),
    col("address", doc="Neighbour IP address."),
    col("mac", doc="Link-layer address."),
    col("family", doc="inet or inet6."),
    col("router", "bool", "The neighbour said it is a router (NDP)."),
    col("state", doc="REACHABLE, STALE, DELAY, PERMANENT, ... (moves by itself).",
        volatile=True),
], collector=C, volatile_rows=True)

LLDP_NEIGHBORS = table("lldp_neighbors", "LLDP neighbours that lldpd heard on each local "
                       "interface (lldpcli -f json show neighbors details); the same rows the "
                       "paths view draws from a switch's LLDP-MIB.",
                       ["local_port_id", "chassis_id", "port_id"], [
    col("local_port_id", doc="Local interface the neighbour was heard on."),
    col("chassis_id", doc="Neighbour chassis id (MAC aa:bb:.., address, or text)."),
    col("chassis_id_subtype", doc="mac, ip, ifname, local, ... (lldpd's names)."),
    col("port_id", doc="Neighbour port id (name, MAC or text)."),
    col("port_id_subtype", doc="mac, ifname, ifalias, local, ... (lldpd's names)."),
    col("port_descr", doc="Neighbour port description."),
    col("sys_name", doc="Neighbour system name."),
    col("sys_descr", doc="Neighbour system description."),
    col("capabilities", "list", "Enabled system capabilities (bridge, router, ...)."),
    col("mgmt_addresses", "list", "Management addresses the neighbour announces."),
    col("via", doc="Protocol the neighbour was heard by (LLDP, CDPv2, ...)."),
    col("age", doc="Time since the neighbour was first heard (moves by itself).",
        volatile=True),
], collector=C)

TABLES: tuple[Table, ...] = (
    OS, SYSCTL, CPU, MEMORY, DMI, BLOCK_DEVICES, FILESYSTEMS, PACKAGES, USERS, GROUPS,
    GROUP_MEMBERS, SUDOERS, SERVICES, LISTENING, INTERFACES, ADDRESSES, ROUTES, DNS, HOSTS,
    TIME_SYNC, FIREWALL_RULES, CRON, SSH_CONFIG, KERNEL_MODULES, CERTIFICATES, FILES,
    POSIX_ACLS, CONNECTIONS, NEIGHBORS, LLDP_NEIGHBORS, UDP_CLIENTS,
)
