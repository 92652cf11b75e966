r"""Effective rights from Windows ACLs: AD objects (ad_acl) and SMB folders (smb_acl limited by
smb_share_acl), with principals and groups from the AD targets of the same snapshot (pure).

Who is evaluated on an object: every user or computer whose token (its SID, the SIDs of the
groups it is in, nested, and Everyone / Authenticated Users) meets an entry or the owner of
the object (Everyone / Authenticated Users entries reach the enabled users only, as before);
and every SID named there that is not such an account (a group, a well-known or local SID, an
unknown SID) as a principal of its own, whose token is that SID plus Everyone and
Authenticated Users. With no AD target, Everyone is a principal of its own. On a file server,
BUILTIN (S-1-5-32-*) and Unix (S-1-22-*) SIDs are that machine's own: named HOST\BUILTIN\...,
never matched with the domain's groups.

The DACL is evaluated in order (views/acl.py). Over SMB a folder is reached through its share,
so the rights are the intersection of the NTFS sources and the share-level sources for the same
token; each pair of sources is one grant, `via` ending in the share ACE. A share whose ACL is
not known (not collected, refused, or read without entries: an empty DACL denies everything, a
missing one allows everything, and smb_share_acl does not tell the two apart) is not taken as
full control: its folders' grants carry the NTFS rights with SHARE_UNKNOWN as the share part,
an upper bound, and `share_gaps` names the share and why.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from proofshot.collectors import ntsd
from proofshot.collectors.smb.parsers import sid_name as smb_sid_name
from proofshot.views import acl
from proofshot.views.grant import SHARE_PREFIX, SHARE_UNKNOWN, Grant
from proofshot.views.snapshot import SnapshotData, TargetData

EVERYONE = {"S-1-1-0": "Everyone", "S-1-5-11": "Authenticated Users"}
Chain = tuple[str, ...]
Token = dict[str, Chain]  # SID -> chain from the principal to the holder of that SID


@dataclass
class Identity:
    """Names and tokens from the AD targets: SID -> name, and per user or computer the SIDs it
    holds with the chain to each."""

    sid_name: dict[str, str]
    tokens: dict[str, Token]
    users: list[str]  # enabled users
    by_sid: dict[str, list[str]]  # SID -> accounts whose token holds it
    accounts: frozenset[str]  # SIDs of users and computers
    _full: dict[tuple[str, bool], Token] = field(default_factory=dict)

    def token(self, p: str, on_file_server: bool) -> Token:
        """The account's token with Everyone and Authenticated Users; on a file server without
        the domain's BUILTIN groups (they are not the server's)."""
        key = (p, on_file_server)
        if key not in self._full:
            tok = self.tokens[p]
            if on_file_server:
                tok = {s: c for s, c in tok.items() if not _local(s)}
            self._full[key] = _with_everyone(p, tok)
        return self._full[key]


def netbios(t: TargetData) -> str:
    """The domain's NetBIOS name (from its policy row), else the target name upper-cased."""
    pol = t.rows("ad_domain_policy")
    return str((pol[0].get("netbios") if pol else None) or t.name.upper())


