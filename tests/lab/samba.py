"""Directory and file-share servers in the lab: a Samba AD DC, a Samba file server with NT ACLs in
xattrs (vfs_acl_xattr) and an OpenLDAP slapd, each in a lab host of its own index.

    lab = Lab(); lab.up(1)
    dc = start_dc(lab)              # host DC_INDEX: realm PSLAB.TEST, LDAPS with a lab CA
    fs = start_files(lab, dc)       # host FILES_INDEX: smbd, share `public` (finance, hr, ...)
    ol = start_openldap(lab)        # host FILES_INDEX too: slapd on :389, dc=pslab-ldap,dc=test
    dc.tool("group", "addmembers", "Finance-Team", "alice")

Everything a host keeps lives under /home/.proofshot inside it (= HOSTDIR/home/.proofshot
outside): the host's /tmp and /run are its own tmpfs. Secrets (Administrator, audit, LDAP
reader passwords) are random per lab and kept 0600 in that directory; the tests pass them to
proofshot through env: references only. LAB-NOTES pitfall 9: the provision's `dns forwarder`
line (an off-box address) and Debian's [homes]/[printers] are removed.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.lab.lab import _ENV, Host, Lab, LabError

DC_INDEX = 20
FILES_INDEX = 21
REALM = "PSLAB.TEST"
DOMAIN = "PSLAB"
BASE_DN = "DC=pslab,DC=test"
LDAP_BASE = "dc=pslab-ldap,dc=test"
INSIDE = "/home/.proofshot"

# users, groups and their nesting in the AD (before any scenario step)
AD_USERS = ("alice", "bob", "carol", "dave", "erin", "frank")
AD_GROUPS = {  # group -> members (users or groups)
    "Finance-Editors": ["Finance-Team"],          # B: write on \\files\public\finance
    "Finance-Team": ["dave"],                     # A: nested in B
    "Finance-Readers": ["erin", "Auditors"],
    "Auditors": ["frank"],
    "Helpdesk": ["bob"],                          # delegated: reset passwords in OU=Finance
    "Domain Admins": ["carol"],
}
RESET_PASSWORD_GUID = "00299570-246d-11d0-a768-00aa006e0529"


def _inside(host: Host, *parts: str) -> Path:
    """Path outside (root namespace) of INSIDE/parts in the host."""
    return host.dir / "home" / ".proofshot" / Path(*parts)


def _wait_tcp(ip: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((ip, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _secret(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("Ps1-" + secrets.token_urlsafe(15) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def _spawn(host: Host, argv: list[str], log: Path) -> None:
    pid = host.pid
    if pid is None:
        raise LabError(f"{host.name} is not running")
    with open(log, "ab") as fh:
        subprocess.Popen(["nsenter", "-t", str(pid), "-a", *argv], stdin=subprocess.DEVNULL,
                         stdout=fh, stderr=fh, env=_ENV, start_new_session=True)


def _make_certs(tls: Path, ip: str, dns: str) -> None:
    """A lab CA and a server certificate with the host's IP and name as SANs (0600 key)."""
    if (tls / "cert.pem").exists():
        return
    tls.mkdir(parents=True, exist_ok=True)

    def ossl(*args: str) -> None:
        proc = subprocess.run(["openssl", *args], capture_output=True, env=_ENV, check=False)
        if proc.returncode:
            raise LabError(f"openssl {args[0]}: {proc.stderr.decode(errors='replace')[-300:]}")

    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj",
         "/CN=proofshot lab CA", "-keyout", str(tls / "ca-key.pem"), "-out", str(tls / "ca.pem"))
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={dns}",
         "-keyout", str(tls / "key.pem"), "-out", str(tls / "req.pem"))
    (tls / "ext.cnf").write_text(f"subjectAltName=IP:{ip},DNS:{dns}\n"
                                 "extendedKeyUsage=serverAuth\n")
    ossl("x509", "-req", "-in", str(tls / "req.pem"), "-CA", str(tls / "ca.pem"),
         "-CAkey", str(tls / "ca-key.pem"), "-CAcreateserial", "-days", "30",
         "-extfile", str(tls / "ext.cnf"), "-out", str(tls / "cert.pem"))
    (tls / "key.pem").chmod(0o600)


