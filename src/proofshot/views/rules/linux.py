"""Rules over the Linux tables."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

from proofshot.model.table import Row
from proofshot.views import firewall
from proofshot.views.paths import routable
from proofshot.views.rules.base import Check, Context, Hit, Rule, hit
from proofshot.views.snapshot import TargetData

PSEUDO_FS = frozenset({"proc", "sysfs", "devpts", "cgroup", "cgroup2", "securityfs", "debugfs",
                       "tracefs", "pstore", "bpf", "mqueue", "hugetlbfs", "configfs", "fusectl",
                       "autofs", "binfmt_misc", "efivarfs", "rpc_pipefs", "nsfs", "overlay",
                       "squashfs", "iso9660", "ramfs"})
THRESHOLD = 0.90


def _fs_space(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("filesystems"):
        for r in t.rows("filesystems"):
            used, avail = r.get("used"), r.get("avail")
            if r.get("fstype") in PSEUDO_FS or not isinstance(used, int) or \
                    not isinstance(avail, int) or used + avail <= 0:
                continue
            if used / (used + avail) > THRESHOLD:
                yield hit(t, str(r["target"]), "filesystems", [r],
                          f"{100 * used // (used + avail)}% used")


def _fs_inodes(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("filesystems"):
        for r in t.rows("filesystems"):
            total, used = r.get("inodes"), r.get("inodes_used")
            if r.get("fstype") in PSEUDO_FS or not isinstance(total, int) or \
                    not isinstance(used, int) or total <= 0:
                continue
            if used / total > THRESHOLD:
                yield hit(t, str(r["target"]), "filesystems", [r],
                          f"{100 * used // total}% of inodes used")


def cert_time(text: str | None) -> datetime | None:
    """openssl's 'Dec 31 23:59:59 2049 GMT'."""
    if not text:
        return None
    try:
        return datetime.strptime(" ".join(text.replace(" GMT", "").split()),
                                 "%b %d %H:%M:%S %Y").replace(tzinfo=UTC)
    except ValueError:
        return None


def _certs(ctx: Context, expired: bool) -> Iterator[Hit]:
    now = ctx.snap.now
    for t in ctx.targets("certificates"):
        for r in t.rows("certificates"):
            end = cert_time(r.get("not_after"))
            if end is None:
                continue
            if expired and end <= now:
                yield hit(t, str(r["path"]), "certificates", [r], f"expired {end:%Y-%m-%d}")
            elif not expired and now < end <= now + timedelta(days=30):
                yield hit(t, str(r["path"]), "certificates", [r], f"expires {end:%Y-%m-%d}")