def identity(snap: SnapshotData) -> Identity:
    sid_name: dict[str, str] = {}
    tokens: dict[str, Token] = {}
    users: list[str] = []
    for t in snap.targets.values():
        if not t.has("ad_users") or not t.readable:
            continue
        nb = netbios(t)

        def pname(sam: str, nb: str = nb) -> str:
            return f"{nb}\\{sam}"

        for tab in ("ad_users", "ad_computers"):
            for r in t.rows(tab):
                if tab == "ad_users" and r.get("enabled") is not False:
                    users.append(pname(r["sam"]))
                if r.get("sid"):
                    sid_name[r["sid"]] = pname(r["sam"])
                    tokens[pname(r["sam"])] = {r["sid"]: (pname(r["sam"]),)}
        group_sid: dict[str, str] = {}
        for r in t.rows("ad_groups"):
            if r.get("sid"):
                sid = r["sid"]
                group_sid[r["sam"]] = sid
                sid_name[sid] = (f"BUILTIN\\{r['sam']}" if sid.startswith("S-1-5-32-")
                                 else pname(r["sam"]))
        gname = {sam: sid_name[sid] for sam, sid in group_sid.items()}
        for r in t.rows("ad_memberships"):
            if r.get("member_kind") not in ("user", "computer") or r["group"] not in group_sid:
                continue
            member = pname(r["member"])
            path = r.get("path") or [r["member"], r["group"]]
            chain = (member, *(gname.get(x, pname(x)) for x in path[1:]))
            tokens.setdefault(member, {})[group_sid[r["group"]]] = chain
    by_sid: dict[str, list[str]] = defaultdict(list)
    for p, tok in tokens.items():
        for sid in tok:
            by_sid[sid].append(p)
    accounts = frozenset(sid for p, tok in tokens.items() for sid, c in tok.items() if c == (p,))
    return Identity(sid_name, tokens, sorted(set(users)), dict(by_sid), accounts)


def _local(sid: str) -> bool:
    return sid.startswith(("S-1-5-32-", "S-1-22-"))


def name_of(ident: Identity, sid: str, local: str | None) -> str:
    """A SID's principal name: the machine's own for local SIDs on a file server, the
    directory's, the well-known name, else the SID itself."""
    if local is not None and _local(sid):
        return f"{local}\\{smb_sid_name(sid)}"
    if sid in EVERYONE:
        return EVERYONE[sid]
    return ident.sid_name.get(sid) or ntsd.WELL_KNOWN.get(sid, sid)


def _with_everyone(p: str, tok: Token) -> Token:
    out = dict(tok)
    for sid, label in EVERYONE.items():
        out.setdefault(sid, (p, label))
    return out


def principals(ident: Identity, d: acl.Dacl, local: str | None) -> dict[str, Token]:
    """Everyone the entries or the owner of one object name, with the token evaluated."""
    named = set(d.sids) | ({d.owner} if d.owner else set())
    named.discard(acl.OWNER_RIGHTS)
    out: dict[str, Token] = {}
    accounts: set[str] = set()
    for sid in named:
        if local is None or not _local(sid):
            accounts.update(ident.by_sid.get(sid, ()))
    if named & EVERYONE.keys():
        accounts.update(ident.users)
    for p in accounts:
        out[p] = ident.token(p, local is not None)
    for sid in sorted(named):
        if (sid in EVERYONE and ident.users) or sid in ident.accounts:
            continue  # evaluated above, as the accounts they are or reach
        p = name_of(ident, sid, local)
        if sid == "S-1-1-0":
            out[p] = {sid: (p,)}
        else:
            out[p] = _with_everyone(p, {sid: (p,)})
    return out


@dataclass(frozen=True)
class Part:
    """One source of rights for one principal: the chain, the source's label and the bits."""

    chain: Chain
    label: str
    bits: int
    object_type: str | None = None
    exceptions: tuple[tuple[str, int], ...] = ()


def parts(d: acl.Dacl, token: Token, own: bool = False) -> list[Part]:
    """The sources of one principal on one object: owner first, then the DACL's. `own`: only
    the entries that name the principal itself (a group or other non-account principal is
    listed with its own entries; what Everyone may do is listed for the accounts), evaluated
    with its whole token all the same, so a deny on Everyone still applies."""
    out = []
    implied = acl.owner_bits(d, token)
    if implied and d.owner is not None:
        out.append(Part(token[d.owner], "owner", implied))
    for s in acl.sources(d, token):
        e = s.entry
        # an OWNER RIGHTS entry reaches the principal as the owner
        chain = token.get(e.sid) or (*token[d.owner or ""], "owner")
        if own and len(chain) > 1 and chain[1] != "owner":
            continue
        out.append(Part(chain, e.label, s.bits, e.object_type, s.exceptions))
    return out


