"""Declared read-only queries of the Linux collector.

Every query is an argv or ("sh", "-c", STATIC_SCRIPT, "sh", ARGS...): the script text is fixed
here; scope options (trees to inventory, size limits) travel only as positional arguments, so
the command set stays reviewable. Nothing here writes to the target: no temp files, no state.
Scripts assume plain POSIX sh, LC_ALL=C, GNU find/coreutils, grep, awk (mawk is enough).
"""

from __future__ import annotations

from collections.abc import Sequence

from proofshot.model.transcript import DEFAULT_KEEP_BYTES, Format, Query

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

# A Debian host's package database cannot be empty (dpkg is a package in it): an empty or
# missing /var/lib/dpkg/status (a broken mount, a restored image) is a failure (exit 4), never
# "no packages". Not a dpkg host at all: absent (exit 3).
_DPKG_SCRIPT = r"""command -v dpkg-query >/dev/null 2>&1 || { echo 'dpkg-query: not installed' >&2; exit 3; }
[ -d /var/lib/dpkg ] || [ -e /etc/debian_version ] || { echo 'not a dpkg host' >&2; exit 3; }
[ -s /var/lib/dpkg/status ] || {
  echo 'dpkg database /var/lib/dpkg/status is missing or empty' >&2; exit 4; }
exec dpkg-query -W -f '${Package}\t${Architecture}\t${Version}\t${db:Status-Abbrev}\t${Source}\n'
"""

# rpm on a dpkg host (installed as a tool, no database) is not applicable; on an rpm host a
# missing or empty database is a failure (exit 4), never "no packages".
_RPM_DBS = ("/var/lib/rpm/rpmdb.sqlite /var/lib/rpm/Packages /var/lib/rpm/Packages.db "
            "/usr/lib/sysimage/rpm/rpmdb.sqlite /usr/lib/sysimage/rpm/Packages.db")
_RPM_SCRIPT = r"""command -v rpm >/dev/null 2>&1 || { echo 'rpm: not installed' >&2; exit 3; }
db=; for f in """ + _RPM_DBS + r"""; do [ -s "$f" ] && db=$f; done
if [ -z "$db" ]; then
  if [ -s /var/lib/dpkg/status ] || [ -e /etc/debian_version ]; then
    echo 'rpm installed, but no rpm database: a dpkg host' >&2; exit 3; fi
  echo 'rpm database missing or empty' >&2; exit 4
fi
exec rpm -qa --qf '%{NAME}\t%{ARCH}\t%{EPOCH}:%{VERSION}-%{RELEASE}\tii\t%{SOURCERPM}\n'
"""

# With systemd running (/run/systemd/system exists) its answer is required: "Failed to
# connect to bus" is a failure, not "no units". Without systemd: absent (exit 3).
_SYSTEMD_UNITS_SCRIPT = r"""[ -d /run/systemd/system ] || {
  echo 'systemd is not running (no /run/systemd/system)' >&2; exit 3; }
exec systemctl list-units --type=service --all --no-legend --no-pager --plain
"""