def _failed_services(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("services"):
        for r in t.rows("services"):
            if r.get("active") == "failed" or r.get("sub") == "failed":
                yield hit(t, str(r["name"]), "services", [r])


def version_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sortable key of a version string: numbers compare as numbers."""
    return tuple((0, int(p)) if p.isdigit() else (1, p)
                 for p in re.findall(r"\d+|[a-z]+", text.lower()))


_DEB_KERNEL = re.compile(r"^linux-image-(\d+\.\d+[^\s]*)$")


def _kernel_release(r: Row) -> str | None:
    name = str(r.get("name") or "")
    m = _DEB_KERNEL.match(name)
    if m and not m.group(1).endswith("-unsigned"):
        return m.group(1)
    if name in ("kernel", "kernel-core") and r.get("manager") == "rpm":
        ver = str(r.get("version") or "").split(":", 1)[-1]
        return f"{ver}.{r.get('arch')}"
    return None


def _reboot(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("os", "packages"):
        running = next((str(r.get("kernel_release") or "") for r in t.rows("os")), "")
        if not running:
            continue
        kernels = [(rel, r) for r in t.rows("packages")
                   if r.get("status") in ("ii", None) and (rel := _kernel_release(r))]
        if not any(rel == running for rel, _ in kernels):
            continue  # running kernel not from a package here: cannot compare
        newer = [(rel, r) for rel, r in kernels if version_key(rel) > version_key(running)]
        if newer:
            rel, r = max(newer, key=lambda x: version_key(x[0]))
            h = hit(t, "kernel", "packages", [r], f"kernel {rel} installed, {running} running")
            h.evidence += hit(t, "", "os", t.rows("os")).evidence
            yield h


def _effective(t_rows: Sequence[Row], keyword: str) -> Row | None:
    eff = [r for r in t_rows if r.get("source") == "effective" and r.get("keyword") == keyword
           and not r.get("match")]
    return eff[0] if eff else None


def _sshd(keyword: str, bad: tuple[str, ...]) -> Check:
    def check(ctx: Context) -> Iterator[Hit]:
        for t in ctx.targets("ssh_config"):
            rows = t.rows("ssh_config")
            r = _effective(rows, keyword)
            if r is None:  # no effective settings (sshd -T refused): the last declared value
                decl = [x for x in rows if x.get("source") != "effective"
                        and x.get("keyword") == keyword and not x.get("match")]
                r = decl[0] if decl else None  # sshd: first value wins
            if r is not None and str(r.get("value", "")).lower() in bad:
                yield hit(t, f"{keyword} {r['value']}", "ssh_config", [r])
    return check


def _mode(r: Row) -> int | None:
    try:
        return int(str(r.get("mode")), 8)
    except ValueError:
        return None


_SECRET_FILES = ("/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-")


def _in_etc(path: str) -> bool:
    return path == "/etc" or path.startswith("/etc/")


def _private(path: str) -> bool:
    return path in _SECRET_FILES or "/private/" in path or \
        path.endswith(".key") or (path.endswith("_key") and "/ssh/" in path)


def _files_needed(r: Row) -> bool:
    """The `files` rows any files rule looks at (the union of their path conditions): the
    rules read these from one pass per target (`Context.kept`), not one pass each."""
    path = str(r.get("path"))
    return _in_etc(path) or _private(path) or path.endswith("snmpd.conf")


def _files(ctx: Context, t: TargetData) -> list[Row]:
    return ctx.kept(t, "files", _files_needed)


def _world_writable(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("files"):
        for r in _files(ctx, t):
            m = _mode(r)
            path = str(r.get("path"))
            if m is None or r.get("type") in ("link", "socket", "char", "block", "fifo"):
                continue
            if not _in_etc(path):
                continue
            if m & 0o002 and not (r.get("type") == "dir" and m & 0o1000):
                yield hit(t, f"{path} mode {r.get('mode')}", "files", [r])


def _secret_readable(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("files"):
        for r in _files(ctx, t):
            path = str(r.get("path"))
            m = _mode(r)
            if m is None or r.get("type") != "file":
                continue
            if _private(path) and m & 0o004:
                yield hit(t, f"{path} mode {r.get('mode')}", "files", [r])


_NOPASSWD_ALL = re.compile(r"NOPASSWD\s*:\s*(?:[^,]*,\s*)*ALL\s*$")


def _sudo_nopasswd(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("sudoers"):
        for r in t.rows("sudoers"):
            if r.get("kind") == "rule" and _NOPASSWD_ALL.search(str(r.get("text", ""))):
                yield hit(t, f"{r.get('principal')} in {r.get('file')}", "sudoers", [r])


# `Defaults[:users] !authenticate` (or `!!!authenticate`): sudo asks nobody (those users) for a
# password, whatever the rules' tags say but PASSWD:
_AUTH_OFF = re.compile(r"^Defaults(?:[:@>!]\S+)?\s.*?(?<![!\w])(?:!!)*!authenticate\b")


def _sudo_authenticate_off(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("sudoers"):
        for r in t.rows("sudoers"):
            text = str(r.get("text", ""))
            if r.get("kind") == "defaults" and _AUTH_OFF.search(text):
                yield hit(t, f"{text.split()[0]} in {r.get('file')}", "sudoers", [r])


def _empty_password(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("users"):
        for r in t.rows("users"):
            if r.get("password_state") == "empty":
                yield hit(t, str(r["name"]), "users", [r])


def _uid0(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("users"):
        for r in t.rows("users"):
            if r.get("uid") == 0 and r.get("name") != "root":
                yield hit(t, str(r["name"]), "users", [r])


def _dup_uid(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("users"):
        by: dict[int, list[Row]] = defaultdict(list)
        for r in t.rows("users"):
            if isinstance(r.get("uid"), int) and r["uid"] != 0:
                by[r["uid"]].append(r)
        for uid, rows in sorted(by.items()):
            if len(rows) > 1:
                names = ", ".join(sorted(str(r["name"]) for r in rows))
                yield hit(t, f"uid {uid}: {names}", "users", rows)


_TIME_SERVICES = ("chrony", "chronyd", "ntp", "ntpd", "ntpsec", "openntpd",
                  "systemd-timesyncd")


def _time_sync(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("time_sync"):
        if t.rows("time_sync"):
            svc = [r for r in t.rows("services")
                   if str(r.get("name", "")).removesuffix(".service") in _TIME_SERVICES]
            if t.has("services") and svc and all(r.get("active") in ("inactive", "failed")
                                                 for r in svc):
                yield hit(t, "time sources configured, no time service running", "services",
                          svc)
            continue
        yield Hit(t.name, "no time source configured", [])


def _exposed_rows(t_rows: Sequence[Row]) -> list[Row]:
    out = []
    for r in t_rows:
        addr = str(r.get("address", "")).split("%", 1)[0]
        if addr in ("0.0.0.0", "::", "*") and r.get("proto") == "tcp":
            out.append(r)
    return out


def _all_addresses(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("listening"):
        for r in _exposed_rows(t.rows("listening")):
            if r.get("port") == 22 and "sshd" in (r.get("processes") or []):
                continue  # remote administration: expected on every address
            procs = ",".join(r.get("processes") or []) or "?"
            yield hit(t, f"tcp/{r['port']} ({procs}) on {r['address']}", "listening", [r])


def _blocked_listeners(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("listening", "firewall_rules"):
        fw = firewall.input_chains(t.rows("firewall_rules"))
        seen: set[tuple[str, int]] = set()
        for r in t.rows("listening"):
            addr = str(r.get("address", "")).split("%", 1)[0]
            if not (routable(addr) or addr in ("0.0.0.0", "::", "*")):
                continue
            key = (str(r.get("proto")), int(r.get("port") or 0))
            if key in seen:
                continue
            v = firewall.verdict(fw, key[0], key[1], "ip6" if ":" in addr else "ip")
            if v.firewall and not v.allowed:
                seen.add(key)
                h = hit(t, f"{key[0]}/{key[1]} ({','.join(r.get('processes') or []) or '?'})",
                        "listening", [r])
                h.evidence += hit(t, "", "firewall_rules", v.rules).evidence
                yield h


def _no_firewall(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("listening", "firewall_rules"):
        exposed = [r for r in t.rows("listening") if r.get("proto") == "tcp" and (
            routable(str(r.get("address", ""))) or str(r.get("address")).split("%")[0]
            in ("0.0.0.0", "::", "*"))]
        if exposed and not firewall.input_chains(t.rows("firewall_rules")):
            yield hit(t, "no input filter", "listening", exposed,
                      f"{len(exposed)} TCP service(s) reachable")


_BROKEN_DPKG = re.compile(r"^.[UFHWt]|^..R")


def _broken_packages(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("packages"):
        for r in t.rows("packages"):
            if r.get("manager") == "dpkg" and _BROKEN_DPKG.match(str(r.get("status") or "")):
                yield hit(t, str(r["name"]), "packages", [r], f"{r.get('version')} ({r['status']})")


_SNMPD = re.compile(r"^\s*(rocommunity6?|rwcommunity6?|com2sec6?\s+\S+\s+\S+)\s+(\S+)",
                    re.IGNORECASE)
WEAK_COMMUNITIES = ("public", "private")


def _snmp_public(ctx: Context) -> Iterator[Hit]:
    weak: dict[str, str] = {c: c for c in WEAK_COMMUNITIES}
    if ctx.keyed_hash is not None:
        weak.update({ctx.keyed_hash(c): c for c in WEAK_COMMUNITIES})
    for t in ctx.targets("files"):
        for r in _files(ctx, t):
            path = str(r.get("path"))
            if not path.endswith("snmpd.conf") or not isinstance(r.get("text"), str):
                continue
            for n, line in enumerate(str(r["text"]).splitlines(), 1):
                m = _SNMPD.match(line)
                if m and m.group(2) in weak:
                    h = hit(t, f"{path}:{n} {m.group(1).split()[0]} {weak[m.group(2)]}",
                            "files", [r])
                    h.evidence[0]["line"] = n
                    yield h


RULES: tuple[Rule, ...] = (
    Rule("fs-space", "high", "Filesystem over 90% full",
         "Free space or grow the filesystem before the work; a full disk stops services.",
         ("filesystems",), _fs_space),
    Rule("fs-inodes", "high", "Filesystem over 90% of its inodes used",
         "Remove many small files (sessions, caches, mail queues) or rebuild with more inodes.",
         ("filesystems",), _fs_inodes),
    Rule("cert-expired", "high", "Certificate expired",
         "Renew the certificate and reload the services that use it; remove it if unused.",
         ("certificates",), lambda c: _certs(c, True)),
    Rule("cert-expiring", "medium", "Certificate expires within 30 days",
         "Renew the certificate before it expires.", ("certificates",),
         lambda c: _certs(c, False)),
    Rule("service-failed", "high", "Service failed",
         "Read its log (journalctl -u NAME), fix the cause, restart or disable it.",
         ("services",), _failed_services),
    Rule("reboot-pending", "medium", "Newer kernel installed than running (reboot pending)",
         "Plan a reboot so the installed kernel (and its security fixes) runs.",
         ("os", "packages"), _reboot),
    Rule("ssh-password-auth", "medium", "SSH allows password authentication",
         "Set PasswordAuthentication no after keys are in place.", ("ssh_config",),
         _sshd("passwordauthentication", ("yes",))),
    Rule("ssh-root-login", "high", "SSH allows root login with a password",
         "Set PermitRootLogin no (or prohibit-password) and use named accounts with sudo.",
         ("ssh_config",), _sshd("permitrootlogin", ("yes",))),
    Rule("ssh-empty-passwords", "critical", "SSH permits empty passwords",
         "Set PermitEmptyPasswords no.", ("ssh_config",),
         _sshd("permitemptypasswords", ("yes",))),
    Rule("etc-world-writable", "high", "World-writable file or directory in /etc",
         "chmod o-w the path; find out who needed it writable.", ("files",), _world_writable),
    Rule("secret-file-readable", "high", "Password or private key file readable by everyone",
         "chmod o-r (shadow 0640 root:shadow, private keys 0600).", ("files",),
         _secret_readable),
    Rule("sudo-nopasswd-all", "high", "sudo rule grants ALL commands without a password",
         "Require the password or limit the rule to the commands needed.", ("sudoers",),
         _sudo_nopasswd),
    Rule("sudo-authenticate-off", "high", "sudo asks for no password (Defaults !authenticate)",
         "Remove !authenticate; give NOPASSWD only to the commands that need it.",
         ("sudoers",), _sudo_authenticate_off),
    Rule("user-empty-password", "critical", "Account with an empty password",
         "Lock the account (passwd -l) or set a password.", ("users",), _empty_password),
    Rule("user-uid0", "critical", "Account with UID 0 besides root",
         "Remove the account or give it its own UID; use sudo for administration.",
         ("users",), _uid0),
    Rule("user-duplicate-uid", "medium", "Several accounts share one UID",
         "Give each account its own UID; shared UIDs blur who did what.", ("users",),
         _dup_uid),
    Rule("time-not-synced", "medium", "Time not synchronised (no NTP source or service)",
         "Configure chrony or systemd-timesyncd; logs and certificates depend on the clock.",
         ("time_sync",), _time_sync),
    Rule("listen-all-addresses", "low", "Service listens on all addresses",
         "Bind the service to the addresses that need it (often 127.0.0.1).",
         ("listening",), _all_addresses),
    Rule("listen-blocked", "low", "Listening service not allowed by the host's firewall",
         "Either the service is not needed from the network (bind it to localhost or stop "
         "it) or the firewall lacks a rule: find out which, before someone 'fixes' it.",
         ("listening", "firewall_rules"), _blocked_listeners),
    Rule("no-host-firewall", "low", "Services reachable and no host firewall",
         "Add an input filter (nftables) that allows only the services needed.",
         ("listening", "firewall_rules"), _no_firewall),
    Rule("package-broken", "medium", "Package half-installed or half-configured",
         "Finish or repair the installation (dpkg --configure -a, apt-get -f install).",
         ("packages",), _broken_packages),
    Rule("snmp-community-public", "high", "SNMP community 'public' or 'private' configured",
         "Use SNMPv3 with authentication, or at least a random community limited to the "
         "management network.", ("files",), _snmp_public),
)
