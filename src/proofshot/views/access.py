"""The access view: effective rights, principal -> resource -> rights, and where each comes from.

Pure over SnapshotData. Sources, per target of the snapshot:

* Active Directory (ldap targets): users, groups and the nested memberships the collector
  resolved (ad_memberships, with the chain); the DACLs of the domain head, OUs, AdminSDHolder and
  privileged groups (ad_acl); privileged group membership itself (ad_privileged).
* SMB shares (smb targets): the NTFS ACL of every directory walked (smb_acl). A SID in an ACE is
  matched against every AD target of the same snapshot, so a domain group on a file server's
  folder reaches each user nested in it; a SID no directory knows stays a principal of its own.
* Linux (local/ssh targets): owner and group mode bits of the inventoried files (group members
  from group_members) and world-writable files; sudo rules for users and %groups; POSIX ACLs
  (posix_acls). A named user entry gives that user the entry's effective (masked) rights, via
  "POSIX ACL user:alice:rwx"; a named group entry gives each member of the group the same, via
  the group ("POSIX ACL group:dev:rwx"). When a file has a mask, its owning group's rights come
  from the group:: entry (masked), not from the mode's group bits (those show the mask). POSIX
  checks owner, then named users, then groups: a named entry for the owner grants nothing, and
  a user with a named entry gets no group rights on that file. The via names the entry as
  written; the rights are what is left after the mask, so a mask change shows as rights lost
  or gained through the same entry. Default entries (default:user:bob, default:group:dev) grant
  nothing on the directory itself; they are the template for files created in it later, so
  they appear as rights of their own kind ("default:read", "default:write", ...), masked by
  default:mask, never mixed with effective rights. The owner may also appear through the group
  mode bits (a simplification: the owner can change the mode anyway).

A grant is (principal, resource, rights, via): `via` is the chain from the principal through
its groups to the source (the ACE, mode bits or sudo rule), e.g.
["PSLAB\\alice", "PSLAB\\Finance-Team", "PSLAB\\Finance-Editors",
 "ACE allow;OI|CI;0x001301bf"]. Deny entries remove what they deny from the same principal on
the same resource (a simplification of Windows' ordered evaluation, stated here).

The delta between two snapshots compares (principal, resource, right, via) sets; a target not
readable on both sides is listed as unverifiable and contributes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from proofshot.views.snapshot import SnapshotData, TargetData

WELL_KNOWN = {"S-1-5-32-544": "BUILTIN\\Administrators", "S-1-5-32-545": "BUILTIN\\Users",
              "S-1-5-32-551": "BUILTIN\\Backup Operators"}

TABLES = ("ad_users", "ad_groups", "ad_memberships", "ad_computers", "ad_acl", "ad_privileged",
          "ad_domain_policy", "smb_acl", "users", "groups", "group_members", "sudoers", "files",
          "posix_acls")
EVERYONE = {"S-1-1-0", "S-1-5-11"}  # Everyone, Authenticated Users


@dataclass(frozen=True)
class Grant:
    principal: str
    resource: str
    rights: tuple[str, ...]
    via: tuple[str, ...]
    target: str

    def to_json(self) -> dict[str, Any]:
        return {"principal": self.principal, "resource": self.resource,
                "rights": list(self.rights), "via": list(self.via), "target": self.target}


@dataclass
class _Identity:
    """Who is in what: principal -> [(group principal, chain from principal to group)]."""

    sid_name: dict[str, str]
    groups_of: dict[str, list[tuple[str, tuple[str, ...]]]]
    users: list[str]
    by_group: dict[str, list[tuple[str, tuple[str, ...]]]]


def _netbios(t: TargetData) -> str:
    """The domain's NetBIOS name (from its policy row), else the target name upper-cased."""
    pol = t.rows("ad_domain_policy")
    return str((pol[0].get("netbios") if pol else None) or t.name.upper())


