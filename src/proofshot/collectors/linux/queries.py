"""Declared read-only queries of the Linux collector.

Every query is an argv or ("sh", "-c", STATIC_SCRIPT, "sh", ARGS...): the script text is fixed
here; scope options (trees to inventory, size limits) travel only as positional arguments, so
the command set stays reviewable. Nothing here writes to the target: no temp files, no state.
Scripts assume plain POSIX sh, LC_ALL=C, GNU find/coreutils, grep, awk (mawk is enough).
"""

from __future__ import annotations

from collections.abc import Sequence

from proofshot.model.transcript import Query

DEFAULT_FILES = ("/etc",)
DEFAULT_MAX_TEXT = 64 * 1024

# Keep only the positional arguments (trees) that exist; exit 0 when none is left.
_EXISTING = (
    '_ps_init=; for r do if [ -z "$_ps_init" ]; then _ps_init=1; set --; fi; '
    'if [ -e "$r" ] || [ -L "$r" ]; then set -- "$@" "$r"; fi; done; '
    '[ "$#" -gt 0 ] || exit 0; '
)


def sh(script: str, *args: str) -> tuple[str, ...]:
    """argv for a static script; args become "$@" (never spliced into the script)."""
    return ("sh", "-c", script, "sh", *args)


_OS_SCRIPT = r"""s() { printf '==> %s <==\n' "$1"; }
s os-release; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null
s kernel-name; uname -s
s kernel-release; uname -r
s kernel-version; uname -v
s arch; uname -m
s hostname; cat /proc/sys/kernel/hostname
s domainname; cat /proc/sys/kernel/domainname 2>/dev/null
s machine-id; cat /etc/machine-id 2>/dev/null
s boot-id; cat /proc/sys/kernel/random/boot_id 2>/dev/null
s uptime; cat /proc/uptime
s localtime; readlink /etc/localtime 2>/dev/null
s timezone; cat /etc/timezone 2>/dev/null
exit 0
"""

_DMI_SCRIPT = r"""[ -d /sys/class/dmi/id ] || { echo 'no /sys/class/dmi/id' >&2; exit 3; }
for f in sys_vendor product_name product_version product_serial product_uuid board_vendor \
  board_name board_serial bios_vendor bios_version bios_date chassis_type chassis_serial; do
  if [ -r "/sys/class/dmi/id/$f" ]; then
    printf '%s=%s\n' "$f" "$(cat "/sys/class/dmi/id/$f" 2>/dev/null)"
  fi
done
exit 0
"""

_SHADOW_SCRIPT = r"""awk -F: 'NF >= 2 {
  p = $2
  if (p == "") st = "empty"
  else if (p == "*" || p == "!" || p == "!!" || p == "!*" || p == "x") st = "none"
  else if (substr(p, 1, 1) == "!" || substr(p, 1, 1) == "*") st = "locked"
  else st = "set"
  print $1 ":" st ":" $3 ":" $4 ":" $5 ":" $6 ":" $7 ":" $8
}' /etc/shadow
"""

_SUDOERS_SCRIPT = _EXISTING + (
    "find \"$@\" -maxdepth 1 -type f ! -name '*~' ! -name '*.*' -exec grep -H -Z -e '' {} +"
)
SUDOERS_PATHS = ("/etc/sudoers", "/etc/sudoers.d")

# Unit files (with their symlink targets), every symlink one or two levels down (aliases and
# the *.wants/, *.requires/, *.upholds/ enablement links) and the [Install] lines of every
# service unit file: enough to derive what `systemctl list-unit-files` says when systemd is
# not running (see parsers.services).
_UNIT_FILES_SCRIPT = _EXISTING + r"""printf '==> units <==\n'
find "$@" -maxdepth 1 -name '*.service' ! -type d -printf '%p\t%l\n'
printf '==> links <==\n'
find "$@" -mindepth 1 -maxdepth 2 -type l -printf '%p\t%l\n'
printf '==> install <==\n'
find "$@" -maxdepth 1 -name '*.service' -type f -exec awk '
  FNR == 1 { s = 0 }
  /^[ \t]*\[/ { s = ($0 ~ /^[ \t]*\[Install\][ \t]*$/); next }
  s && /^[ \t]*(WantedBy|RequiredBy|UpheldBy|Alias|Also|DefaultInstance)[ \t]*=/ {
    print FILENAME "\t" $0 }' {} +
exit 0
"""
UNIT_DIRS = (
    "/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system",
    "/usr/lib/systemd/system",
)

