"""LDAPCollector: declared read-only searches of an Active Directory or a plain LDAP directory.

Every query is one paged search, declared here as data (base, scope, filter, attributes,
controls; see transports/ldap.py). The rootDSE tells AD from other directories: on a plain
LDAP server the ad_* tables are "unsupported" (coverage, not removals) and the ldap_* tables are
filled; on AD it is the other way round. Nested memberships are resolved by the pure parser
from the `member` attributes and primaryGroupID of what was read, never by extra queries, so
they re-derive from the transcript.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from proofshot.collectors.base import Answers, NotCollected, Plan, Step, TableSpec
from proofshot.collectors.ldap import parsers as P
from proofshot.collectors.ldap import tables as T
from proofshot.model.table import Row, Table
from proofshot.model.transcript import Query, judge

USER_ATTRS = ("sAMAccountName", "userPrincipalName", "userAccountControl", "lockoutTime",
              "pwdLastSet", "lastLogonTimestamp", "accountExpires", "objectSid", "primaryGroupID",
              "adminCount", "description")
GROUP_ATTRS = ("sAMAccountName", "groupType", "objectSid", "member", "adminCount", "description")
COMPUTER_ATTRS = ("sAMAccountName", "dNSHostName", "operatingSystem", "operatingSystemVersion",
                  "userAccountControl", "lastLogonTimestamp", "objectSid", "primaryGroupID",
                  "description")
DOMAIN_ATTRS = ("objectSid", "objectClass", "minPwdLength", "pwdHistoryLength", "maxPwdAge",
                "minPwdAge", "pwdProperties", "lockoutThreshold", "lockoutDuration",
                "lockOutObservationWindow", "ms-DS-MachineAccountQuota", "gPLink", "gPOptions")
ROOTDSE_ATTRS = ("defaultNamingContext", "namingContexts", "dnsHostName", "domainFunctionality",
                 "forestFunctionality", "vendorName", "vendorVersion", "supportedLDAPVersion",
                 "isGlobalCatalogReady")


def queries(base: str) -> tuple[Query, ...]:
    def q(qid: str, b: str, scope: str, flt: str, *attrs: str, doc: str = "",
          ok: tuple[int, ...] = (0,)) -> Query:
        return Query(qid, ("ldapsearch", b, scope, flt, *attrs), doc=doc, ok_codes=ok)

    return (
        q("rootdse", "", "base", "(objectClass=*)", *ROOTDSE_ATTRS, doc="rootDSE"),
        q("domain", base, "base", "(objectClass=*)", *DOMAIN_ATTRS,
          doc="domain head: password and lockout policy, GPO links"),
        q("partitions", f"CN=Partitions,CN=Configuration,{base}", "one",
          "(&(objectClass=crossRef)(nETBIOSName=*))", "nETBIOSName", "nCName", "dnsRoot",
          doc="NetBIOS name of the domain (AD; noSuchObject elsewhere)", ok=(0, 32)),
        q("users", base, "sub", "(&(objectCategory=person)(objectClass=user))", *USER_ATTRS),
        q("groups", base, "sub", "(objectClass=group)", *GROUP_ATTRS),
        q("computers", base, "sub", "(objectClass=computer)", *COMPUTER_ATTRS),
        q("ous", base, "sub", "(objectClass=organizationalUnit)", "ou", "description", "gPLink",
          "gPOptions"),
        q("gpos", base, "sub", "(objectClass=groupPolicyContainer)", "cn", "displayName",
          "gPCFileSysPath", "flags"),
        q("acl", base, "sub",
          "(|(objectClass=domainDNS)(objectClass=organizationalUnit)(objectClass=group)"
          "(cn=AdminSDHolder))", "objectClass", "objectSid", "+sdflags=7",
          "nTSecurityDescriptor", doc="owner and DACL (SD flags control: no SACL)"),
        q("posix_accounts", base, "sub", "(objectClass=posixAccount)", "objectClass", "uid",
          "uidNumber", "gidNumber", "cn", "homeDirectory", "loginShell"),
        q("ldap_groups", base, "sub",
          "(|(objectClass=posixGroup)(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))",
          "objectClass", "cn", "gidNumber", "memberUid", "member", "uniqueMember"),
    )


class _Reader:
    """Parsed answers, with the reason a source is unusable."""

    def __init__(self, answers: Answers, base: str) -> None:
        self.answers = answers
        self.base = base
        self.declared = {q.id: q for q in queries(base)}
        self._cache: dict[str, list[P.Entry]] = {}
        self._dir: P.Directory | None = None

    def entries(self, qid: str) -> list[P.Entry]:
        if qid in self._cache:
            return self._cache[qid]
        ans = self.answers.get(qid)
        if ans is None:
            raise NotCollected(f"{qid}: not run", "failed")
        st, why = judge(self.declared.get(qid), ans)
        if st != "ok":
            raise NotCollected(f"{qid}: {why}", "unsupported" if st == "absent" else st)
        self._cache[qid] = P.parse_entries(ans.text)
        return self._cache[qid]

    def is_ad(self) -> bool:
        root = self.entries("rootdse")
        return bool(root) and root[0].get("domainFunctionality") is not None

    def need_ad(self) -> None:
        if not self.is_ad():
            raise NotCollected("not an Active Directory (no domainFunctionality in the rootDSE)")

    def optional(self, qid: str) -> list[P.Entry]:
        try:
            return self.entries(qid)
        except NotCollected:
            return []

    def directory(self) -> P.Directory:
        if self._dir is None:
            nb = P.netbios_name(self.optional("partitions"), self.base)
            self._dir = P.Directory(self.entries("users"), self.entries("groups"),
                                    self.entries("computers"), nb)
        return self._dir

    def head(self) -> P.Entry:
        e = self.entries("domain")
        if not e:
            raise NotCollected(f"base {self.base} not found", "failed")
        return e[0]


Build = Callable[[_Reader], list[Row]]


def _ad(fn: Build) -> Build:
    def build(r: _Reader) -> list[Row]:
        r.need_ad()
        return fn(r)
    return build


def _plain(fn: Build) -> Build:
    def build(r: _Reader) -> list[Row]:
        if r.is_ad():
            raise NotCollected("Active Directory: see the ad_* tables")
        return fn(r)
    return build


def _gpo_links(r: _Reader) -> list[Row]:
    return P.gpo_links([r.head(), *r.entries("ous")], r.entries("gpos"))


def _policy(r: _Reader) -> list[Row]:
    root = r.entries("rootdse")
    nb = P.netbios_name(r.optional("partitions"), r.base)
    return P.domain_policy(r.head(), root[0] if root else None, nb)


class LDAPCollector:
    """Active Directory and plain LDAP directories over ldap3 (transports/ldap.py)."""

    name = "ldap"
    version = "2"  # 2: ACE positions

    def tables(self) -> Sequence[Table]:
        return T.TABLES

    def plan(self, options: Mapping[str, Any]) -> Plan:
        base = str(options.get("base") or "")
        qs = queries(base)

        shared: list[tuple[Answers, _Reader]] = []

        def reader(answers: Answers) -> _Reader:
            """One reader per answers mapping: its entries and directory are parsed once for
            all the tables built from it, not once per table."""
            if not shared or shared[0][0] is not answers:
                shared[:] = [(answers, _Reader(answers, base))]
            return shared[0][1]

        def spec(table: Table, qids: Sequence[str], build: Build, min_rows: int = 0
                 ) -> TableSpec:
            def builder(answers: Answers) -> list[Row]:
                return build(reader(answers))
            return TableSpec(table, ("rootdse", *qids), builder, ("rootdse", *qids),
                             min_rows=min_rows)

        dir_q = ("users", "groups", "computers", "partitions")
        specs = [
            # an AD always has users (krbtgt), groups (the builtin ones) and computers (the
            # DC itself): none at all is a search that went wrong, not an empty directory
            spec(T.AD_USERS, dir_q, _ad(lambda r: P.users(r.entries("users"), r.directory())),
                 min_rows=1),
            spec(T.AD_GROUPS, ("groups",), _ad(lambda r: P.groups(r.entries("groups"))),
                 min_rows=1),
            spec(T.AD_MEMBERSHIPS, dir_q, _ad(lambda r: P.memberships(r.directory())),
                 min_rows=1),
            spec(T.AD_COMPUTERS, ("computers",),
                 _ad(lambda r: P.computers(r.entries("computers"))), min_rows=1),
            spec(T.AD_OUS, ("ous",), _ad(lambda r: P.ous(r.entries("ous")))),
            spec(T.AD_GPO_LINKS, ("domain", "ous", "gpos"), _ad(_gpo_links)),
            spec(T.AD_DOMAIN_POLICY, ("domain", "partitions"), _ad(_policy)),
            spec(T.AD_PRIVILEGED, dir_q, _ad(lambda r: P.privileged(r.directory())),
                 min_rows=1),
            spec(T.AD_ACL, ("acl", *dir_q),
                 _ad(lambda r: P.acl(r.entries("acl"), r.directory()))),
            spec(T.LDAP_USERS, ("posix_accounts",),
                 _plain(lambda r: P.ldap_users(r.entries("posix_accounts")))),
            spec(T.LDAP_GROUPS, ("ldap_groups",),
                 _plain(lambda r: P.ldap_groups(r.entries("ldap_groups")))),
        ]
        return Plan(steps=[Step(q) for q in qs], specs=specs)


COLLECTOR = LDAPCollector()