def _ad_identity(snap: SnapshotData) -> _Identity:
    sid_name: dict[str, str] = {}
    groups_of: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    users: list[str] = []
    for t in snap.targets.values():
        if not t.has("ad_users") or not t.readable:
            continue
        nb = _netbios(t)

        def pname(sam: str, nb: str = nb) -> str:
            return f"{nb}\\{sam}"

        kinds: dict[str, str] = {}
        for r in t.rows("ad_users"):
            if r.get("enabled") is not False:
                users.append(pname(r["sam"]))
            kinds[r["sam"]] = "user"
            if r.get("sid"):
                sid_name[r["sid"]] = pname(r["sam"])
        for r in t.rows("ad_computers"):
            if r.get("sid"):
                sid_name[r["sid"]] = pname(r["sam"])
        for r in t.rows("ad_groups"):
            if r.get("sid"):
                sid = r["sid"]
                sid_name[sid] = (f"BUILTIN\\{r['sam']}" if sid.startswith("S-1-5-32-")
                                 else pname(r["sam"]))
        group_names = {r["sam"]: sid_name.get(r.get("sid") or "", pname(r["sam"]))
                       for r in t.rows("ad_groups")}
        for r in t.rows("ad_memberships"):
            if r.get("member_kind") not in ("user", "computer"):
                continue
            member = pname(r["member"])
            chain = tuple(group_names.get(x, pname(x)) if i else member
                          for i, x in enumerate(r.get("path") or [r["member"], r["group"]]))
            groups_of[member].append((group_names.get(r["group"], pname(r["group"])), chain))
    by_group: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    for member, gs in groups_of.items():
        for g, chain in gs:
            by_group[g].append((member, chain))
    return _Identity(sid_name, dict(groups_of), sorted(set(users)), dict(by_group))


def _holders(ident: _Identity, sid: str, local: str | None = None
             ) -> list[tuple[str, tuple[str, ...]]]:
    """(principal, chain) for everyone an ACE on `sid` applies to. BUILTIN SIDs (S-1-5-32-*) on
    a file server (`local` = its target name) are that machine's own groups, not the domain's."""
    if local is not None and sid.startswith("S-1-5-32-"):
        lname = f"{local}\\{WELL_KNOWN.get(sid, sid)}"
        return [(lname, (lname,))]
    name = ident.sid_name.get(sid)
    if sid in EVERYONE:
        label = {"S-1-1-0": "Everyone", "S-1-5-11": "Authenticated Users"}[sid]
        return [(u, (u, label)) for u in ident.users] or [(label, (label,))]
    if name is None:
        return [(sid, (sid,))]  # unknown SID: a principal of its own, named by its SID
    members = ident.by_group.get(name)
    if members is None:
        return [(name, (name,))]
    return [(name, (name,)), *members]


def _ace_grants(ident: _Identity, target: str, rows: Iterable[Mapping[str, Any]],
                resource_of: Any, qualify: bool, local: str | None = None) -> list[Grant]:
    allow: dict[tuple[str, str, tuple[str, ...]], set[str]] = defaultdict(set)
    deny: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in rows:
        typ = r.get("type") or ""
        flags = (r.get("flags") or "").split("|")
        if typ == "owner" or "IO" in flags:
            continue  # owners' implicit rights are not listed; IO entries only pass down
        rights = [str(x) for x in r.get("rights") or []]
        ot = r.get("object_type")
        if qualify and ot:
            rights = [f"{x}({ot})" for x in rights]
        res = resource_of(r)
        ace = "ACE " + ";".join(str(r["ace"]).split(";")[:3])
        for who, chain in _holders(ident, r["trustee_sid"], local):
            if typ.startswith("allow"):
                allow[(who, res, (*chain, ace))].update(rights)
            elif typ.startswith("deny"):
                deny[(who, res)].update(rights)
    out = []
    for (who, res, via), granted in allow.items():
        left = granted - deny.get((who, res), set())
        if left:
            out.append(Grant(who, res, tuple(sorted(left)), via, target))
    return out


def _smb_resource(target: str) -> Any:
    def res(r: Mapping[str, Any]) -> str:
        path = str(r["path"]).strip("/").replace("/", "\\")
        return f"\\\\{target}\\{r['share']}" + (f"\\{path}" if path else "")
    return res


_PERMS = (("read", "r"), ("write", "w"), ("execute", "x"))


def _perm_rights(perms: object, prefix: str = "") -> tuple[str, ...]:
    """'r-x' -> ('read', 'execute'); None or '---' -> ()."""
    text = str(perms or "")
    return tuple(prefix + name for name, ch in _PERMS if ch in text)


