"""Pure parsers: the LDAP transport's JSON-lines answers in, rows out.

An answer line is {"dn": DN, "a": {attr: [text...]}, "b": {attr: [base64...]}} (see
transports/ldap.py). Attribute names are matched case-insensitively.
"""

from __future__ import annotations

import base64
import json
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from proofshot.collectors import ntsd
from proofshot.collectors.base import NotCollected
from proofshot.model.table import Row

NEVER = 0x7FFFFFFFFFFFFFFF
PRIVILEGED_RIDS = {512: "Domain Admins", 518: "Schema Admins", 519: "Enterprise Admins",
                   520: "Group Policy Creator Owners", 526: "Key Admins",
                   527: "Enterprise Key Admins"}
PRIVILEGED_BUILTIN = {"S-1-5-32-544", "S-1-5-32-548", "S-1-5-32-549", "S-1-5-32-550",
                      "S-1-5-32-551"}


@dataclass
class Entry:
    dn: str
    attrs: dict[str, list[str]] = field(default_factory=dict)   # lower-case names
    binary: dict[str, list[bytes]] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        vals = self.attrs.get(name.lower())
        return vals[0] if vals else None

    def all(self, name: str) -> list[str]:
        return self.attrs.get(name.lower(), [])

    def int(self, name: str) -> int | None:
        v = self.get(name)
        try:
            return int(v) if v is not None else None
        except ValueError:
            return None

    def bin(self, name: str) -> bytes | None:
        vals = self.binary.get(name.lower())
        return vals[0] if vals else None

    def sid(self) -> str | None:
        raw = self.bin("objectSid")
        if raw is None:
            return None
        try:
            return ntsd.sid_from_bytes(raw)[0]
        except ValueError:
            return None

    def classes(self) -> set[str]:
        return {c.lower() for c in self.all("objectClass")}


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def parse_entries(text: str) -> list[Entry]:
    out: list[Entry] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            e = Entry(obj["dn"])
        except (ValueError, TypeError, KeyError):
            raise NotCollected(f"answer is not the LDAP transport's entry lines: "
                               f"{line[:60]!r}", "failed") from None
        for k, vals in (obj.get("a") or {}).items():
            e.attrs[k.lower()] = list(vals)
        for k, vals in (obj.get("b") or {}).items():
            e.binary[k.lower()] = [_unb64(v) for v in vals]
        out.append(e)
    return out