def share_label(p: Part) -> str:
    inner = " -> ".join(p.chain[1:])
    return f"{SHARE_PREFIX}{p.label}" + (f" ({inner})" if inner else "")


@dataclass(frozen=True)
class ShareAcl:
    dacl: acl.Dacl | None
    reason: str | None = None  # why it is not known


ALL_SHARES = "*"  # a gap that is every share of the target


def _share_reason(t: TargetData, share: str, entries: Mapping[str, list[Mapping[str, Any]]],
                  state: Mapping[str, Any]) -> str | None:
    """Why the share-level ACL of one share is not known; None when it is."""
    if entries.get(share):
        return None
    if not t.has("smb_share_acl"):
        why = (t.unverifiable.get("smb_share_acl") or {}).get("reason")
        return f"smb_share_acl not collected{f': {why}' if why else ''}"
    if state.get(share) == "read":
        return ("share ACL read without entries (an empty DACL denies all, a missing one "
                "allows all: not told apart)")
    return f"share ACL not read: {state.get(share) or 'unknown'}"


def _share_tables(t: TargetData) -> tuple[dict[str, list[Mapping[str, Any]]], dict[str, Any]]:
    entries: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in t.rows("smb_share_acl"):
        entries[str(r["share"])].append(r)
    return entries, {str(r["share"]): r.get("share_acl") for r in t.rows("smb_shares")}


def share_acls(t: TargetData) -> dict[str, ShareAcl]:
    """Per share of the target's smb_acl: its share-level ACL, or why it is not known."""
    entries, state = _share_tables(t)
    out = {}
    for share in sorted({str(r["share"]) for r in t.rows("smb_acl")}):
        why = _share_reason(t, share, entries, state)
        out[share] = ShareAcl(acl.dacl(entries[share]) if why is None else None, why)
    return out


def share_gaps(snap: SnapshotData) -> dict[tuple[str, str], str]:
    """(target, share) -> why its share-level ACL is not known; share ALL_SHARES when the
    target's share-level ACLs or its share list were not read. From smb_shares and
    smb_share_acl only (small), so the delta can name the gaps without reading the folders'
    ACLs; every disk share that is not special counts, walked or not."""
    out: dict[tuple[str, str], str] = {}
    for t in snap.targets.values():
        if not t.readable or not t.has("smb_acl"):
            continue
        if not t.has("smb_share_acl") or not t.has("smb_shares"):
            table = "smb_share_acl" if not t.has("smb_share_acl") else "smb_shares"
            why = (t.unverifiable.get(table) or {}).get("reason")
            out[(t.name, ALL_SHARES)] = f"{table} not collected{f': {why}' if why else ''}"
            continue
        entries, state = _share_tables(t)
        for r in t.rows("smb_shares"):
            if r.get("special") or r.get("type") not in (None, "disk"):
                continue
            why = _share_reason(t, str(r["share"]), entries, state)
            if why is not None:
                out[(t.name, str(r["share"]))] = why
    return out


def _by_object(rows: Iterable[Mapping[str, Any]], *key: str) -> dict[tuple[str, ...], list[Any]]:
    out: dict[tuple[str, ...], list[Any]] = defaultdict(list)
    for r in rows:
        out[tuple(str(r[k]) for k in key)].append(r)
    return out


def smb_resource(target: str, share: str, path: str) -> str:
    p = path.strip("/").replace("/", "\\")
    return f"\\\\{target}\\{share}" + (f"\\{p}" if p else "")