# systemctl enumerates the unit files itself when systemd is not running (~0.4 s of CPU):
# then unit_files has all it needs and this answers "absent" (exit 3).
_SYSTEMCTL_FILES_SCRIPT = r"""[ -d /run/systemd/system ] || {
  echo 'systemd is not running (no /run/systemd/system): see unit_files' >&2; exit 3; }
exec systemctl list-unit-files --type=service --no-legend --no-pager
"""

_SYSV_SCRIPT = r"""s() { printf '==> %s <==\n' "$1"; }
s scripts
for d in /etc/init.d /etc/rc.d/init.d; do
  [ -d "$d" ] && [ ! -L "$d" ] && find "$d" -maxdepth 1 -type f -perm -0100 -print
done
s links
for d in /etc/rc0.d /etc/rc1.d /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d /etc/rc6.d \
  /etc/rcS.d /etc/rc.d/rc0.d /etc/rc.d/rc1.d /etc/rc.d/rc2.d /etc/rc.d/rc3.d \
  /etc/rc.d/rc4.d /etc/rc.d/rc5.d /etc/rc.d/rc6.d; do
  [ -d "$d" ] && find "$d" -maxdepth 1 -name 'S*' -print
done
exit 0
"""

_GREP_FILES = _EXISTING + "grep -H -Z -e '' \"$@\""
RESOLVER_FILES = ("/etc/resolv.conf", "/etc/nsswitch.conf")
TIME_FILES = (
    "/etc/chrony.conf", "/etc/chrony/chrony.conf", "/etc/ntp.conf", "/etc/ntpsec/ntp.conf",
    "/etc/openntpd/ntpd.conf", "/etc/ntpd.conf", "/etc/systemd/timesyncd.conf",
)
_TIME_SCRIPT = (
    "for d in /etc/chrony/conf.d /etc/chrony/sources.d /etc/systemd/timesyncd.conf.d; do "
    "if [ -d \"$d\" ]; then for f in \"$d\"/*.conf \"$d\"/*.sources; do "
    "if [ -f \"$f\" ]; then set -- \"$@\" \"$f\"; fi; done; fi; done; "
    + _GREP_FILES
)

_CRON_SCRIPT = r"""s() { printf '==> %s <==\n' "$1"; }
s lines
set --
for p in /etc/crontab /etc/anacrontab /etc/cron.d /var/spool/cron/crontabs /var/spool/cron; do
  [ -e "$p" ] && set -- "$@" "$p"
done
if [ "$#" -gt 0 ]; then
  find "$@" -maxdepth 1 -type f ! -name '*~' ! -name '.*' -exec grep -H -Z -e '' {} +
fi
s scripts
for p in /etc/cron.hourly /etc/cron.daily /etc/cron.weekly /etc/cron.monthly; do
  [ -d "$p" ] && find "$p" -maxdepth 1 -type f ! -name '.*' -print
done
exit 0
"""

SSHD_FILES = ("/etc/ssh/sshd_config",)
_SSHD_SCRIPT = (
    "if [ -d /etc/ssh/sshd_config.d ]; then for f in /etc/ssh/sshd_config.d/*.conf; do "
    "if [ -f \"$f\" ]; then set -- \"$@\" \"$f\"; fi; done; fi; "
    + _GREP_FILES
)