@dataclass
class DC:
    host: Host
    admin_password: str
    audit_password: str

    @property
    def ip(self) -> str:
        return self.host.ip

    @property
    def ca(self) -> Path:
        """The lab CA that signed the DC's LDAPS certificate (pin it with `ca:`)."""
        return _inside(self.host, "tls", "ca.pem")

    @property
    def conf(self) -> str:
        return f"{INSIDE}/ad/etc/smb.conf"

    def tool(self, *args: str, check: bool = True) -> str:
        """samba-tool on the DC's own database (local, no network)."""
        proc = self.host.exec(["samba-tool", *args, "-s", self.conf,
                               "-H", f"{INSIDE}/ad/private/sam.ldb"], check=False, timeout=120)
        if check and proc.returncode:
            raise LabError(f"samba-tool {' '.join(args[:3])}: "
                           f"{proc.stderr.decode(errors='replace')[-400:]}")
        return proc.stdout.decode(errors="replace")

    def sid(self, name: str) -> str:
        for kind in ("group", "user", "computer"):
            out = self.tool(kind, "show", name, "--attributes=objectSid", check=False)
            for line in out.splitlines():
                if line.startswith("objectSid: "):
                    return line.split(": ", 1)[1].strip()
        raise LabError(f"no SID for {name}")

    @property
    def domain_sid(self) -> str:
        return self.sid("Domain Users").rsplit("-", 1)[0]

    def running(self) -> bool:
        return self.host.running and _wait_tcp(self.ip, 636, 0.3)

    def stop(self) -> None:
        self.host.sh("pkill -KILL -x samba; true")


def start_dc(lab: Lab) -> DC:
    """Provision (once per state dir; ~8 s), start `samba` and populate; idempotent."""
    host = lab.add(DC_INDEX)
    admin_pw = _secret(_inside(host, "admin.pass"))
    audit_pw = _secret(_inside(host, "audit.pass"))
    dc = DC(host, admin_pw, audit_pw)
    if dc.running():
        return dc
    ad = _inside(host, "ad")
    fqdn = f"dc.{REALM.lower()}"
    _make_certs(_inside(host, "tls"), host.ip, fqdn)
    if not (ad / ".provisioned").exists():
        host.sh(f"rm -rf {INSIDE}/ad")
        host.exec(["samba-tool", "domain", "provision", f"--realm={REALM}", f"--domain={DOMAIN}",
                   "--server-role=dc", "--dns-backend=SAMBA_INTERNAL", "--host-name=dc",
                   f"--host-ip={host.ip}", f"--adminpass={admin_pw}", f"--targetdir={INSIDE}/ad",
                   f"--option=interfaces=lo {host.ip}", "--option=bind interfaces only=yes"],
                  check=True, timeout=180)
        conf = ad / "etc" / "smb.conf"
        lines = [ln for ln in conf.read_text().splitlines() if "dns forwarder" not in ln]
        out: list[str] = []
        skip = False
        for ln in lines:
            s = ln.strip()
            if s.startswith("["):
                skip = s in ("[homes]", "[printers]", "[print$]")
            if not skip:
                out.append(ln)
            if s == "[global]":
                out += ["\ttls enabled = yes",
                        f"\ttls keyfile = {INSIDE}/tls/key.pem",
                        f"\ttls certfile = {INSIDE}/tls/cert.pem",
                        f"\ttls cafile = {INSIDE}/tls/ca.pem",
                        "\tload printers = no", "\tdisable spoolss = yes",
                        "\tdns forwarder = 127.0.0.1"]
        conf.write_text("\n".join(out) + "\n")
        (ad / ".provisioned").write_text("ok\n")
    host.write_file("/etc/hosts", f"127.0.0.1 localhost\n{host.ip} {fqdn} dc\n")
    _spawn(host, ["samba", "--foreground", "--no-process-group", "-s", dc.conf],
           host.dir / "samba.log")
    if not _wait_tcp(host.ip, 636, 60):
        raise LabError(f"samba did not listen on 636; see {host.dir / 'samba.log'}")
    if not (ad / ".populated").exists():
        try:
            _populate(dc)
        except BaseException:
            (ad / ".provisioned").unlink()  # provision afresh next time
            raise
        (ad / ".populated").write_text("ok\n")
    return dc


def _populate(dc: DC) -> None:
    t = dc.tool
    t("ou", "create", "OU=Finance")
    t("ou", "create", "OU=Workstations")
    t("user", "create", "audit", dc.audit_password, "--description=proofshot read-only audit")
    for u in AD_USERS:
        ou = ["--userou=OU=Finance"] if u in ("alice", "dave", "erin") else []
        t("user", "create", u, "Ps1-" + secrets.token_urlsafe(12), *ou)
    t("user", "setexpiry", "frank", "--noexpiry")
    t("user", "disable", "erin")
    for g in AD_GROUPS:
        if g != "Domain Admins":
            t("group", "add", g, "--group-scope=Global", "--group-type=Security")
    for g, members in AD_GROUPS.items():
        t("group", "addmembers", g, ",".join(members))
    t("computer", "create", "WS01", "--computerou=OU=Workstations",
      "--description=finance workstation")
    helpdesk = dc.sid("Helpdesk")
    t("dsacl", "set", "--objectdn=OU=Finance," + BASE_DN,
      f"--sddl=(OA;CI;CR;{RESET_PASSWORD_GUID};;{helpdesk})")