def _acl_text(r: Mapping[str, Any]) -> str:
    """An entry as getfacl writes it: user:alice:rwx, group::r-x, default:group:dev:r-x."""
    pre = "default:" if r.get("default") else ""
    return f"POSIX ACL {pre}{r['kind']}:{r.get('name') or ''}:{r['perms']}"


def _linux_grants(t: TargetData) -> list[Grant]:
    out: list[Grant] = []
    members: dict[str, list[str]] = defaultdict(list)
    for r in t.rows("group_members"):
        members[str(r["group"])].append(str(r["user"]))
    acls: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in t.rows("posix_acls"):
        acls[str(r["path"])].append(r)
    owners: dict[str, str] = {}
    n = t.name

    def bits(mode: int, shift: int) -> tuple[str, ...]:
        b = (mode >> shift) & 7
        return tuple(x for x, m in (("read", 4), ("write", 2), ("execute", 1)) if b & m)

    def named(path: str) -> set[str]:
        """Users with a named access entry on path: POSIX gives them no group rights there."""
        return {str(e["name"]) for e in acls.get(path, ())
                if e["kind"] == "user" and e.get("name") and not e.get("default")}

    for r in t.rows("files"):
        if r.get("type") not in ("file", "dir") or not r.get("mode"):
            continue
        try:
            mode = int(str(r["mode"]), 8)
        except ValueError:
            continue
        path = str(r["path"])
        res = f"{n}:{path}"
        owner, group = str(r.get("owner") or ""), str(r.get("group") or "")
        owners[path] = owner
        if owner and owner != "root" and bits(mode, 6):
            out.append(Grant(f"{n}\\{owner}", res, bits(mode, 6),
                             (f"{n}\\{owner}", f"owner, mode {r['mode']}"), n))
        # with a mask, the mode's group bits are the mask: the owning group has group:: & mask
        owning = next((e for e in acls.get(path, ()) if e["entry"] == "group"), None)
        group_rights, source = bits(mode, 3), f"group, mode {r['mode']}"
        if owning is not None:
            group_rights, source = _perm_rights(owning.get("effective")), _acl_text(owning)
        if group and group_rights:
            for u in sorted(set(members.get(group, [])) - named(path) - {"root"}):
                out.append(Grant(f"{n}\\{u}", res, group_rights,
                                 (f"{n}\\{u}", f"{n}\\{group}", source), n))
        if "write" in bits(mode, 0) and not mode & 0o1000:
            out.append(Grant(f"{n}\\*", res, bits(mode, 0), (f"{n}\\*", f"other, mode {r['mode']}"),
                             n))
    for path, entries in acls.items():
        out += _acl_grants(n, path, entries, owners.get(path), named(path), members)
    for r in t.rows("sudoers"):
        if r.get("kind") != "rule" or not r.get("principal"):
            continue
        p = str(r["principal"])
        src = f"sudoers {r.get('file')}: {r.get('text')}"
        if p.startswith("%"):
            for u in sorted(set(members.get(p[1:], []))):
                out.append(Grant(f"{n}\\{u}", f"{n}:sudo", ("sudo",),
                                 (f"{n}\\{u}", f"{n}\\{p[1:]}", src), n))
        else:
            out.append(Grant(f"{n}\\{p}", f"{n}:sudo", ("sudo",), (f"{n}\\{p}", src), n))
    return out


def _acl_grants(n: str, path: str, entries: Iterable[Mapping[str, Any]], owner: str | None,
                shadowed: set[str], members: Mapping[str, list[str]]) -> list[Grant]:
    """Grants of the named entries of one file's ACL (see the module docstring)."""
    out: list[Grant] = []
    res = f"{n}:{path}"
    for e in entries:
        name = e.get("name")
        if not name or e["kind"] not in ("user", "group") or name == "root":
            continue
        default = bool(e.get("default"))
        rights = _perm_rights(e.get("effective"), "default:" if default else "")
        if not rights:
            continue
        via = _acl_text(e)
        if e["kind"] == "user":
            if not default and name == owner:
                continue  # the owner is checked against the owner entry only
            out.append(Grant(f"{n}\\{name}", res, rights, (f"{n}\\{name}", via), n))
            continue
        skip = {"root"} | (set() if default else shadowed)
        for u in sorted(set(members.get(str(name), [])) - skip):
            out.append(Grant(f"{n}\\{u}", res, rights, (f"{n}\\{u}", f"{n}\\{name}", via), n))
    return out