# lldpd's neighbours, where lldpd runs (its control socket answers); else absent (exit 3).
_LLDP_SCRIPT = r"""command -v lldpcli >/dev/null 2>&1 || { echo 'lldpcli: not installed' >&2; exit 3; }
[ -S /run/lldpd.socket ] || [ -S /var/run/lldpd.socket ] || {
  echo 'lldpd is not running (no /run/lldpd.socket)' >&2; exit 3; }
exec lldpcli -f json show neighbors details
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

# One walk for metadata, hashes, POSIX ACLs and text where python3 (>= 3.5) runs: FILES_WALK_PY
# prints the header record `psw3`, then per file the 8 fields of the `find -printf` below (the
# same bytes: %u/%g names through a cache, where find asks NSS once per file), a ninth, the
# SHA-256 of a readable regular file ('' otherwise), and a tenth, the file's identity
# `DEV:INODE:CTIME_NS` (with size and mtime: what --trust-metadata compares with the previous
# snapshot's; never a column, so it never shows as a change). After the last file, the record
# `=`, FLAGS (`a`: the ACLs were read, `t`: the text), the ACL section and the text section:
#   - ACLs (os.listxattr/getxattr of system.posix_acl_access and, on directories, _default;
#     symlinks skipped, one filesystem per tree): one block per file with more than the base
#     entries, as `getfacl --skip-base` prints it (`# file:` with getfacl's quoting, then the
#     entries with names resolved here, `#effective:` where the mask cuts), so the same parser
#     and the same masking give the same rows. getfacl then answers nothing (exit 5).
#   - text: only where the walker runs as the user files_text would (_WALKER_TEXT: root, not
#     through sudo from another user): the small world-readable regular files, as
#     `grep -I -H -Z -e ''` prints them (`PATH\0LINE\n` per line; no text for an empty file or
#     a NUL in the first 32 KiB, every grep's first buffer; a NUL further on or any non-ASCII
#     byte, where grep's answer depends on its version and locale: grep itself is asked, in the
#     locale files_text has, LC_CTYPE undone from python's coercion). files_text then answers
#     nothing (exit 5); elsewhere FLAGS has no `t` and files_text runs as before. Past
#     FILES_MAX_BYTES of text (files_text's own bound) the walker keeps none: flag `T`, and
#     the files table is partial ("files_text: truncated"), as a cut files_text answer made it.
# files_sha256 answers nothing (the hashes came with the metadata). With a first argument
# `--meta-only` (trust_metadata) no file is read: the ninth field stays '', no text;
# files_sha256 and files_text read what the client asks for. Without python3 (or with an
# older one): find, sha256sum in files_sha256, grep in files_text, getfacl.
# Arguments: --hash|--meta-only, MAX_TEXT ('-': no text), LC_CTYPE set ('' or 1), its value,
# roots. The program has no single quote (it sits in one); a crash exits 70, never an ok code.
FILES_WALK_PY = (r"""import sys
if sys.version_info < (3, 5):
    sys.exit(97)
import errno, grp, hashlib, os, pwd, stat
T = {stat.S_IFREG: b"f", stat.S_IFDIR: b"d", stat.S_IFLNK: b"l", stat.S_IFIFO: b"p",
     stat.S_IFSOCK: b"s", stat.S_IFCHR: b"c", stat.S_IFBLK: b"b"}
NAMES = ({}, {})
OUT = [b"psw3\0"]
HASH = sys.argv[1] == "--hash"
TXMAX = -1 if sys.argv[2] == "-" else int(sys.argv[2])
TXCAP = [TEXT_CAP_BYTES]  # text kept at most; past it none (flag T: cut)
LCSET, LCVAL = sys.argv[3], sys.argv[4]
ROOTS = sys.argv[5:]
GX = getattr(os, "getxattr", None)
LX = getattr(os, "listxattr", None)
ACL = []
TEXT = []
ERR = []
W = sys.stdout.buffer.write
RD = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NOCTTY", 0) | os.O_NONBLOCK
NOACL = {getattr(errno, n) for n in ("ENODATA", "ENOTSUP", "EOPNOTSUPP") if hasattr(errno, n)}
XA, XD = "system.posix_acl_access", "system.posix_acl_default"
PERM = [b"---", b"--x", b"-w-", b"-wx", b"r--", b"r-x", b"rw-", b"rwx"]
TAG = {1: b"user", 2: b"user", 4: b"group", 8: b"group", 16: b"mask", 32: b"other"}


def name(i, k):
    n = NAMES[k].get(i)
    if n is None:
        try:
            n = os.fsencode((pwd.getpwuid, grp.getgrgid)[k](i)[0])
        except (KeyError, OverflowError):
            n = str(i).encode()
        NAMES[k][i] = n
    return n


def quote(s, ctl):
    if not any(c in s for c in ctl) and 92 not in s:
        return s
    return b"".join(b"\\\\" if c == 92 else (b"\\%03o" % c if c in ctl else bytes((c,)))
                    for c in s)


