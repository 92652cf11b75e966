"""WindowsCollector: Windows hosts over WinRM (PowerShell remoting) or OpenSSH with PowerShell.

The same declared PowerShell queries serve both (collectors/windows/queries.py); only their
grouping differs: over OpenSSH the command line (cmd.exe: at most 8,191 characters) limits how
many sections one query can carry, so groups are split there; over WinRM a group is one query.

Scope options read here: `type` (winrm or ssh), `paths` (folders whose NTFS ACL is read,
besides every disk share's folder) and `event_hours` (how far back the change events are read,
default 24).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from proofshot.collectors.base import Answers, NotCollected, Plan, Step, TableSpec
from proofshot.collectors.windows import parsers as P
from proofshot.collectors.windows import queries as Q
from proofshot.collectors.windows import tables as T
from proofshot.model.table import Row, Table
from proofshot.model.transcript import Query

# cmd.exe's command line limit is 8,191 characters; the argv is joined with spaces
SSH_MAX_COMMAND = 8000
_TIMEOUTS = {"events": 300.0, "software": 300.0, "accounts": 300.0}


@functools.lru_cache(maxsize=16)
def _parsed(text: str) -> dict[str, Any]:
    return P.answer_sections(text)


def plan_queries(options: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Query id -> the sections it carries, for this target's transport."""
    bodies = _bodies(options)
    if options.get("type") != "ssh":
        return dict(Q.GROUPS)
    out: dict[str, tuple[str, ...]] = {}
    for gid, names in Q.GROUPS.items():
        parts: list[list[str]] = [[]]
        for n in names:
            trial = [*parts[-1], n]
            if parts[-1] and len(" ".join(Q.argv(Q.script(trial, bodies)))) > SSH_MAX_COMMAND:
                parts.append([n])
            else:
                parts[-1] = trial
        for i, part in enumerate(parts):
            out[gid if len(parts) == 1 else f"{gid}-{i + 1}"] = tuple(part)
    return out


def _bodies(options: Mapping[str, Any]) -> dict[str, str]:
    paths = options.get("paths") or []
    if isinstance(paths, str):
        paths = [paths]
    hours = options.get("event_hours")
    return Q.sections([str(p) for p in paths],
                      int(hours) if hours is not None else Q.DEFAULT_EVENT_HOURS)


class _Sections:
    """Section objects from the answers, failures as NotCollected."""

    def __init__(self, where: Mapping[str, str], answers: Answers) -> None:
        self.where = where
        self.answers = answers

    def get(self, name: str) -> list[dict[str, Any]]:
        qid = self.where[name]
        ans = self.answers.get(qid)
        if ans is None:
            raise NotCollected(f"query {qid} has no answer", "error")
        st = ans.status()
        if st != "ok":
            raise NotCollected(f"{qid}: {ans.reason()}", st)
        try:
            data = _parsed(ans.text)
        except ValueError as exc:
            raise NotCollected(f"{qid}: answer is not the expected JSON: {exc}", "error") from None
        if name not in data:
            raise NotCollected(f"{qid}: section {name} missing from the answer", "error")
        try:
            return P.objects(data, name)
        except P.SectionError as exc:
            status = "refused" if exc.denied else "unsupported" if exc.missing else "failed"
            raise NotCollected(str(exc), status) from None

    def maybe(self, name: str) -> list[dict[str, Any]] | None:
        """None when the section could not be read (the table then says so in a column)."""
        try:
            return self.get(name)
        except NotCollected:
            return None


Build = Callable[[_Sections], Iterable[Row]]


def _one(fn: Callable[[list[dict[str, Any]]], Iterable[Row]], name: str) -> Build:
    return lambda s: list(fn(s.get(name)))


def _present(fn: Callable[[list[dict[str, Any]]], Iterable[Row]], name: str, what: str) -> Build:
    """A single-row table whose source may not exist on this edition (no Defender)."""
    def build(s: _Sections) -> list[Row]:
        rows = list(fn(s.get(name)))
        if not rows:
            raise NotCollected(f"{what} not present on this host", "unsupported")
        return rows
    return build