# --- file server -------------------------------------------------------------------------

_SMB_CONF = """\
[global]
  server role = standalone server
  workgroup = FILES
  netbios name = FILES
  interfaces = lo {ip}
  bind interfaces only = yes
  security = user
  map to guest = never
  passdb backend = tdbsam:{d}/private/passdb.tdb
  private dir = {d}/private
  lock directory = {d}/lock
  state directory = {d}/state
  cache directory = {d}/cache
  pid directory = {d}/run
  ncalrpc dir = {d}/run/ncalrpc
  log file = {d}/log.%m
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  smb ports = 445
  server min protocol = SMB2_10

[public]
  path = {d}/public
  read only = no
  vfs objects = acl_xattr
  acl_xattr:ignore system acls = yes
  admin users = audit
{extra}"""


@dataclass
class Files:
    host: Host
    password: str  # of the SMB user `audit`

    @property
    def ip(self) -> str:
        return self.host.ip

    @property
    def root(self) -> Path:
        """Directory of share `public`, seen from the root namespace."""
        return _inside(self.host, "files", "public")

    def authfile(self) -> Path:
        p = _inside(self.host, "files", "auth.txt")
        if not p.exists():
            p.write_text(f"username = audit\npassword = {self.password}\ndomain = FILES\n")
            p.chmod(0o600)
        return p

    def smbcacls(self, share: str, path: str, *args: str, check: bool = True) -> str:
        proc = subprocess.run(["smbcacls", f"//{self.ip}/{share}", path, "-A",
                               str(self.authfile()), *args], capture_output=True, env=_ENV,
                              check=False, timeout=60)
        if check and proc.returncode:
            raise LabError(f"smbcacls {path} {' '.join(args)}: "
                           f"{(proc.stdout + proc.stderr).decode(errors='replace')[-400:]}")
        return proc.stdout.decode(errors="replace")

    def add_share(self, name: str) -> Path:
        """A further share (e.g. for the benchmark) with the same settings as `public`."""
        conf = _inside(self.host, "files", "smb.conf")
        d = _inside(self.host, "files", name)
        d.mkdir(parents=True, exist_ok=True)
        text = conf.read_text()
        if f"[{name}]" not in text:
            conf.write_text(text + f"\n[{name}]\n  path = {INSIDE}/files/{name}\n  read only = no\n"
                            "  vfs objects = acl_xattr\n  acl_xattr:ignore system acls = yes\n"
                            "  admin users = audit\n")
            self.host.sh("pkill -HUP -x smbd; true")
            time.sleep(0.5)
        return d

    def sharesec(self, share: str, *args: str) -> str:
        """`sharesec` inside the host: the share-level ACL (srvsvc level 502)."""
        proc = self.host.exec(["sharesec", "-s", f"{INSIDE}/files/smb.conf", share, *args],
                              check=True)
        return str(proc.stdout.decode(errors="replace"))

    def stop(self) -> None:
        self.host.sh("pkill -KILL -x smbd; true")


def _open_share_info(host: Host) -> None:
    """Samba 4.17's rpcd_classic opens share_info.tdb (share ACLs) lazily as the connected
    user: "Permission denied" -> srvsvc level 502 without a descriptor. Let it open the lab's."""
    tdb = _inside(host, "files", "state", "share_info.tdb")
    if not tdb.exists():
        host.exec(["sharesec", "-s", f"{INSIDE}/files/smb.conf", "public", "--view"])
    if tdb.exists():
        tdb.chmod(0o666)