def grep(p):
    import subprocess
    env = dict(os.environ)
    env.pop("LC_CTYPE", None)
    if LCSET:
        env["LC_CTYPE"] = LCVAL
    try:
        return subprocess.Popen(["grep", "-I", "-H", "-Z", "-e", "", p], stdout=-1, stderr=-3,
                                env=env).communicate()[0]
    except OSError:
        return b""


def is_ascii(b):
    try:
        b.decode("ascii")
    except ValueError:
        return False
    return True


ASCII = getattr(bytes, "isascii", is_ascii)


def text(p, b):
    n = b.find(b"\0")
    if not b or 0 <= n < 32768:
        return
    if 0 <= n or not ASCII(b):
        b = grep(p)
    else:
        pre = p + b"\0"
        if b[-1:] != b"\n":
            b += b"\n"
        b = pre + b[:-1].replace(b"\n", b"\n" + pre) + b"\n"
    TXCAP[0] -= len(b)
    if TXCAP[0] < 0:
        del TEXT[:]
        return
    TEXT.append(b)


def digest(p, keep):
    try:
        fd = os.open(p, RD)
    except OSError:
        return b""
    try:
        h = hashlib.sha256()
        got = []
        while True:
            b = os.read(fd, 1048576)
            if not b:
                if keep:
                    text(p, b"".join(got))
                return h.hexdigest().encode()
            h.update(b)
            if keep:
                got.append(b)
    except OSError:
        return b""
    finally:
        os.close(fd)