def grants(snap: SnapshotData) -> list[Grant]:
    """Every grant of the snapshot, sorted by principal, resource, via."""
    ident = _ad_identity(snap)
    out: list[Grant] = []
    for t in snap.targets.values():
        if not t.readable:
            continue
        if t.has("smb_acl"):
            out += _ace_grants(ident, t.name, t.rows("smb_acl"), _smb_resource(t.name), False,
                               local=t.name)
        if t.has("ad_acl"):
            out += _ace_grants(ident, t.name, t.rows("ad_acl"),
                               lambda r, n=t.name: f"{n}:{r['object']}", True)
        if t.has("ad_privileged"):
            nb = _netbios(t)
            for r in t.rows("ad_privileged"):
                if r.get("member_kind") not in ("user", "computer"):
                    continue
                chain = tuple(f"{nb}\\{x}" for x in (r.get("path") or []))
                if str(r.get("group_sid") or "").startswith("S-1-5-32-") and chain:
                    chain = (*chain[:-1], f"BUILTIN\\{r['group']}")
                out.append(Grant(f"{nb}\\{r['member']}", f"{t.name}:privileged:{r['group']}",
                                 ("member",), (*chain, "privileged group"), t.name))
        if t.has("files") or t.has("sudoers") or t.has("posix_acls"):
            out += _linux_grants(t)
    return sorted(out, key=lambda g: (g.principal.lower(), g.resource.lower(), g.via))


def select(gs: Iterable[Grant], principal: str | None = None,
           resource: str | None = None) -> list[Grant]:
    """Filter by principal (exact, or the name after the backslash, case-insensitive) and by a
    resource substring."""
    out = []
    for g in gs:
        if principal:
            p = principal.lower()
            if g.principal.lower() != p and g.principal.lower().rsplit("\\", 1)[-1] != p:
                continue
        if resource and resource.lower() not in g.resource.lower():
            continue
        out.append(g)
    return out


def _sources(snap: SnapshotData) -> dict[str, bool]:
    """Targets that feed the view -> whether all their access tables were read (a table the
    platform does not have, status unsupported, is no gap)."""
    out = {}
    for t in snap.targets.values():
        gaps = [x for x, u in t.unverifiable.items()
                if x in TABLES and (u or {}).get("status") != "unsupported"]
        if t.type in ("ldap", "smb") or gaps or any(t.has(x) for x in TABLES):
            out[t.name] = t.readable and not gaps
    return out


def _flat(gs: Iterable[Grant]) -> set[tuple[str, str, str, tuple[str, ...], str]]:
    return {(g.principal, g.resource, r, g.via, g.target) for g in gs for r in g.rights}


def _group(items: Iterable[tuple[str, str, str, tuple[str, ...], str]]) -> list[dict[str, Any]]:
    by: dict[tuple[str, str, tuple[str, ...], str], set[str]] = defaultdict(set)
    for p, res, right, via, target in items:
        by[(p, res, via, target)].add(right)
    return [{"principal": p, "resource": res, "rights": sorted(rs), "via": list(via),
             "target": target}
            for (p, res, via, target), rs in sorted(by.items(), key=lambda kv: (
                kv[0][0].lower(), kv[0][1].lower(), kv[0][2]))]


def access_delta(a: SnapshotData, b: SnapshotData) -> dict[str, Any]:
    """{"gained": [...], "lost": [...], "unverifiable": [{"target", "reason"}]} between a and b.
    An AD target not readable on both sides makes every grant unverifiable (identities come
    from it); another target only its own grants."""
    sa, sb = _sources(a), _sources(b)
    unverifiable = []
    bad: set[str] = set()
    for name in sorted(set(sa) | set(sb)):
        if not (sa.get(name) and sb.get(name)):
            bad.add(name)
            unverifiable.append({"target": name, "reason": "not readable in both snapshots"})
    ldap = {t.name for s in (a, b) for t in s.targets.values() if t.type == "ldap"}
    if bad & ldap:
        return {"gained": [], "lost": [], "unverifiable": unverifiable}
    fa = {x for x in _flat(grants(a)) if x[4] not in bad}
    fb = {x for x in _flat(grants(b)) if x[4] not in bad}
    return {"gained": _group(fb - fa), "lost": _group(fa - fb), "unverifiable": unverifiable}