# table -> (sections it reads, optional sections among them, builder)
SPECS: tuple[tuple[Table, tuple[str, ...], tuple[str, ...], Build], ...] = (
    (T.OS, ("os",), (), _one(P.os_rows, "os")),
    (T.COMPUTER, ("computer", "bios"), ("bios",),
     lambda s: list(P.computer_rows(s.get("computer"), s.maybe("bios") or []))),
    (T.CPU, ("cpu",), (), _one(P.cpu_rows, "cpu")),
    (T.MEMORY, ("memory",), (), _one(P.memory_rows, "memory")),
    (T.HOTFIXES, ("hotfixes",), (), _one(P.hotfix_rows, "hotfixes")),
    (T.FEATURES, ("features",), (), _one(P.feature_rows, "features")),
    (T.DEFENDER, ("defender",), (), _present(P.defender_rows, "defender", "Microsoft Defender")),
    (T.SETTINGS, ("settings",), (), _one(P.setting_rows, "settings")),
    (T.DISKS, ("disks",), (), _one(P.disk_rows, "disks")),
    (T.VOLUMES, ("volumes", "bitlocker"), ("bitlocker",),
     lambda s: list(P.volume_rows(s.get("volumes"), s.maybe("bitlocker")))),
    (T.ADAPTERS, ("adapters", "adapter_configs"), (),
     lambda s: list(P.adapter_rows(s.get("adapters"), s.get("adapter_configs")))),
    (T.ADDRESSES, ("adapter_configs",), (), _one(P.address_rows, "adapter_configs")),
    (T.ROUTES, ("routes",), (), _one(P.route_rows, "routes")),
    (T.LISTENERS, ("listeners",), (), _one(P.listener_rows, "listeners")),
    (T.CONNECTIONS, ("listeners",), (), _one(P.connection_rows, "listeners")),
    (T.FW_PROFILES, ("firewall_profiles",), (), _one(P.firewall_profile_rows, "firewall_profiles")),
    (T.FW_RULES, ("firewall_rules",), (), _one(P.firewall_rule_rows, "firewall_rules")),
    (T.SOFTWARE, ("software",), (), _one(P.software_rows, "software")),
    (T.APPX, ("appx",), (), _one(P.appx_rows, "appx")),
    (T.SERVICES, ("services",), (), _one(P.service_rows, "services")),
    (T.TASKS, ("tasks",), (), _one(P.task_rows, "tasks")),
    (T.CERTS, ("certs",), (), _one(P.cert_rows, "certs")),
    (T.AUTORUNS, ("autoruns",), (), _one(P.autorun_rows, "autoruns")),
    (T.USERS, ("users",), (), _one(P.user_rows, "users")),
    (T.GROUPS, ("groups",), (), _one(P.group_rows, "groups")),
    (T.GROUP_MEMBERS, ("group_members",), (), _one(P.member_rows, "group_members")),
    (T.SHARES, ("shares", "share_security"), ("share_security",),
     lambda s: list(P.share_rows(s.get("shares"), s.maybe("share_security")))),
    (T.SHARE_ACL, ("share_security",), (), _one(P.share_acl_rows, "share_security")),
    (T.PATHS, ("acls",), (), _one(P.path_rows, "acls")),
    (T.NTFS_ACL, ("acls",), (), _one(P.ntfs_acl_rows, "acls")),
    (T.EVENTS, ("events",), (), _one(P.event_rows, "events")),
)


class WindowsCollector:
    """Windows hosts: PowerShell over WinRM or OpenSSH."""

    name = "windows"
    version = "1"

    def tables(self) -> Sequence[Table]:
        return T.TABLES

    def plan(self, options: Mapping[str, Any]) -> Plan:
        bodies = _bodies(options)
        groups = plan_queries(options)
        where = {sec: qid for qid, secs in groups.items() for sec in secs}
        steps = [Step(Query(qid, Q.argv(Q.script(secs, bodies)), batch=False,
                            timeout=_TIMEOUTS.get(qid.split("-")[0]),
                            doc=f"PowerShell: {', '.join(secs)}"))
                 for qid, secs in groups.items()]
        specs = []
        for table, secs, optional, build in SPECS:
            qids = tuple(dict.fromkeys(where[s] for s in secs))
            opt = tuple(q for q in qids if all(s in optional for s in secs if where[s] == q))
            specs.append(TableSpec(table, qids, _bind(where, build), optional=opt))
        return Plan(steps=steps, specs=specs)


def _bind(where: Mapping[str, str], build: Build) -> Callable[[Answers], Iterable[Row]]:
    return lambda answers: build(_Sections(where, answers))


COLLECTOR = WindowsCollector()