def entries(a, mode, pre):
    if a is None:
        return [pre + b"user::" + PERM[mode // 64 & 7], pre + b"group::" + PERM[mode // 8 & 7],
                pre + b"other::" + PERM[mode & 7]]
    es = sorted((int.from_bytes(a[i:i + 2], "little"), int.from_bytes(a[i + 4:i + 8], "little"),
                 int.from_bytes(a[i + 2:i + 4], "little") & 7) for i in range(4, len(a) - 7, 8))
    mask = [m for t, i, m in es if t == 16]
    out = []
    for t, i, m in es:
        q = quote(name(i, t == 8), b" \t\n\r:,") if t in (2, 8) else b""
        line = pre + TAG.get(t, b"?") + b":" + q + b":" + PERM[m]
        if mask and t in (2, 4, 8) and m & mask[0] != m:
            line += b"\t#effective:" + PERM[m & mask[0]]
        out.append(line)
    return out


def acl(p, m, isdir):
    try:
        xs = LX(p, follow_symlinks=False)
        if not xs or (XA not in xs and XD not in xs):
            return
        a = GX(p, XA, follow_symlinks=False) if XA in xs else None
        d = (GX(p, XD, follow_symlinks=False) or None) if isdir and XD in xs else None
    except OSError as e:
        if e.errno not in NOACL:
            fail(p, e)
        return
    if a is not None and len(a) <= 28:
        a = None
    if a is None and d is None:
        return
    ACL.append(b"\n".join([b"# file: " + quote(p, b"\n\r")] + entries(a, m, b"")
                          + (entries(d, m, b"default:") if d is not None else [])) + b"\n\n")


def emit(p, st, dev):
    m = st.st_mode
    t = T.get(stat.S_IFMT(m), b"U")
    target = sha = b""
    if t == b"l":
        try:
            target = os.readlink(p)
        except OSError:
            pass
    else:
        if t == b"f" and HASH:
            sha = digest(p, m & 4 and st.st_size <= TXMAX and 0 <= TXCAP[0])
        if LX is not None and st.st_dev == dev:  # getfacl --one-file-system: not a mount
            acl(p, m, t == b"d")
    OUT.append(b"\0".join((t, p, b"%o" % (m & 4095), name(st.st_uid, 0), name(st.st_gid, 1),
                            b"%d" % st.st_size, target,
                            b"%d.%09d0" % divmod(st.st_mtime_ns, 1000000000), sha,
                            b"%d:%d:%d" % (st.st_dev, st.st_ino, st.st_ctime_ns), b"")))
    if 4096 < len(OUT):
        W(b"".join(OUT))
        del OUT[:]


def fail(p, e):
    ERR.append(1)
    sys.stderr.write("find: %r: %s\n" % (os.fsdecode(p), e.strerror))


def walk(d, dev):
    try:
        it = os.scandir(d)
    except OSError as e:
        fail(d, e)
        return
    pre = d if d.endswith(b"/") else d + b"/"
    for e in it:
        p = pre + e.name
        try:
            st = e.stat(follow_symlinks=False)
        except OSError as x:
            fail(p, x)
            continue
        emit(p, st, dev)
        if stat.S_ISDIR(st.st_mode) and st.st_dev == dev:
            walk(p, dev)


try:
    sys.setrecursionlimit(100000)
    for r in ROOTS:
        r = os.fsencode(r)
        try:
            st = os.lstat(r)
        except OSError as e:
            fail(r, e)
            continue
        emit(r, st, st.st_dev)
        if stat.S_ISDIR(st.st_mode):
            walk(r, st.st_dev)
    flags = ((b"t" if 0 <= TXCAP[0] else b"T") if HASH and 0 <= TXMAX else b"") + (
        b"a" if LX is not None else b"")
    OUT.append(b"=\0" + flags + b"\0" + b"".join(ACL) + b"\0" + b"".join(TEXT))
    W(b"".join(OUT))
    sys.stdout.flush()
except Exception:
    import traceback
    traceback.print_exc()
    sys.exit(70)
sys.exit(1 if ERR else 0)
""").replace("TEXT_CAP_BYTES", str(4 * DEFAULT_KEEP_BYTES))  # FILES_MAX_BYTES
assert "'" not in FILES_WALK_PY
# python3 >= 3.5, told from `python3 -V` (~1 ms: the interpreter is not started; older ones
# print the version on stderr, hence 2>&1)
_PY_WALKS = ("command -v python3 >/dev/null 2>&1 && case $(python3 -V 2>&1) in "
             "'Python 3.'[5-9]*|'Python 3.'[1-9][0-9]*) true;; *) false;; esac")

# Whether the walker keeps the text (it runs privileged; files_text does not): only as root not
# reached through sudo from another account (no SUDO_UID, or SUDO_UID 0): a local scan as root,
# SSH as root with or without sudo. files_text tests the same and then answers nothing.
_WALKER_TEXT = '[ "$(id -u)" = 0 ] && { [ -z "${SUDO_UID-}" ] || [ "$SUDO_UID" = 0 ]; }'
SKIPPED = 5  # files_text, getfacl: exit code "answered by files_meta's walker"


def _files_meta(mode: str) -> str:
    text = "tx=-; " if mode == "--meta-only" else f"tx=-; if {_WALKER_TEXT}; then tx=$max; fi; "
    return 'max=$1; shift; ' + _EXISTING + (
        f"if {_PY_WALKS}; then {text}python3 -I -S -c '{FILES_WALK_PY}' {mode} \"$tx\" "
        '"${LC_CTYPE+1}" "${LC_CTYPE-}" "$@"; rc=$?; '
        "[ \"$rc\" -eq 97 ] || exit \"$rc\"; fi; "
        "find \"$@\" -xdev -printf '%y\\0%p\\0%m\\0%u\\0%g\\0%s\\0%l\\0%T@\\0'"
    )


_FILES_META = _files_meta("--hash")
_FILES_META_ONLY = _files_meta("--meta-only")  # trust_metadata: files_sha256 reads the files

# trust_metadata, phase 2 (files_sha256): the SHA-256 of each path on stdin (NUL-separated,
# the paths the client found new or changed against the previous snapshot), as `sha256sum -z`
# prints them (`HASH  PATH\0`); an unreadable or no longer regular file is left out (exit 1).
# The program opens with O_NOFOLLOW|O_NONBLOCK as the walker does. Without python3: find -type f keeps the
# paths that are still regular files (no symlink, no fifo), sha256sum reads them (exit 123).
FILES_HASH_PY = r"""import sys
if sys.version_info < (3, 5):
    sys.exit(97)
import hashlib, os, stat
RD = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NOCTTY", 0) | os.O_NONBLOCK
W = sys.stdout.buffer.write
OUT = []
bad = 0
try:
    for p in sys.stdin.buffer.read().split(b"\0"):
        if not p:
            continue
        try:
            fd = os.open(p, RD)
        except OSError:
            bad = 1
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                bad = 1
                continue
            h = hashlib.sha256()
            while True:
                b = os.read(fd, 1048576)
                if not b:
                    break
                h.update(b)
            OUT.append(h.hexdigest().encode() + b"  " + p + b"\0")
        except OSError:
            bad = 1
        finally:
            os.close(fd)
        if 4096 < len(OUT):
            W(b"".join(OUT))
            del OUT[:]
    W(b"".join(OUT))
    sys.stdout.flush()
except Exception:
    import traceback
    traceback.print_exc()
    sys.exit(70)
sys.exit(bad)
"""
assert "'" not in FILES_HASH_PY
_FILES_HASH = (
    f"if {_PY_WALKS}; then exec python3 -I -S -c '{FILES_HASH_PY}'; fi; "
    # only what is still a regular file (a fifo would block sha256sum): find -type f per path
    "xargs -0 -r sh -c 'exec find \"$@\" -maxdepth 0 -type f -print0' sh "
    "| xargs -0 -r sha256sum -z"
)
_FILES_SHA = _EXISTING + (
    f"if {_PY_WALKS}; then exit 0; fi; "
    "find \"$@\" -xdev -type f -print0 | xargs -0 -r sha256sum -z"
)
_FILES_TEXT = (
    'max=$1; shift; ' + _EXISTING
    + f"if {_PY_WALKS} && {_WALKER_TEXT}; then exit {SKIPPED}; fi; "
    + 'find "$@" -xdev -type f -size "-$((max + 1))c" -perm -0004 -print0 '
    "| xargs -0 -r grep -I -H -Z -e ''"
)
# trust_metadata: the same, for the paths on stdin only (files_sha256's list: new files and
# those whose identity changed; the others keep the previous snapshot's text)
_FILES_TEXT_STDIN = (
    "max=$1; shift; xargs -0 -r sh -c 'm=$1; shift; exec find \"$@\" -maxdepth 0 -type f "
    "-size \"-$((m + 1))c\" -perm -0004 -print0' sh \"$max\" "
    "| xargs -0 -r grep -I -H -Z -e ''"
)

# Exit 3 when getfacl is missing (package acl): the table is then unsupported, not empty. Exit 5
# (nothing) where python3 runs: files_meta's walker reads the ACLs (see FILES_WALK_PY).
# --one-file-system matches find -xdev of the files queries; --physical skips symlinks.
_PY_ACLS = _PY_WALKS + ' && [ "$(uname -s)" = Linux ]'  # where os.listxattr exists
_GETFACL = _EXISTING + f"if {_PY_ACLS}; then exit {SKIPPED}; fi\n" + r"""
command -v getfacl >/dev/null 2>&1 || {
  echo 'getfacl: not found (package acl)' >&2; exit 3; }
exec getfacl --absolute-names --skip-base --physical --recursive --one-file-system -- "$@"
"""

# The file inventory's answers are held whole (not streamed): ~180 bytes of files_meta and of
# files_text per small text file, so 64 MiB is ~350k files; past it the answer is cut and the
# files table unreadable (16 MiB cut the text of a 100k-file tree: the table was partial).
# files_meta's walker answers both (metadata and text) where it keeps the text: twice this.
FILES_MAX_BYTES = 4 * DEFAULT_KEEP_BYTES
assert f"TXCAP = [{FILES_MAX_BYTES}]" in FILES_WALK_PY  # the walker's text: files_text's bound

# The declared shapes of the tools' answers (model.transcript.Format): an answer that does not
# have its tool's shape (garbage, a wrong encoding, a lost header) makes the table unreadable.
_PAIRS = Format(line=r'(?:[A-Z][A-Z0-9:%_-]*="[^"]*"\s*)+')
_JSON_LIST = Format(json=True, json_type="list")
_DENIED = ("permission denied",)
_IPTABLES = Format(line=r"(#.*|\*\w+|:\S+ .*|-[AINP] .*|COMMIT)")


def queries(files: Sequence[str] = DEFAULT_FILES, max_text: int = DEFAULT_MAX_TEXT,
            trust_metadata: bool = False) -> list[Query]:
    """All queries of one plan. `files`: trees to inventory; `max_text`: largest file whose
    text is kept; `trust_metadata`: files_meta reads no file (metadata and identities only)
    and files_sha256 reads the paths on its stdin (chosen by the client)."""
    roots = tuple(files)
    qs = _queries(roots, max_text)
    if not trust_metadata:
        return qs
    trusted = {q.id: q for q in _trusted(roots, max_text)}
    return [trusted.get(q.id, q) for q in qs]


def _trusted(roots: tuple[str, ...], max_text: int) -> list[Query]:
    """files_meta, files_sha256 and files_text as trust_metadata asks them (same ids: the
    table rests on the same sources, so a diff compares it with a default-mode one)."""
    return [
        Query("files_meta", sh(_FILES_META_ONLY, str(max_text), *roots), "Metadata and identity (device, "
              "inode, ctime) of every file in the trees; trust_metadata: no file is read "
              "here (files_sha256 reads the new and changed ones); where python3 runs, with "
              "the POSIX ACLs.", privileged=True,
              ok_codes=(0, 1), timeout=300.0, batch=False, fail_patterns=_DENIED,
              max_bytes=FILES_MAX_BYTES),
        Query("files_sha256", sh(_FILES_HASH), "trust_metadata: SHA-256 of the files named "
              "on stdin (NUL-separated): those whose identity (device, inode, size, mtime, "
              "ctime) differs from the previous snapshot's, and new ones; the others' hashes "
              "are reused from that snapshot. Unreadable files are left out (exit 1, 123).",
              privileged=True, ok_codes=(0, 1, 123), timeout=600.0, batch=False,
              max_bytes=FILES_MAX_BYTES),
        Query("files_text", sh(_FILES_TEXT_STDIN, str(max_text)), "trust_metadata: text of "
              "the small world-readable text files among those named on stdin (the ones "
              "files_sha256 reads); the others keep the previous snapshot's text.",
              ok_codes=(0, 1, 123), timeout=300.0, batch=False, max_bytes=FILES_MAX_BYTES),
    ]


def _queries(roots: tuple[str, ...], max_text: int) -> list[Query]:
    return [
        Query("os", sh(_OS_SCRIPT), "os-release, uname, host name, machine id, uptime.",
              format=Format(header=r"==> os-release <==")),
        Query("sysctl", ("sysctl", "-a"), "All kernel parameters.", privileged=True,
              batch=False, nonempty=True, format=Format(line=r"\S+ =.*")),
        Query("cpuinfo", ("cat", "/proc/cpuinfo"), "Logical processors.", nonempty=True,
              format=Format(line=r"[^:]+:.*")),
        Query("meminfo", ("cat", "/proc/meminfo"), "Memory and swap sizes.", nonempty=True,
              format=Format(line=r"[\w()]+:\s+\d+( kB)?")),
        Query("dmi", sh(_DMI_SCRIPT), "DMI/SMBIOS identity (serials need root).",
              privileged=True, absent_codes=(3,), format=Format(line=r"\w+=.*")),
        Query("lsblk", ("lsblk", "-P", "-b", "-o",
                        "NAME,KNAME,PKNAME,TYPE,SIZE,FSTYPE,MOUNTPOINT,UUID,LABEL,MODEL,"
                        "SERIAL,RO"), "Block devices.", format=_PAIRS),
        Query("findmnt", ("findmnt", "-P", "-b", "-o",
                          "TARGET,SOURCE,FSTYPE,OPTIONS,SIZE,USED,AVAIL"),
              "Mounted filesystems with sizes.", nonempty=True, format=_PAIRS),
        Query("df_inodes", ("df", "-P", "-i"), "Inode use per filesystem.", ok_codes=(0, 1),
              format=Format(header=r"Filesystem\s+Inodes.*")),
        Query("dpkg", sh(_DPKG_SCRIPT), "Debian packages (exit 4: the database is missing or "
              "empty, a failure; exit 3: not a dpkg host).", absent_codes=(3,), nonempty=True,
              format=Format(line=r"[^\t]+\t[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*")),
        Query("rpm", sh(_RPM_SCRIPT), "RPM packages (exit 4: an rpm host whose database is "
              "missing or empty; exit 3: not an rpm host).", absent_codes=(3,), nonempty=True,
              format=Format(line=r"[^\t]+\t[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*")),
        Query("passwd", ("cat", "/etc/passwd"), "Local accounts.", nonempty=True,
              format=Format(utf8=False, line=r"[^:]*:[^:]*:-?\d+:-?\d+:[^:]*:[^:]*:[^:]*")),
        Query("shadow", sh(_SHADOW_SCRIPT), "Password state and aging per account, derived "
              "on the target; the hash is never printed.", privileged=True, nonempty=True,
              format=Format(utf8=False, line=r"[^:]*:(empty|none|locked|set):.*")),
        Query("group", ("cat", "/etc/group"), "Local groups.", nonempty=True,
              format=Format(utf8=False, line=r"[^:]*:[^:]*:-?\d+:[^:]*")),
        Query("sudoers", sh(_SUDOERS_SCRIPT, *SUDOERS_PATHS), "sudoers and sudoers.d lines.",
              privileged=True, ok_codes=(0, 1), fail_patterns=_DENIED),
        Query("systemd_unit_files", sh(_SYSTEMCTL_FILES_SCRIPT),
              "Service unit files and their enablement, from systemctl when systemd runs "
              "(else derived from unit_files: offline systemctl is slow).", absent_codes=(3,),
              fail_patterns=("failed to connect to bus",)),
        Query("systemd_units", sh(_SYSTEMD_UNITS_SCRIPT),
              "Runtime state of service units (needs systemd as PID 1; where it runs, a "
              "failed answer is a failure).", absent_codes=(3,),
              fail_patterns=("failed to connect to bus",)),
        Query("unit_files", sh(_UNIT_FILES_SCRIPT, *UNIT_DIRS),
              "Service unit files on disk (when systemctl is absent)."),
        Query("sysv", sh(_SYSV_SCRIPT), "SysV init scripts and their start links.",
              format=Format(utf8=False, header=r"==> scripts <==")),
        Query("ss", ("ss", "-tulpn"), "Listening TCP/UDP sockets with processes.",
              privileged=True, format=Format(header=r"Netid\s+State\s.*")),
        Query("port_range", ("cat", "/proc/sys/net/ipv4/ip_local_port_range"),
              "The ephemeral port range (tells client UDP sockets from services).",
              format=Format(line=r"\d+\s+\d+")),
        Query("ss_established", ("ss", "-H", "-tnp", "state", "established"),
              "Established TCP connections with processes.", privileged=True,
              format=Format(line=r"\d+\s+\d+\s+\S+\s+\S+.*")),
        Query("ip_neigh", ("ip", "-j", "neigh", "show"), "Neighbour (ARP/NDP) cache.", format=_JSON_LIST),
        Query("ip_link", ("ip", "-j", "-d", "link", "show"), "Interfaces.", format=_JSON_LIST),
        Query("ip_addr", ("ip", "-j", "addr", "show"), "Addresses.", format=_JSON_LIST),
        Query("ip_route4", ("ip", "-j", "-4", "route", "show", "table", "all"), "IPv4 routes.",
              format=_JSON_LIST),
        Query("ip_route6", ("ip", "-j", "-6", "route", "show", "table", "all"), "IPv6 routes.",
              format=_JSON_LIST),
        Query("resolver", sh(_GREP_FILES, *RESOLVER_FILES), "resolv.conf and nsswitch.conf.",
              ok_codes=(0, 1)),
        Query("etc_hosts", ("cat", "/etc/hosts"), "Static host names."),
        Query("time_sync", sh(_TIME_SCRIPT, *TIME_FILES), "NTP client configuration.",
              ok_codes=(0, 1)),
        Query("nft", ("nft", "list", "ruleset"), "nftables ruleset.", privileged=True,
              absent_if_missing=True),
        Query("iptables", ("iptables-save",), "IPv4 iptables rules.", privileged=True,
              absent_if_missing=True, format=_IPTABLES),
        Query("ip6tables", ("ip6tables-save",), "IPv6 ip6tables rules.", privileged=True,
              absent_if_missing=True, format=_IPTABLES),
        Query("cron", sh(_CRON_SCRIPT), "System and user crontabs, cron.* directories.",
              privileged=True, fail_patterns=_DENIED,
              format=Format(utf8=False, header=r"==> lines <==")),
        Query("sshd_effective", ("sshd", "-T"), "sshd's effective settings (no sshd installed: "
              "not applicable; sshd installed but -T failing, e.g. no /run/sshd: a failure).",
              privileged=True, absent_if_missing=True, nonempty=True,
              format=Format(line=r"[a-z0-9]+( .*)?")),
        Query("sshd_config", sh(_SSHD_SCRIPT, *SSHD_FILES), "sshd_config and its .d files.",
              privileged=True, ok_codes=(0, 1), fail_patterns=_DENIED),
        Query("modules", sh("[ -e /proc/modules ] || { echo 'no /proc/modules' >&2; exit 3; }\n"
                            "cat /proc/modules"), "Loaded kernel modules.", absent_codes=(3,),
              format=Format(line=r"\S+ \d+ \d+ .*")),
        Query("certs", sh(_CERTS_SCRIPT, *roots), "X.509 certificates in the trees.",
              privileged=True, timeout=300.0, batch=False, fail_patterns=_DENIED),
        Query("files_meta", sh(_FILES_META, str(max_text), *roots), "Metadata of every file in the trees "
              "(privileged: root-only directories such as /etc/ssl/private are descended); "
              "where python3 runs, one walk that also gives each regular file's SHA-256, the "
              "POSIX ACLs and (run as root, not through sudo) the text files_text would give.",
              privileged=True, ok_codes=(0, 1), timeout=300.0, batch=False,
              max_bytes=2 * FILES_MAX_BYTES,  # files_meta + files_sha256 + files_text's
              fail_patterns=_DENIED),
        Query("files_sha256", sh(_FILES_SHA, *roots), "SHA-256 of every regular file; "
              "unreadable files are left out (exit 123); empty where python3 runs (files_meta "
              "hashed them).", privileged=True,
              ok_codes=(0, 123), timeout=600.0, batch=False),
        Query("files_text", sh(_FILES_TEXT, str(max_text), *roots),
              "Text of small world-readable text files, one record per line (exit 5: nothing, "
              "files_meta's walker read it: python3 runs, as root not through sudo).",
              ok_codes=(0, 1, 123, SKIPPED), timeout=300.0, batch=False, max_bytes=FILES_MAX_BYTES),
        Query("getfacl", sh(_GETFACL, *roots), "POSIX ACLs of every file in the trees that has "
              "more than the base entries (exit 1: some part could not be read; exit 3: no "
              "getfacl; exit 5: nothing, files_meta's walker read them: python3 runs).",
              privileged=True, ok_codes=(0, 1, SKIPPED), absent_codes=(3,), timeout=300.0,
              batch=False, fail_patterns=_DENIED),
        Query("lldp", sh(_LLDP_SCRIPT), "lldpd's LLDP neighbours, where lldpd runs (its "
              "socket is root's and group _lldpd's).", privileged=True, absent_codes=(3,),
              format=Format(json=True, json_type="dict")),
    ]