def filetime(value: int | None) -> str | None:
    """FILETIME (100 ns since 1601) as ISO UTC; None for 0 / never."""
    if value is None or value <= 0 or value >= NEVER:
        return None
    dt = datetime(1601, 1, 1, tzinfo=UTC) + timedelta(microseconds=value // 10)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def interval_days(value: int | None, zero_is_never: bool = False) -> float | None:
    """A negative 100 ns interval (maxPwdAge) in days; None for never."""
    if value is None or value <= -(2**63) + 1 or (zero_is_never and value == 0):
        return None
    return round(-value / 864_000_000_000, 4)


def interval_minutes(value: int | None) -> float | None:
    if value is None or value <= -(2**63) + 1:
        return None
    return round(-value / 600_000_000, 4)


def domain_of(dn: str) -> str:
    """DNS name from the DC= components of a DN."""
    parts = [p.split("=", 1)[1] for p in _split_dn(dn) if p.lower().startswith("dc=")]
    return ".".join(parts).lower()


def _split_dn(dn: str) -> list[str]:
    return [p.strip() for p in re.split(r"(?<!\\),", dn) if p.strip()]


def rdn_value(dn: str) -> str:
    first = _split_dn(dn)[0] if dn else ""
    return first.split("=", 1)[1].replace("\\,", ",") if "=" in first else first


def netbios_name(partitions: Iterable[Entry], base: str) -> str:
    for e in partitions:
        if (e.get("nCName") or "").lower() == base.lower() and e.get("nETBIOSName"):
            return str(e.get("nETBIOSName")).upper()
    dom = domain_of(base)
    return (dom.split(".")[0] if dom else "DOMAIN").upper()


# --- the directory as a graph ------------------------------------------------------------

@dataclass
class Principal:
    dn: str
    sam: str
    kind: str  # user, group, computer, foreign
    sid: str | None
    enabled: bool | None = None


class Directory:
    """Users, groups and computers indexed by DN and SID, and the nested membership graph."""

    def __init__(self, users: list[Entry], groups: list[Entry], computers: list[Entry],
                 netbios: str) -> None:
        self.netbios = netbios
        self.by_dn: dict[str, Principal] = {}
        self.by_sid: dict[str, Principal] = {}
        self.members: dict[str, list[str]] = {}  # group dn(lower) -> member dns(lower)
        self.primary: dict[str, list[str]] = {}  # group dn(lower) -> users by primaryGroupID
        self.group_entries: dict[str, Entry] = {}
        for kind, entries in (("user", users), ("computer", computers), ("group", groups)):
            for e in entries:
                uac = e.int("userAccountControl")
                p = Principal(e.dn, e.get("sAMAccountName") or rdn_value(e.dn), kind, e.sid(),
                              None if uac is None else not bool(uac & 2))
                self.by_dn[e.dn.lower()] = p
                if p.sid:
                    self.by_sid[p.sid] = p
                if kind == "group":
                    self.members[e.dn.lower()] = [m.lower() for m in e.all("member")]
                    self.group_entries[e.dn.lower()] = e
        # the principals never change after this: find the domain SID once (privileged() asks
        # for it per membership)
        self._domain_sid = next(
            (p.sid.rsplit("-", 1)[0] for p in self.by_sid.values()
             if p.sid and p.sid.startswith("S-1-5-21-") and p.sid.count("-") == 7), None)
        domain_sid = self._domain_sid
        for e in [*users, *computers]:
            rid = e.int("primaryGroupID")
            if rid is None or domain_sid is None:
                continue
            g = self.by_sid.get(f"{domain_sid}-{rid}")
            if g is not None:
                self.primary.setdefault(g.dn.lower(), []).append(e.dn.lower())

    def domain_sid(self) -> str | None:
        return self._domain_sid

    def principal(self, dn: str) -> Principal:
        p = self.by_dn.get(dn.lower())
        if p is not None:
            return p
        rdn = rdn_value(dn)
        if rdn.startswith("S-1-"):  # CN=S-1-5-11,CN=ForeignSecurityPrincipals,...
            return Principal(dn, ntsd.WELL_KNOWN.get(rdn, rdn), "foreign", rdn)
        return Principal(dn, dn, "foreign", None)

    def name_of_sid(self, sid: str) -> str:
        p = self.by_sid.get(sid)
        if p is not None:
            if sid.startswith("S-1-5-32-"):
                return f"BUILTIN\\{p.sam}"
            return f"{self.netbios}\\{p.sam}"
        return ntsd.WELL_KNOWN.get(sid, sid)

    def memberships(self) -> Iterator[tuple[Principal, Principal, str, list[str]]]:
        """(group, member, how, path) for every direct and nested membership; BFS gives the
        shortest chain, ties broken by name so the result is deterministic."""
        for gdn in sorted(self.members, key=lambda d: self.by_dn[d].sam.lower()):
            group = self.by_dn[gdn]
            seen: set[str] = {gdn}
            queue: deque[tuple[str, list[str], str]] = deque()
            for how, lst in (("direct", self.members.get(gdn, [])),
                             ("primary", self.primary.get(gdn, []))):
                for m in sorted(lst, key=lambda d: self.principal(d).sam.lower()):
                    queue.append((m, [group.sam], how))
            while queue:
                mdn, chain, how = queue.popleft()
                if mdn in seen:
                    continue
                seen.add(mdn)
                member = self.principal(mdn)
                yield group, member, how, [member.sam, *chain]
                if member.kind == "group":
                    nested = [*self.members.get(mdn, []), *self.primary.get(mdn, [])]
                    for n in sorted(nested, key=lambda d: self.principal(d).sam.lower()):
                        if n not in seen:
                            queue.append((n, [member.sam, *chain], "nested"))

    def privileged(self, sid: str | None) -> bool:
        if sid is None:
            return False
        if sid in PRIVILEGED_BUILTIN:
            return True
        dom = self.domain_sid()
        if dom is None or not sid.startswith(dom + "-"):
            return False
        return int(sid.rsplit("-", 1)[1]) in PRIVILEGED_RIDS


def _uac(e: Entry, bit: int) -> bool | None:
    uac = e.int("userAccountControl")
    return None if uac is None else bool(uac & bit)


# --- rows ---------------------------------------------------------------------------------

def users(entries: list[Entry], d: Directory) -> list[Row]:
    rows = []
    dom = d.domain_sid()
    for e in entries:
        sam = e.get("sAMAccountName")
        if not sam:
            continue
        pg = e.int("primaryGroupID")
        pgp = d.by_sid.get(f"{dom}-{pg}") if dom and pg is not None else None
        pls = e.int("pwdLastSet")
        disabled = _uac(e, 2)
        rows.append({
            "sam": sam, "upn": e.get("userPrincipalName"), "dn": e.dn, "sid": e.sid(),
            "enabled": None if disabled is None else not disabled,
            "locked": bool(e.int("lockoutTime")),
            "password_last_set": filetime(pls),
            "password_never_expires": _uac(e, 0x10000),
            "password_not_required": _uac(e, 0x20),
            "account_expires": filetime(e.int("accountExpires")),
            "primary_group": pgp.sam if pgp else (str(pg) if pg is not None else None),
            "admin_count": e.int("adminCount") == 1,
            "description": e.get("description"),
            "last_logon": filetime(e.int("lastLogonTimestamp")),
        })
    return rows


def group_scope(gt: int | None) -> tuple[str | None, str | None]:
    if gt is None:
        return None, None
    gt &= 0xFFFFFFFF
    scope = ("builtin-local" if gt & 1 else "global" if gt & 2 else "domain-local" if gt & 4
             else "universal" if gt & 8 else None)
    return scope, "security" if gt & 0x80000000 else "distribution"


def groups(entries: list[Entry]) -> list[Row]:
    rows = []
    for e in entries:
        sam = e.get("sAMAccountName")
        if not sam:
            continue
        scope, kind = group_scope(e.int("groupType"))
        rows.append({"sam": sam, "dn": e.dn, "sid": e.sid(), "scope": scope, "type": kind,
                     "members": len(e.all("member")), "admin_count": e.int("adminCount") == 1,
                     "description": e.get("description")})
    return rows


def _member_name(p: Principal) -> str:
    return p.sam


def memberships(d: Directory) -> list[Row]:
    return [{"group": g.sam, "member": _member_name(m), "member_kind": m.kind, "how": how,
             "path": path} for g, m, how, path in d.memberships()]


def privileged(d: Directory) -> list[Row]:
    rows = []
    for g, m, _how, path in d.memberships():
        if not d.privileged(g.sid):
            continue
        rows.append({"group": g.sam, "group_sid": g.sid, "member": _member_name(m),
                     "member_kind": m.kind, "path": path,
                     "enabled": m.enabled if m.kind in ("user", "computer") else None})
    return rows


def computers(entries: list[Entry]) -> list[Row]:
    rows = []
    for e in entries:
        sam = e.get("sAMAccountName")
        if not sam:
            continue
        disabled = _uac(e, 2)
        rows.append({"sam": sam, "dns_name": e.get("dNSHostName"), "dn": e.dn, "sid": e.sid(),
                     "os": e.get("operatingSystem"), "os_version": e.get("operatingSystemVersion"),
                     "enabled": None if disabled is None else not disabled,
                     "description": e.get("description"),
                     "last_logon": filetime(e.int("lastLogonTimestamp"))})
    return rows


def ous(entries: list[Entry]) -> list[Row]:
    return [{"dn": e.dn, "name": e.get("ou") or rdn_value(e.dn), "description": e.get("description"),
             "block_inheritance": e.int("gPOptions") == 1} for e in entries]


_LINK = re.compile(r"\[LDAP://([^;\]]+);(\d+)\]", re.IGNORECASE)


def gpo_links(containers: Iterable[Entry], gpos: Iterable[Entry]) -> list[Row]:
    names: dict[str, str | None] = {}
    for g in gpos:
        names[(g.get("cn") or rdn_value(g.dn)).upper()] = g.get("displayName")
    rows = []
    for e in containers:
        links = _LINK.findall(e.get("gPLink") or "")
        # gPLink lists the lowest precedence first; order 1 = last in the attribute
        for order, (dn, opts) in enumerate(reversed(links), start=1):
            guid = rdn_value(dn).upper()
            o = int(opts)
            rows.append({"container": e.dn, "gpo": guid, "gpo_name": names.get(guid),
                         "order": order, "enforced": bool(o & 2), "disabled": bool(o & 1)})
    return rows


def domain_policy(head: Entry, rootdse: Entry | None, netbios: str | None = None) -> list[Row]:
    props = head.int("pwdProperties") or 0
    return [{
        "id": "domain", "domain": domain_of(head.dn), "netbios": netbios, "sid": head.sid(),
        "min_password_length": head.int("minPwdLength"),
        "password_history": head.int("pwdHistoryLength"),
        "max_password_age_days": interval_days(head.int("maxPwdAge"), True),
        "min_password_age_days": interval_days(head.int("minPwdAge")),
        "complexity": bool(props & 1), "reversible_encryption": bool(props & 16),
        "lockout_threshold": head.int("lockoutThreshold"),
        "lockout_duration_minutes": interval_minutes(head.int("lockoutDuration")),
        "lockout_window_minutes": interval_minutes(head.int("lockOutObservationWindow")),
        "machine_account_quota": head.int("ms-DS-MachineAccountQuota"),
        "functional_level": rootdse.int("domainFunctionality") if rootdse else None,
    }]


def object_kind(e: Entry) -> str:
    cls = e.classes()
    if "domaindns" in cls or "domain" in cls:
        return "domain"
    if "organizationalunit" in cls:
        return "ou"
    if "group" in cls:
        return "group"
    return "container"


def ace_rows(obj: str, kind: str, sd: ntsd.SecurityDescriptor,
             name: Callable[[str], str]) -> list[Row]:
    """Owner row and one row per DACL entry of one security descriptor."""
    rows: list[Row] = []
    if sd.owner:
        rows.append({"object": obj, "ace": f"owner;;;{sd.owner};;", "object_kind": kind,
                     "type": "owner", "trustee": name(sd.owner), "trustee_sid": sd.owner,
                     "rights": ["owner"], "object_type": None, "inherited_object_type": None,
                     "flags": None, "inherited": False, "protected": sd.protected})
    for i, ace in enumerate(sd.dacl or ()):
        flags = "|".join(ace.flags)
        ot, it = ntsd.object_type_name(ace.object_type), ntsd.object_type_name(
            ace.inherited_object_type)
        rows.append({
            "object": obj,
            "ace": f"{ntsd.ace_text(ace)};{ace.object_type or ''}"
                   f";{ace.inherited_object_type or ''}",
            "object_kind": kind, "type": ace.type, "trustee": name(ace.sid),
            "trustee_sid": ace.sid, "rights": ntsd.rights(ace.mask, "ds"),
            "object_type": ot, "inherited_object_type": it, "flags": flags or None,
            "inherited": ace.inherited, "protected": sd.protected, "position": i,
        })
    return rows


def acl(entries: list[Entry], d: Directory) -> list[Row]:
    rows: list[Row] = []
    for e in entries:
        kind = object_kind(e)
        if kind == "group" and not d.privileged(e.sid()):
            continue
        raw = e.bin("nTSecurityDescriptor")
        if raw is None:
            continue
        rows += ace_rows(e.dn, kind, ntsd.parse_sd(raw), d.name_of_sid)
    return rows


def ldap_users(entries: list[Entry]) -> list[Row]:
    rows = []
    for e in entries:
        if "posixaccount" not in e.classes() and not e.get("uidNumber"):
            continue
        rows.append({"dn": e.dn, "uid": e.get("uid"), "uid_number": e.int("uidNumber"),
                     "gid_number": e.int("gidNumber"), "cn": e.get("cn"),
                     "home": e.get("homeDirectory"), "shell": e.get("loginShell")})
    return rows


def ldap_groups(entries: list[Entry]) -> list[Row]:
    rows = []
    for e in entries:
        cls = e.classes()
        kind = next((k for k in ("posixGroup", "groupOfNames", "groupOfUniqueNames")
                     if k.lower() in cls), None)
        if kind is None:
            continue
        members = sorted({*e.all("memberUid"), *e.all("member"), *e.all("uniqueMember")})
        rows.append({"dn": e.dn, "cn": e.get("cn"), "kind": kind,
                     "gid_number": e.int("gidNumber"), "members": members})
    return rows