_CERTS_SCRIPT = _EXISTING + r"""command -v openssl >/dev/null 2>&1 || {
  echo 'openssl: not found' >&2; exit 127; }
find "$@" -xdev -type f \( -name '*.pem' -o -name '*.crt' -o -name '*.cer' \) \
  ! -name 'ca-certificates.crt' ! -name 'ca-bundle*' ! -name 'tls-ca-bundle.pem' \
  ! -path '*/pki/ca-trust/extracted/*' -print |
while IFS= read -r f; do
  out=$(openssl x509 -in "$f" -noout -subject -issuer -startdate -enddate -serial \
    -fingerprint -sha256 -nameopt RFC2253 2>/dev/null) || continue
  printf '==> %s <==\n%s\n' "$f" "$out"
done
exit 0
"""

_FILES_META = _EXISTING + (
    "find \"$@\" -xdev -printf '%y\\0%p\\0%m\\0%u\\0%g\\0%s\\0%l\\0%T@\\0'"
)
_FILES_SHA = _EXISTING + "find \"$@\" -xdev -type f -print0 | xargs -0 -r sha256sum -z"
_FILES_TEXT = (
    'max=$1; shift; ' + _EXISTING
    + 'find "$@" -xdev -type f -size "-$((max + 1))c" -perm -0004 -print0 '
    "| xargs -0 -r grep -I -H -Z -e ''"
)

# Exit 3 when getfacl is missing (package acl): the table is then unsupported, not empty.
# --one-file-system matches find -xdev of the files queries; --physical skips symlinks.
_GETFACL = _EXISTING + r"""command -v getfacl >/dev/null 2>&1 || {
  echo 'getfacl: not found (package acl)' >&2; exit 3; }
exec getfacl --absolute-names --skip-base --physical --recursive --one-file-system -- "$@"
"""


