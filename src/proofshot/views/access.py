"""The access view: effective rights, principal -> resource -> rights, and where each comes from.

Pure over SnapshotData. Sources, per target of the snapshot:

* Active Directory (ldap targets): users, groups and the nested memberships the collector
  resolved (ad_memberships, with the chain); the DACLs of the domain head, OUs, AdminSDHolder and
  privileged groups (ad_acl); privileged group membership itself (ad_privileged).
* SMB shares (smb targets): the NTFS ACL of every directory walked (smb_acl), limited by the
  share-level ACL of its share (smb_share_acl). A SID in an ACE is matched against every AD
  target of the same snapshot, so a domain group on a file server's folder reaches each user
  nested in it; a SID no directory knows stays a principal of its own.
* Linux (local/ssh targets): owner and group mode bits of the inventoried files (group members
  from group_members) and world-writable files; sudo rules as sudo reads them (views/sudo.py:
  user lists, User_Alias, "!" exceptions, #uid, %#gid, Defaults !authenticate); POSIX ACLs
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
its groups to the source (the ACE, the owner, mode bits or sudo rule), e.g.
["PSLAB\\alice", "PSLAB\\Finance-Team", "PSLAB\\Finance-Editors",
 "ACE allow;OI|CI;0x001301ff", "share ACE allow;;0x001f01ff (Everyone)"]; over SMB the last
element is the share-level source (views/grant.py). Windows DACLs are evaluated in order, deny
and allow, inherit-only entries, CREATOR OWNER and the owner's implicit rights as Windows does
(views/acl.py); who is evaluated, and what a share ACL that could not be read means, is in
views/ntaccess.py.

The delta between two snapshots compares (principal, resource, right, source) sets, the source
being `via` without the ACEs' masks (a mask change shows as the rights it added or removed) and
without a sudo rule's password tags: a rule that gains or drops NOPASSWD is the same grant,
listed once under "changed" with what changed ({"condition": "password", "before": "required",
"after": "not-required"}) and both vias (`via_before`, `via`), never as lost and gained. A
target not readable on both sides is listed as unverifiable and contributes nothing; a share
whose share-level ACL is missing on either side is listed too, and its folders are compared on
their NTFS rights only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any

from proofshot.views import acl, ntaccess, winaccess
from proofshot.views.grant import Grant, sudo_password, sudo_password_tags, via_identity, via_text
from proofshot.views.snapshot import SnapshotData, TargetData
from proofshot.views.spill import sorted_stream
from proofshot.views.sudo import Sudoers

__all__ = ["CONTEXT", "READ", "TABLES", "Grant", "access_delta", "grants", "iter_grants", "iter_matrix",
           "iter_select", "matrix", "select", "share_gaps", "via_text"]

TABLES = ("ad_users", "ad_groups", "ad_memberships", "ad_computers", "ad_acl", "ad_privileged",
          "ad_domain_policy", "smb_acl", "smb_dirs", "smb_share_acl", "smb_shares", "users",
          "groups", "group_members", "sudoers", "files", "posix_acls", *winaccess.TABLES)
# read with them, not sources of rights: which host a sudo rule's host list takes in (the host
# name and addresses, views/sudo.py); a renamed host can gain or lose grants (views/pair.py)
CONTEXT = ("os", "addresses")
READ = (*TABLES, *CONTEXT)
# a share ACL that was not read limits one share's comparison (named in the delta), not the
# whole target's; the delta reads these small tables even when no access table changed
PER_SHARE = ("smb_share_acl", "smb_shares")


_PERMS = (("read", "r"), ("write", "w"), ("execute", "x"))
# mode bits (0-7) -> the rights they give
_RIGHTS = tuple(tuple(x for x, m in (("read", 4), ("write", 2), ("execute", 1)) if b & m)
                for b in range(8))


def _perm_rights(perms: object, prefix: str = "") -> tuple[str, ...]:
    """'r-x' -> ('read', 'execute'); None or '---' -> ()."""
    text = str(perms or "")
    return tuple(prefix + name for name, ch in _PERMS if ch in text)


def _acl_text(r: Mapping[str, Any]) -> str:
    """An entry as getfacl writes it: user:alice:rwx, group::r-x, default:group:dev:r-x."""
    pre = "default:" if r.get("default") else ""
    return f"POSIX ACL {pre}{r['kind']}:{r.get('name') or ''}:{r['perms']}"


def _linux_grants(t: TargetData) -> Iterator[Grant]:
    """Streamed: the files table is read once, row by row; what is kept is the group members,
    the POSIX ACL entries and the owners of the files that have such entries."""
    members: dict[str, list[str]] = defaultdict(list)
    for r in t.rows("group_members"):
        members[str(r["group"])].append(str(r["user"]))
    acls: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in t.rows("posix_acls"):
        acls[str(r["path"])].append(r)
    owners: dict[str, str] = {}
    n = t.name
    # per group its members but root, sorted (the same for each of a million files)
    users_of = {g: sorted(set(us) - {"root"}) for g, us in members.items()}

    def bits(mode: int, shift: int) -> tuple[str, ...]:
        return _RIGHTS[(mode >> shift) & 7]

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
        if path in acls:
            owners[path] = owner
        if owner and owner != "root" and bits(mode, 6):
            yield Grant(f"{n}\\{owner}", res, bits(mode, 6),
                        (f"{n}\\{owner}", "owner mode bits"), n)
        # with a mask, the mode's group bits are the mask: the owning group has group:: & mask
        has_acl = path in acls
        owning = next((e for e in acls[path] if e["entry"] == "group"), None) if has_acl \
            else None
        group_rights, source = bits(mode, 3), "group mode bits"
        if owning is not None:
            group_rights, source = _perm_rights(owning.get("effective")), _acl_text(owning)
        if group and group_rights:
            shadowed = named(path) if has_acl else set()
            for u in users_of.get(group, ()):
                if u in shadowed:
                    continue
                yield Grant(f"{n}\\{u}", res, group_rights,
                            (f"{n}\\{u}", f"{n}\\{group}", source), n)
        if "write" in bits(mode, 0) and not mode & 0o1000:
            yield Grant(f"{n}\\*", res, bits(mode, 0), (f"{n}\\*", "other mode bits"), n)
    for path, entries in acls.items():
        yield from _acl_grants(n, path, entries, owners.get(path), named(path), members)
    yield from _sudo_grants(t, members)


def _sudo_grants(t: TargetData, members: Mapping[str, list[str]]) -> Iterator[Grant]:
    """A grant of "sudo" per user each rule is for (views/sudo.py reads lists, aliases and
    Defaults as sudo does); the via ends with the rule, then the Defaults line that turned
    the password off for that user, if one did."""
    rows = t.rows("sudoers")
    if not rows:
        return
    n = t.name
    hostname, addresses = host_context(t)
    s = Sudoers.read(n, rows, members, t.rows("users"), t.rows("groups"), hostname=hostname,
                     addresses=addresses)
    for r in rows:
        if r.get("kind") != "rule" or not r.get("principal"):
            continue
        src = f"sudoers {r.get('file')}: {r.get('text')}"
        for user, chain in s.principals(str(r.get("text") or "")):
            off = s.no_password(user)
            yield Grant(f"{n}\\{user}", f"{n}:sudo", ("sudo",),
                        (f"{n}\\{user}", *chain, src, *((off,) if off else ())), n)


def host_context(t: TargetData) -> tuple[str | None, list[str]]:
    """The host name (None: the os table was not read) and addresses sudo host lists match."""
    os_row = next(iter(t.rows("os")), None) if t.has("os") else None
    name = str(os_row.get("hostname") or "") or None if os_row else None
    return name, sorted(str(a.get("address")) for a in t.rows("addresses"))


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


def _unsorted(snap: SnapshotData, ntfs_only: Collection[tuple[str, str]]) -> Iterator[Grant]:
    ident = ntaccess.identity(snap)
    for t in snap.targets.values():
        if not t.readable:
            continue
        if t.has("smb_acl"):
            yield from ntaccess.smb_grants(ident, t, {s for n, s in ntfs_only if n == t.name})
        if t.has("ad_acl"):
            yield from ntaccess.ad_grants(ident, t)
        if t.has("ad_privileged"):
            yield from ntaccess.privileged_grants(t)
        if t.has("files") or t.has("sudoers") or t.has("posix_acls"):
            yield from _linux_grants(t)
        if t.has("win_group_members") or t.has("win_ntfs_acl"):
            yield from winaccess.windows_grants(ident, t)


def _order(g: Grant) -> tuple[str, str, tuple[str, ...]]:
    return (g.principal.lower(), g.resource.lower(), g.via)


def iter_grants(snap: SnapshotData, ntfs_only: Collection[tuple[str, str]] = ()
                ) -> Iterator[Grant]:
    """Every grant of the snapshot, sorted by principal, resource, via, in bounded memory
    (views/spill.py: a million-file inventory's grants are sorted in runs on disk)."""
    return sorted_stream(_unsorted(snap, ntfs_only), _order)


def grants(snap: SnapshotData,
           ntfs_only: Collection[tuple[str, str]] = ()) -> list[Grant]:
    """Every grant of the snapshot, sorted by principal, resource, via. `ntfs_only`: (target,
    share) pairs whose folders are not limited by their share-level ACL."""
    return list(iter_grants(snap, ntfs_only))


def select(gs: Iterable[Grant], principal: str | None = None,
           resource: str | None = None) -> list[Grant]:
    """Filter by principal (exact, or the name after the backslash, case-insensitive) and by a
    resource substring."""
    return list(iter_select(gs, principal, resource))


def iter_select(gs: Iterable[Grant], principal: str | None = None,
                resource: str | None = None) -> Iterator[Grant]:
    """`select` as a stream."""
    for g in gs:
        if principal:
            p = principal.lower()
            if g.principal.lower() != p and g.principal.lower().rsplit("\\", 1)[-1] != p:
                continue
        if resource and resource.lower() not in g.resource.lower():
            continue
        yield g


def matrix(gs: Iterable[Grant]) -> list[dict[str, Any]]:
    """principal -> resource -> rights: one row per pair, the rights of all its grants and
    their sources (via without the principal), in the order of `grants`."""
    by: dict[tuple[str, str, str], tuple[set[str], list[str]]] = {}
    for g in gs:
        rights, vias = by.setdefault((g.principal, g.resource, g.target), (set(), []))
        rights.update(g.rights)
        vias.append(via_text(g.via))
    return [{"principal": p, "resource": res, "target": t, "rights": sorted(rs), "via": vs}
            for (p, res, t), (rs, vs) in by.items()]


def iter_matrix(gs: Iterable[Grant]) -> Iterator[dict[str, Any]]:
    """`matrix` of grants in the order of `grants` (sorted), as a stream: the rows of one
    (principal, resource) pair, compared without case, are all next to each other there, so
    only one pair's grants are held at a time."""
    group: list[Grant] = []
    last: tuple[str, str] | None = None
    for g in gs:
        here = (g.principal.lower(), g.resource.lower())
        if here != last and group:
            yield from matrix(group)
            group = []
        last = here
        group.append(g)
    yield from matrix(group)


def share_gaps(snap: SnapshotData) -> list[dict[str, str]]:
    """Shares whose share-level ACL is not known (share "*": all of the target): their
    folders' grants carry the NTFS rights only (an upper bound), with SHARE_UNKNOWN as the
    share part of `via`."""
    return [{"target": t, "share": s, "reason": why}
            for (t, s), why in sorted(ntaccess.share_gaps(snap).items())]


def _sources(snap: SnapshotData) -> dict[str, bool]:
    """Targets that feed the view -> whether all their access tables were read (a table the
    platform does not have, status unsupported, is no gap)."""
    out = {}
    for t in snap.targets.values():
        gaps = [x for x, u in t.unverifiable.items()
                if x in TABLES and x not in PER_SHARE and (u or {}).get("status") != "unsupported"]
        if t.type in ("ldap", "smb") or gaps or any(t.has(x) for x in TABLES):
            out[t.name] = t.readable and not gaps
    return out


def _observed(t: TargetData) -> set[str]:
    """Access tables read on this target (one unsupported on one side only, e.g. getfacl
    installed in between, was not observed there either)."""
    seen = {x for x in TABLES if x not in PER_SHARE and t.has(x)}
    if "sudoers" in seen and t.has("os"):
        seen.add("os")  # the host name sudo host lists are matched against (views/sudo.py)
    return seen


Flat = dict[tuple[str, str, str, tuple[str, ...], str], tuple[str, ...]]


def _group(flat: Flat, keys: Iterable[tuple[str, str, str, tuple[str, ...], str]]
           ) -> list[dict[str, Any]]:
    by: dict[tuple[str, str, tuple[str, ...], str], set[str]] = defaultdict(set)
    for k in keys:
        p, res, right, _source, target = k
        by[(p, res, flat[k], target)].add(right)
    return [{"principal": p, "resource": res, "rights": sorted(rs), "via": list(via),
             "target": target}
            for (p, res, via, target), rs in sorted(by.items(), key=lambda kv: (
                kv[0][0].lower(), kv[0][1].lower(), kv[0][2]))]


def _share_gaps(a: SnapshotData, b: SnapshotData, bad: set[str]
                ) -> tuple[set[tuple[str, str]], list[dict[str, Any]]]:
    ga, gb = ntaccess.share_gaps(a), ntaccess.share_gaps(b)
    pairs = {k for k in ga.keys() | gb.keys() if k[0] not in bad}
    notes = []
    for target, share in sorted(pairs):
        why = "; ".join(f"{side}: {g[(target, share)]}" for side, g in (("before", ga),
                                                                       ("after", gb))
                        if (target, share) in g)
        what = ("share-level ACLs" if share == ntaccess.ALL_SHARES
                else f"share-level ACL of {share}")
        notes.append({"target": target, "reason": f"{what} not known in both snapshots ({why}): "
                      "folders compared on NTFS rights only"})
    return pairs, notes


def access_delta(a: SnapshotData, b: SnapshotData) -> dict[str, Any]:
    """{"gained": [...], "lost": [...], "changed": [...], "unverifiable": [{"target", "reason"}]}
    between a and b.
    An AD target not readable on both sides makes every grant unverifiable (identities come
    from it); another target only its own grants; a share without a known share-level ACL on
    either side only the share limit of its folders."""
    sa, sb = _sources(a), _sources(b)
    unverifiable = []
    bad: set[str] = set()
    for name in sorted(set(sa) | set(sb)):
        if not (sa.get(name) and sb.get(name)):
            bad.add(name)
            which = ("both snapshots" if not (sa.get(name) or sb.get(name)) else
                     "the first snapshot" if not sa.get(name) else "the second snapshot")
            unverifiable.append({"target": name, "reason": f"not readable in {which}"})
            continue
        # a table one side's collector did not have (an older version): its rights were not
        # observed there, so they would all read as gained or lost
        once = _observed(a.targets[name]) ^ _observed(b.targets[name])
        if once:
            bad.add(name)
            unverifiable.append({"target": name, "reason": f"{', '.join(sorted(once))} "
                                 "observed in one snapshot only"})
    ldap = {t.name for s in (a, b) for t in s.targets.values() if t.type == "ldap"}
    if bad & ldap:
        return {"gained": [], "lost": [], "changed": [], "unverifiable": unverifiable}
    ntfs_only, notes = _share_gaps(a, b, bad)
    lost, gained, changed = _differ(_flat_sorted(a, ntfs_only, bad),
                                    _flat_sorted(b, ntfs_only, bad))
    return {"gained": _group(gained, gained), "lost": _group(lost, lost),
            "changed": _changed(changed), "unverifiable": unverifiable + notes}


def _changed(changed: dict[FlatKey, tuple[tuple[str, ...], tuple[str, ...]]]
             ) -> list[dict[str, Any]]:
    """Grants kept on both sides whose condition changed (a sudo rule's password), grouped
    like gained and lost: one row per (principal, resource, vias, target)."""
    by: dict[tuple[str, str, tuple[str, ...], tuple[str, ...], str], set[str]] = defaultdict(set)
    for (p, res, right, _source, target), (va, vb) in changed.items():
        by[(p, res, va, vb, target)].add(right)
    return [{"principal": p, "resource": res, "rights": sorted(rs), "via": list(vb),
             "target": target, "via_before": list(va),
             "change": {"condition": "password", "before": sudo_password(va),
                        "after": sudo_password(vb)}}
            for (p, res, va, vb, target), rs in sorted(by.items(), key=lambda kv: (
                kv[0][0].lower(), kv[0][1].lower(), kv[0][3]))]


FlatKey = tuple[str, str, str, tuple[str, ...], str]


def _flat_sorted(snap: SnapshotData, ntfs_only: Collection[tuple[str, str]], bad: set[str]
                 ) -> Iterator[tuple[FlatKey, tuple[str, ...]]]:
    """The grants of `snap` but those of the targets in `bad`, flattened: (principal, resource,
    right, source, target) -> the via shown for it (full-control counts as the rights it stands
    for too), as (key, via) in key order, in bounded memory. Where grants share a key, the via
    shown is the one of the last of them in the order of `grants`."""
    def items() -> Iterator[tuple[FlatKey, tuple[str, str, tuple[str, ...]], tuple[str, ...]]]:
        for g in _unsorted(snap, ntfs_only):
            if g.target in bad:
                continue
            kind = "file" if g.resource.startswith("\\\\") else "ds"
            order = _order(g)
            ident = via_identity(g.via)
            for r in g.rights:
                for c in acl.components(r, kind):
                    yield (g.principal, g.resource, c, ident, g.target), order, g.via

    last: tuple[FlatKey, tuple[str, ...]] | None = None
    for key, _order_of, via in sorted_stream(items(), lambda it: (it[0], it[1])):
        if last is not None and last[0] != key:
            yield last
        last = (key, via)
    if last is not None:
        yield last


def _differ(xa: Iterable[tuple[FlatKey, tuple[str, ...]]],
            xb: Iterable[tuple[FlatKey, tuple[str, ...]]]
            ) -> tuple[Flat, Flat, dict[FlatKey, tuple[tuple[str, ...], tuple[str, ...]]]]:
    """Keys only in a and only in b (each with its via) of two streams in key order, and the
    keys on both sides whose sudo rule's password condition differs (both vias)."""
    only_a: Flat = {}
    only_b: Flat = {}
    changed: dict[FlatKey, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    ia, ib = iter(xa), iter(xb)
    ea, eb = next(ia, None), next(ib, None)
    while ea is not None or eb is not None:
        if eb is None or (ea is not None and ea[0] < eb[0]):
            assert ea is not None
            only_a[ea[0]] = ea[1]
            ea = next(ia, None)
        elif ea is None or eb[0] < ea[0]:
            only_b[eb[0]] = eb[1]
            eb = next(ib, None)
        else:
            assert ea is not None
            if ea[1] != eb[1] and sudo_password(ea[1]) is not None and \
                    sudo_password_tags(ea[1]) != sudo_password_tags(eb[1]):
                changed[ea[0]] = (ea[1], eb[1])
            ea, eb = next(ia, None), next(ib, None)
    return only_a, only_b, changed