def start_files(lab: Lab, dc: DC | None = None) -> Files:
    """smbd in host FILES_INDEX with share `public` = {finance, hr, it/tools}; when `dc` is given,
    finance grants Finance-Editors (a domain group) modify, hr grants Finance-Readers read."""
    host = lab.add(FILES_INDEX)
    pw = _secret(_inside(host, "files", "audit.pass"))
    fs = Files(host, pw)
    if _wait_tcp(host.ip, 445, 0.2):
        _open_share_info(host)
        return fs
    d = f"{INSIDE}/files"
    for sub in ("private", "lock", "state", "cache", "run", "public"):
        _inside(host, "files", sub).mkdir(parents=True, exist_ok=True)
    conf = _inside(host, "files", "smb.conf")
    if not conf.exists():
        conf.write_text(_SMB_CONF.format(ip=host.ip, d=d, extra=""))
    host.exec(["smbpasswd", "-c", f"{d}/smb.conf", "-s", "-a", "audit"],
              input=f"{pw}\n{pw}\n".encode(), check=True)
    _spawn(host, ["smbd", "--foreground", "--no-process-group", "--debug-stdout",
                  "-s", f"{d}/smb.conf"], host.dir / "smbd.log")
    if not _wait_tcp(host.ip, 445, 20):
        raise LabError(f"smbd did not listen on 445; see {host.dir / 'smbd.log'}")
    _open_share_info(host)
    marker = _inside(host, "files", ".populated")
    if not marker.exists():
        for sub in ("finance", "hr", "it", "it/tools"):
            fs.smbcacls("public", "", check=False)  # warm up
            fs.host.sh(f"mkdir -p {d}/public/{sub}")
        base = ("ACL:S-1-5-32-544:ALLOWED/OI|CI/FULL,ACL:S-1-3-0:ALLOWED/OI|CI|IO/FULL,"
                "ACL:S-1-5-18:ALLOWED/OI|CI/FULL")
        fs.smbcacls("public", "", "--set", base + ",ACL:S-1-1-0:ALLOWED/0x0/READ")
        for sub in ("hr", "it", "it/tools", "finance"):
            fs.smbcacls("public", sub, "--set", base)
        if dc is not None:
            fs.smbcacls("public", "finance", "--add",
                        f"ACL:{dc.sid('Finance-Editors')}:ALLOWED/OI|CI/CHANGE")
            fs.smbcacls("public", "hr", "--add",
                        f"ACL:{dc.sid('Finance-Readers')}:ALLOWED/OI|CI/READ")
        marker.write_text("ok\n")
    return fs


# --- OpenLDAP ----------------------------------------------------------------------------

_SLAPD_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile {d}/slapd.pid
argsfile {d}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 104857600
suffix "{base}"
rootdn "cn=admin,{base}"
directory {d}/db
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
"""

_LDIF = """\
dn: {base}
objectClass: dcObject
objectClass: organization
o: proofshot lab
dc: pslab-ldap

dn: ou=people,{base}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{base}
objectClass: organizationalUnit
ou: groups

dn: cn=reader,{base}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
userPassword: {reader_hash}

dn: uid=ann,ou=people,{base}
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: shadowAccount
uid: ann
cn: Ann Example
sn: Example
uidNumber: 3001
gidNumber: 3000
homeDirectory: /home/ann
loginShell: /bin/bash

dn: uid=ben,ou=people,{base}
objectClass: inetOrgPerson
objectClass: posixAccount
uid: ben
cn: Ben Example
sn: Example
uidNumber: 3002
gidNumber: 3000
homeDirectory: /home/ben
loginShell: /usr/sbin/nologin

dn: cn=staff,ou=groups,{base}
objectClass: posixGroup
cn: staff
gidNumber: 3000
memberUid: ann
memberUid: ben

dn: cn=admins,ou=groups,{base}
objectClass: groupOfNames
cn: admins
member: uid=ann,ou=people,{base}
member: cn=ops,ou=groups,{base}

dn: cn=ops,ou=groups,{base}
objectClass: groupOfNames
cn: ops
member: uid=ben,ou=people,{base}
"""


@dataclass
class OpenLDAP:
    host: Host
    reader_password: str

    @property
    def ip(self) -> str:
        return self.host.ip

    @property
    def reader_dn(self) -> str:
        return f"cn=reader,{LDAP_BASE}"

    def running(self) -> bool:
        return _wait_tcp(self.ip, 389, 0.2)


def start_openldap(lab: Lab) -> OpenLDAP:
    """slapd (slapd.conf + mdb, loaded with slapadd) on :389 of host FILES_INDEX."""
    host = lab.add(FILES_INDEX)
    pw = _secret(_inside(host, "ldap", "reader.pass"))
    ol = OpenLDAP(host, pw)
    if ol.running():
        return ol
    d = f"{INSIDE}/ldap"
    root = _inside(host, "ldap")
    (root / "db").mkdir(parents=True, exist_ok=True)
    (root / "slapd.conf").write_text(_SLAPD_CONF.format(d=d, base=LDAP_BASE))
    if not (root / ".loaded").exists():
        salt = secrets.token_bytes(8)
        ssha = base64.b64encode(hashlib.sha1(pw.encode() + salt).digest() + salt).decode()
        ldif = _LDIF.format(base=LDAP_BASE, reader_hash="{SSHA}" + ssha)
        (root / "tree.ldif").write_text(ldif)
        host.exec(["slapadd", "-f", f"{d}/slapd.conf", "-l", f"{d}/tree.ldif"], check=True)
        (root / ".loaded").write_text("ok\n")
    _spawn(host, ["slapd", "-d", "0", "-f", f"{d}/slapd.conf", "-h", f"ldap://{host.ip}:389/"],
           host.dir / "slapd.log")
    if not _wait_tcp(host.ip, 389, 10):
        raise LabError(f"slapd did not listen on 389; see {host.dir / 'slapd.log'}")
    return ol