def queries(files: Sequence[str] = DEFAULT_FILES, max_text: int = DEFAULT_MAX_TEXT) -> list[Query]:
    """All queries of one plan. `files`: trees to inventory; `max_text`: largest file whose
    text is kept."""
    roots = tuple(files)
    return [
        Query("os", sh(_OS_SCRIPT), "os-release, uname, host name, machine id, uptime."),
        Query("sysctl", ("sysctl", "-a"), "All kernel parameters.", privileged=True,
              batch=False),
        Query("cpuinfo", ("cat", "/proc/cpuinfo"), "Logical processors."),
        Query("meminfo", ("cat", "/proc/meminfo"), "Memory and swap sizes."),
        Query("dmi", sh(_DMI_SCRIPT), "DMI/SMBIOS identity (serials need root).",
              privileged=True, absent_codes=(3,)),
        Query("lsblk", ("lsblk", "-P", "-b", "-o",
                        "NAME,KNAME,PKNAME,TYPE,SIZE,FSTYPE,MOUNTPOINT,UUID,LABEL,MODEL,"
                        "SERIAL,RO"), "Block devices."),
        Query("findmnt", ("findmnt", "-P", "-b", "-o",
                          "TARGET,SOURCE,FSTYPE,OPTIONS,SIZE,USED,AVAIL"),
              "Mounted filesystems with sizes."),
        Query("df_inodes", ("df", "-P", "-i"), "Inode use per filesystem.", ok_codes=(0, 1)),
        Query("dpkg", ("dpkg-query", "-W", "-f",
                       "${Package}\\t${Architecture}\\t${Version}\\t${db:Status-Abbrev}\\t"
                       "${Source}\\n"), "Debian packages."),
        Query("rpm", ("rpm", "-qa", "--qf",
                      "%{NAME}\\t%{ARCH}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\tii\\t"
                      "%{SOURCERPM}\\n"), "RPM packages."),
        Query("passwd", ("cat", "/etc/passwd"), "Local accounts."),
        Query("shadow", sh(_SHADOW_SCRIPT), "Password state and aging per account, derived "
              "on the target; the hash is never printed.", privileged=True),
        Query("group", ("cat", "/etc/group"), "Local groups."),
        Query("sudoers", sh(_SUDOERS_SCRIPT, *SUDOERS_PATHS), "sudoers and sudoers.d lines.",
              privileged=True, ok_codes=(0, 1)),
        Query("systemd_unit_files", sh(_SYSTEMCTL_FILES_SCRIPT),
              "Service unit files and their enablement, from systemctl when systemd runs "
              "(else derived from unit_files: offline systemctl is slow).", absent_codes=(3,)),
        Query("systemd_units", ("systemctl", "list-units", "--type=service", "--all",
                                "--no-legend", "--no-pager", "--plain"),
              "Runtime state of service units (needs systemd as PID 1)."),
        Query("unit_files", sh(_UNIT_FILES_SCRIPT, *UNIT_DIRS),
              "Service unit files on disk (when systemctl is absent)."),
        Query("sysv", sh(_SYSV_SCRIPT), "SysV init scripts and their start links."),
        Query("ss", ("ss", "-tulpn"), "Listening TCP/UDP sockets with processes.",
              privileged=True),
        Query("ss_established", ("ss", "-H", "-tnp", "state", "established"),
              "Established TCP connections with processes.", privileged=True),
        Query("ip_neigh", ("ip", "-j", "neigh", "show"), "Neighbour (ARP/NDP) cache."),
        Query("ip_link", ("ip", "-j", "-d", "link", "show"), "Interfaces."),
        Query("ip_addr", ("ip", "-j", "addr", "show"), "Addresses."),
        Query("ip_route4", ("ip", "-j", "-4", "route", "show", "table", "all"), "IPv4 routes."),
        Query("ip_route6", ("ip", "-j", "-6", "route", "show", "table", "all"), "IPv6 routes."),
        Query("resolver", sh(_GREP_FILES, *RESOLVER_FILES), "resolv.conf and nsswitch.conf.",
              ok_codes=(0, 1)),
        Query("etc_hosts", ("cat", "/etc/hosts"), "Static host names."),
        Query("time_sync", sh(_TIME_SCRIPT, *TIME_FILES), "NTP client configuration.",
              ok_codes=(0, 1)),
        Query("nft", ("nft", "list", "ruleset"), "nftables ruleset.", privileged=True),
        Query("iptables", ("iptables-save",), "IPv4 iptables rules.", privileged=True),
        Query("ip6tables", ("ip6tables-save",), "IPv6 ip6tables rules.", privileged=True),
        Query("cron", sh(_CRON_SCRIPT), "System and user crontabs, cron.* directories.",
              privileged=True),
        Query("sshd_effective", ("sshd", "-T"), "sshd's effective settings.", privileged=True),
        Query("sshd_config", sh(_SSHD_SCRIPT, *SSHD_FILES), "sshd_config and its .d files.",
              privileged=True, ok_codes=(0, 1)),
        Query("modules", sh("[ -e /proc/modules ] || { echo 'no /proc/modules' >&2; exit 3; }\n"
                            "cat /proc/modules"), "Loaded kernel modules.", absent_codes=(3,)),
        Query("certs", sh(_CERTS_SCRIPT, *roots), "X.509 certificates in the trees.",
              privileged=True, timeout=300.0, batch=False),
        Query("files_meta", sh(_FILES_META, *roots), "Metadata of every file in the trees "
              "(privileged: root-only directories such as /etc/ssl/private are descended).",
              privileged=True, ok_codes=(0, 1), timeout=300.0, batch=False),
        Query("files_sha256", sh(_FILES_SHA, *roots), "SHA-256 of every regular file; "
              "unreadable files are left out (exit 123).", privileged=True,
              ok_codes=(0, 123), timeout=600.0, batch=False),
        Query("files_text", sh(_FILES_TEXT, str(max_text), *roots),
              "Text of small world-readable text files, one record per line.",
              ok_codes=(0, 1, 123), timeout=300.0, batch=False),
        Query("getfacl", sh(_GETFACL, *roots), "POSIX ACLs of every file in the trees that has "
              "more than the base entries (exit 1: some part could not be read; exit 3: no "
              "getfacl).", privileged=True, ok_codes=(0, 1), absent_codes=(3,), timeout=300.0,
              batch=False),
    ]