def _smb_objects(t: TargetData, null: set[tuple[str, str]]
                 ) -> Iterator[tuple[tuple[str, str], list[Any]]]:
    """Each folder's smb_acl rows, in key order, then the folders of `null` that have none.
    A stored table comes in key order, where one folder's rows are next to each other: it is
    grouped as it streams (a file server's million ACL rows are never held); rows given as a
    list (tests) may come in any order and are grouped whole."""
    rows = t.rows("smb_acl")
    if isinstance(rows, list):
        objects = {(k[0], k[1]): v for k, v in _by_object(rows, "share", "path").items()}
        yield from objects.items()
        seen: Collection[tuple[str, str]] = objects.keys()
    else:
        missing = set(null)
        for key, group in itertools.groupby(rows, lambda r: (str(r["share"]), str(r["path"]))):
            missing.discard(key)
            yield key, list(group)
        seen = null - missing
    for key in sorted(null - set(seen)):
        yield key, []  # no DACL and no owner row: still open to everyone


def smb_grants(ident: Identity, t: TargetData, ntfs_only: Collection[str] = ()
               ) -> Iterator[Grant]:
    """Grants on the target's folders; shares in `ntfs_only` (ALL_SHARES: every one) are not
    limited by their share ACL and have no share part in `via` (the delta compares them so
    when one side lacks it). Streamed, a folder at a time."""
    shares = share_acls(t)
    share_parts_of: dict[tuple[str, str], list[tuple[str, int]]] = {}  # one share, many folders
    null = {(str(r["share"]), str(r["path"])) for r in t.rows("smb_dirs")
            if r.get("aces") is None and not r.get("error")}
    for (share, path), rows in _smb_objects(t, null):
        out: list[Grant] = []
        d = acl.dacl(rows, null=(share, path) in null)
        res = smb_resource(t.name, share, path)
        sh = shares[share]
        for p, token in principals(ident, d, t.name).items():
            compare_ntfs = share in ntfs_only or ALL_SHARES in ntfs_only
            if sh.dacl is not None and not compare_ntfs:
                if (share, p) not in share_parts_of:
                    share_parts_of[(share, p)] = [(share_label(x), x.bits)
                                                  for x in parts(sh.dacl, token)]
                share_parts = share_parts_of[(share, p)]
            else:
                share_parts = []
            for n in parts(d, token, p not in ident.tokens):
                if compare_ntfs:
                    out.append(Grant(p, res, acl.names(n.bits), (*n.chain, n.label), t.name))
                elif sh.dacl is None:
                    out.append(Grant(p, res, acl.names(n.bits),
                                     (*n.chain, n.label, SHARE_UNKNOWN), t.name))
                for label, bits in share_parts:
                    rights = acl.names(n.bits & bits)
                    if rights:
                        out.append(Grant(p, res, rights, (*n.chain, n.label, label), t.name))
        yield from (g for g in out if g.rights)


def ad_grants(ident: Identity, t: TargetData) -> list[Grant]:
    """Grants on the directory's objects (rights of DS objects, qualified by object type)."""
    out: list[Grant] = []
    for (obj,), rows in _by_object(t.rows("ad_acl"), "object").items():
        d = acl.dacl(rows, "ds")
        res = f"{t.name}:{obj}"
        for p, token in principals(ident, d, None).items():
            for n in parts(d, token, p not in ident.tokens):
                rights = acl.names(n.bits, "ds", n.object_type, n.exceptions)
                if rights:
                    out.append(Grant(p, res, rights, (*n.chain, n.label), t.name))
    return out


def privileged_grants(t: TargetData) -> list[Grant]:
    """Membership of privileged groups, with the chain (ad_privileged)."""
    nb = netbios(t)
    out = []
    for r in t.rows("ad_privileged"):
        if r.get("member_kind") not in ("user", "computer"):
            continue
        chain = tuple(f"{nb}\\{x}" for x in (r.get("path") or []))
        if str(r.get("group_sid") or "").startswith("S-1-5-32-") and chain:
            chain = (*chain[:-1], f"BUILTIN\\{r['group']}")
        out.append(Grant(f"{nb}\\{r['member']}", f"{t.name}:privileged:{r['group']}",
                         ("member",), (*chain, "privileged group"), t.name))
    return out
