r"""The Windows hosts' part of the access view (collectors/windows tables), pure.

* Local groups: each direct member of a local group gets "member" on
  `HOST:local-group:GROUP`, via the group; a domain group among the members is expanded to its
  users when an AD target of the same snapshot knows it (views/ntaccess identity), so a domain
  user reaches the local Administrators through Domain Admins.
* NTFS ACLs of the folders read (win_ntfs_acl) on `\\HOST\C$\path`, and share-level ACLs
  (win_share_acl) on `\\HOST\SHARE`: the DACL is evaluated in order (views/acl.py). Who is
  evaluated: every SID the entries or the owner name, each as a principal of its own (named
  HOST\name for the host's own SIDs, the directory's or the well-known name otherwise), and
  each member of a local group so named, with a token of its SID, the local groups it is in
  and Everyone / Authenticated Users; its `via` is the chain member -> local group -> ACE.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from proofshot.collectors import ntsd
from proofshot.views import acl
from proofshot.views.grant import Grant
from proofshot.views.ntaccess import EVERYONE, Identity
from proofshot.views.snapshot import TargetData

TABLES = ("win_groups", "win_group_members", "win_ntfs_acl", "win_share_acl", "win_paths",
          "win_users")


def _path_resource(host: str, path: str) -> str:
    p = path.rstrip("\\")
    if len(p) >= 2 and p[1] == ":":
        p = p[0].upper() + "$" + p[2:]
    return f"\\\\{host}\\{p.lstrip(chr(92))}"


def _local_names(t: TargetData) -> dict[str, str]:
    """SID -> HOST\\name of the host's own users and groups (BUILTIN groups included)."""
    out: dict[str, str] = {}
    for tab in ("win_users", "win_groups"):
        for r in t.rows(tab):
            if r.get("sid"):
                out[str(r["sid"])] = f"{t.name}\\{r['name']}"
    return out


def _name(ident: Identity | None, local: Mapping[str, str], sid: str) -> str:
    if sid in local:
        return local[sid]
    if sid in EVERYONE:
        return EVERYONE[sid]
    if ident is not None and sid in ident.sid_name:
        return ident.sid_name[sid]
    return ntsd.WELL_KNOWN.get(sid, sid)


def windows_grants(ident: Identity | None, t: TargetData) -> list[Grant]:
    local = _local_names(t)
    members: dict[str, list[tuple[str, str]]] = defaultdict(list)  # group SID -> (sid, name)
    groups_of: dict[str, list[str]] = defaultdict(list)  # member key -> group SIDs
    out: list[Grant] = []
    for r in t.rows("win_group_members"):
        gsid = str(r.get("group_sid") or "")
        msid = str(r.get("member_sid") or "")
        mname = str(r["member"])
        gname = local.get(gsid, f"{t.name}\\{r['group']}")
        members[gsid].append((msid, mname))
        groups_of[msid or mname].append(gsid)
        out.append(Grant(mname, f"{t.name}:local-group:{r['group']}", ("member",),
                         (mname, gname, "local group"), t.name))
        if ident is not None and msid and msid not in ident.accounts:
            for user in sorted(ident.by_sid.get(msid, [])):
                chain = ident.tokens[user][msid]
                out.append(Grant(user, f"{t.name}:local-group:{r['group']}", ("member",),
                                 (*chain, gname, "local group"), t.name))

    def token(principal_sid: str, chain0: str) -> dict[str, tuple[str, ...]]:
        tok: dict[str, tuple[str, ...]] = {principal_sid: (chain0,)}
        for g in groups_of.get(principal_sid, []):
            tok.setdefault(g, (chain0, local.get(g, g)))
        for sid, label in EVERYONE.items():
            tok.setdefault(sid, (chain0, label))
        return tok

    def evaluate(rows: list[Mapping[str, Any]], resource: str) -> None:
        d = acl.dacl(rows)
        named = set(d.sids) | ({d.owner} if d.owner else set())
        named.discard(acl.OWNER_RIGHTS)
        who: dict[str, dict[str, tuple[str, ...]]] = {}
        for sid in named:
            p = _name(ident, local, sid)
            who[p] = {sid: (p,)}
            for sid2, label in EVERYONE.items():
                who[p].setdefault(sid2, (p, label))
            for msid, mname in members.get(sid, []):
                who.setdefault(mname, token(msid, mname))
        for p, tok in who.items():
            implied = acl.owner_bits(d, tok)
            if implied and d.owner is not None:
                out.append(Grant(p, resource, acl.names(implied), (*tok[d.owner], "owner"),
                                 t.name))
            for s in acl.sources(d, tok):
                chain = tok.get(s.entry.sid, (p,))
                rights = acl.names(s.bits)
                if rights:
                    out.append(Grant(p, resource, rights, (*chain, s.entry.label), t.name))

    by_path: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in t.rows("win_ntfs_acl"):
        by_path[str(r["path"])].append(r)
    for path, rows in sorted(by_path.items()):
        evaluate(rows, _path_resource(t.name, path))
    by_share: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in t.rows("win_share_acl"):
        by_share[str(r["share"])].append(r)
    for share, rows in sorted(by_share.items()):
        evaluate(rows, f"\\\\{t.name}\\{share}")
    return out
