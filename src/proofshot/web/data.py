"""Every read and the few writes of the web UI, in one module.

The pages and the API call only this module; it calls the service layer the CLI calls (compare,
findings, paths, access, snapshot), reads snapshots through model.snapshot's typed reader, and
the job record and the report as the CLI does. Nothing here renders HTML.

Stores are opened once per thread (SQLite connections stay in their thread); snapshots are
immutable, so results computed from them (a diff, a view) are cached by snapshot id.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

from proofshot import service
from proofshot.diff.engine import diff_snapshots
from proofshot.diff.model import Change, DiffResult
from proofshot.engagement import record
from proofshot.engagement.model import Engagement, load_all
from proofshot.engagement.model import load as load_engagement
from proofshot.model.errors import BadInput, ProofshotError, SnapshotNotFound
from proofshot.model.snapshot import Manifest, SnapshotReader, TargetEntry
from proofshot.report.render import report as render_report
from proofshot.store.api import EvidenceStore, open_store
from proofshot.store.reader import reader_of
from proofshot.store.refs import resolve_ref
from proofshot.store.tree import children, leaf_rows
from proofshot.views import access as access_view
from proofshot.views import paths as paths_view
from proofshot.views.findings import Finding
from proofshot.views.grant import Grant

T = TypeVar("T")
READABLE = ("ok", "partial")
# The customers the current request's user may see (None: all). app.py sets it per request
# from the session; every listing and every snapshot or engagement looked up honours it.
VISIBLE: ContextVar[frozenset[str] | None] = ContextVar("proofshot_visible", default=None)


def visible(customer: str) -> bool:
    """The current user may see this customer's snapshots and engagements."""
    only = VISIBLE.get()
    return only is None or customer in only


class NotFound(ProofshotError):
    """An id, target, table or engagement the store does not hold (HTTP 404)."""


# The target page's groups, in their order; a table not named here goes to "other".
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("system", ("os", "sysctl", "cpu", "memory", "dmi", "block_devices", "filesystems",
                "kernel_modules", "time_sync", "snmp_system", "snmp_entities", "snmp_storage",
                "snmp_processes")),
    ("software", ("packages", "snmp_software")),
    ("services", ("services", "listening", "cron")),
    ("users and groups", ("users", "groups", "group_members", "sudoers", "ad_users",
                          "ad_groups", "ad_memberships", "ad_computers", "ad_ous",
                          "ad_gpo_links", "ad_domain_policy", "ad_privileged", "ldap_users",
                          "ldap_groups")),
    ("network", ("interfaces", "addresses", "routes", "dns", "hosts", "connections",
                 "neighbors", "firewall_rules", "snmp_interfaces", "snmp_ip_addresses",
                 "snmp_routes", "snmp_arp", "snmp_lldp_neighbors", "snmp_vlans",
                 "snmp_bridge_ports", "snmp_fdb")),
    ("files", ("files", "ssh_config", "certificates")),
    ("access", ("posix_acls", "smb_shares", "smb_share_acl", "smb_dirs", "smb_acl", "ad_acl")),
    ("device config", ("device_config",)),
)
GROUP_OF = {t: g for g, ts in GROUPS for t in ts}

# What the global search reads of the latest snapshot of each target (small tables only: a
# share's folders and ACLs are not searched, their shares are).
SEARCH_TABLES = ("os", "dmi", "packages", "users", "groups", "interfaces", "addresses", "hosts",
                 "smb_shares", "ad_users", "ad_groups", "ad_computers", "ldap_users",
                 "ldap_groups", "snmp_system", "snmp_interfaces", "snmp_ip_addresses",
                 "snmp_entities", "snmp_software", "listening")
SEARCH_LIMIT = 200


def group_of(table: str) -> str:
    if table.startswith("device_"):
        return "device config"
    return GROUP_OF.get(table, "other")


@dataclass
class SnapRow:
    id: str
    seq: int
    label: str
    created: str
    targets: list[tuple[str, str]]  # (name, status)
    engagement: str | None
    customer: str = ""


@dataclass
class DiffView:
    """A diff as `proofshot diff --json` prints it, plus the result object for the pages and
    its counts (computed once: a page of a large diff then costs its own rows only)."""

    result: DiffResult
    views: dict[str, Any]
    kinds: Counter[str] = field(default_factory=Counter)
    per_table: Counter[tuple[str, str]] = field(default_factory=Counter)
    targets: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    unchanged_rows: int = 0
    _selected: dict[tuple[str, str, str], list[tuple[int, Change]]] = field(
        default_factory=dict)

    def __post_init__(self) -> None:
        ch = self.result.changes
        self.kinds = Counter(c.kind for c in ch)
        self.per_table = Counter((c.target, c.table) for c in ch)
        self.targets = sorted({c.target for c in ch})
        self.tables = sorted({c.table for c in ch})
        self.unchanged_rows = sum(u.rows for u in self.result.unchanged)

    def to_json(self) -> dict[str, Any]:
        return self.result.to_json() | self.views

    def select(self, target: str = "", table: str = "", kind: str = ""
               ) -> list[tuple[int, Change]]:
        """(index in the diff, change) of the changes that pass the filters."""
        key = (target, table, kind)
        hit = self._selected.get(key)
        if hit is None:
            hit = [(i, c) for i, c in enumerate(self.result.changes)
                   if (not target or c.target == target) and (not table or c.table == table)
                   and (not kind or c.kind == kind)]
            if len(self._selected) < 256:  # filters are few; a page then slices a list
                self._selected[key] = hit
        return hit

    def change(self, i: int) -> Change:
        if not 0 <= i < len(self.result.changes):
            raise NotFound(f"no change {i} in this diff")
        return self.result.changes[i]


@dataclass
class TimelineEntry:
    from_id: str
    to_id: str
    label: str
    created: str
    status: str
    changes: list[Change] = field(default_factory=list)
    unverifiable: list[str] = field(default_factory=list)
    drift: list[Finding] = field(default_factory=list)  # changed outside any engagement


@dataclass
class Hit:
    target: str
    snapshot: str
    table: str
    column: str
    value: str
    row: dict[str, Any]


class Lru:
    """A small thread-safe LRU of computed results (keys are immutable snapshot ids)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()
        self.building: dict[Any, threading.Lock] = {}

    def get(self, key: Any, make: Callable[[], T]) -> T:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]  # type: ignore[no-any-return]
            gate = self.building.setdefault(key, threading.Lock())
        with gate:  # one thread computes, the others wait for its result
            with self.lock:
                if key in self.items:
                    return self.items[key]  # type: ignore[no-any-return]
            value = make()
            with self.lock:
                self.items[key] = value
                self.building.pop(key, None)
                while len(self.items) > self.size:
                    self.items.popitem(last=False)
            return value


class Data:
    """The web UI's access to one store."""

    def __init__(self, root: Path) -> None:
        self.root = root
        open_store(root).close()  # fail early with the store's own message
        self._local = threading.local()
        self._cache = Lru(64)
        self._write = threading.Lock()
        # snapshot id -> its listing row (all customers; filtered per request): manifests are
        # immutable and a row is small, so a page load reads only the manifests new since the
        # last one (the Lru above would read every manifest again past 64 snapshots)
        self._rows: dict[str, SnapRow] = {}

    # -- store -------------------------------------------------------------------------------
    def store(self) -> EvidenceStore:
        st: EvidenceStore | None = getattr(self._local, "store", None)
        if st is None:
            st = open_store(self.root)
            self._local.store = st
        return st

    def resolve(self, ref: str) -> str:
        """A reference's snapshot id; NotFound also when the user may not see its customer
        (a limited user learns nothing of other customers' snapshots)."""
        try:
            if VISIBLE.get() is None:
                sid = self.store().resolve(ref)
            else:  # latest, previous, label~N, prefixes: among this user's snapshots only
                sid = resolve_ref([s for s in self.store().snapshots() if visible(s.customer)],
                                  ref)
        except SnapshotNotFound as exc:
            raise NotFound(exc.message) from None
        self.check_visible(sid)
        return sid

    def check_visible(self, sid: str) -> None:
        if VISIBLE.get() is not None and \
                not visible(self.snapshot(sid).manifest.scope.customer or ""):
            raise NotFound(f"no snapshot matches '{sid[:12]}'")

    def customer_of(self, sid: str) -> str:
        return self.snapshot(sid).manifest.scope.customer or ""

    def customers(self) -> list[str]:
        """The customers of the snapshots the user may see."""
        return sorted({r.customer for r in self.snapshots() if r.customer})

    def snapshot(self, sid: str) -> SnapshotReader:
        """One snapshot over this thread's store, its manifest checked once (service.snapshot)
        and kept: snapshots are immutable."""
        m = self._cache.get(("manifest", sid), lambda: service.snapshot(self.store(), sid).manifest)
        return reader_of(self.store(), sid, m)

    def manifest(self, sid: str) -> dict[str, Any]:
        """The manifest body as stored (what the pages show of a snapshot)."""
        return self.snapshot(sid).manifest.to_data()

    def target_entry(self, sid: str, name: str) -> TargetEntry:
        found = self.snapshot(sid).target(name)
        if found is None:
            raise NotFound(f"snapshot {sid[:12]} has no target '{name}'")
        return found

    # -- snapshots ---------------------------------------------------------------------------
    def snapshots(self) -> list[SnapRow]:
        """The snapshots the user may see (VISIBLE), oldest first."""
        out = []
        for info in self.store().snapshots():
            row = self._rows.get(info.id)
            if row is None:
                m = self.snapshot(info.id).manifest
                eng = m.engagement
                row = SnapRow(info.id, info.seq, info.label, info.created,
                              [(t.name, t.status) for t in m.targets],
                              eng if isinstance(eng, str) and eng else None,
                              m.scope.customer or "")
                self._rows[info.id] = row
            if visible(row.customer):
                out.append(row)
        return out

    def snapshots_json(self) -> list[dict[str, Any]]:
        """As `proofshot snapshots --json`."""
        return [{"id": r.id, "seq": r.seq, "label": r.label, "created": r.created,
                 "targets": len(r.targets), "not_ok": sum(1 for _, s in r.targets if s != "ok"),
                 "customer": r.customer}
                for r in self.snapshots()]

    # -- diff --------------------------------------------------------------------------------
    def diff(self, a: str, b: str) -> DiffView:
        ia, ib = self.resolve(a), self.resolve(b)
        return self._cache.get(("diff", ia, ib), lambda: self._diff(ia, ib))

    def _diff(self, ia: str, ib: str) -> DiffView:
        cmp = service.compare(self.store(), ia, ib, job=False)  # as `proofshot diff`
        assert cmp.views is not None
        drift = {"drift": [f.to_json() for f in cmp.drift or []]}  # as `diff --json`
        return DiffView(cmp.diff, cmp.views.to_json() | drift)

    # -- show --------------------------------------------------------------------------------
    def show_json(self, sid: str) -> Iterator[str]:
        """`proofshot show ID --json` as pieces of text, row by row (a table of a million rows
        is never held whole): the service's own streamed form."""
        return service.show(self.store(), sid, stream=True).iter_json()

    def table_page(self, sid: str, target: str, table: str, offset: int,
                   limit: int) -> tuple[list[dict[str, Any]], int]:
        """Rows [offset, offset+limit) of one table and its row count; subtrees before the
        offset are skipped by their row counts, so a late page of a huge table is cheap."""
        tab = self.target_entry(sid, target).table(table)
        if tab is None:
            raise NotFound(f"target '{target}' has no table '{table}' in {sid[:12]}")
        get = self.store().get
        rows: list[dict[str, Any]] = []

        def walk(oid: str, skip: int) -> int:
            data = get(oid)
            kids = children(data)
            if kids is None:
                lr = leaf_rows(data)
                for raw in lr[skip:]:
                    if len(rows) >= limit:
                        break
                    rows.append(json.loads(raw))
                return max(0, skip - len(lr))
            for kid, n in kids:
                if len(rows) >= limit:
                    break
                if skip >= n:
                    skip -= n
                    continue
                skip = walk(kid, skip)
            return skip

        walk(tab.root, max(0, offset))
        return rows, tab.rows

    def columns(self, sid: str, target: str, table: str) -> list[dict[str, Any]]:
        tab = self.target_entry(sid, target).table(table)
        if tab is None:
            raise NotFound(f"no table '{table}'")
        snap = self.snapshot(sid)
        schema = self._cache.get(("schema", tab.schema), lambda: snap.get_json(tab.schema))
        return list(schema.get("columns", []))

    # -- a target across snapshots -------------------------------------------------------------
    def targets(self) -> list[str]:
        names: set[str] = set()
        for r in self.snapshots():
            names.update(n for n, _ in r.targets)
        return sorted(names)

    def snapshots_of(self, name: str) -> list[SnapRow]:
        out = [r for r in self.snapshots() if any(n == name for n, _ in r.targets)]
        if not out:
            raise NotFound(f"no snapshot holds a target '{name}'")
        return out

    def latest_of(self, name: str) -> str:
        """The newest snapshot that read the target (else the newest that names it)."""
        snaps = self.snapshots_of(name)
        read = [r for r in snaps if dict(r.targets).get(name) in READABLE]
        return (read or snaps)[-1].id

    def timeline(self, name: str) -> list[TimelineEntry]:
        """What changed on one target from each snapshot of it to the next, newest first."""
        snaps = self.snapshots_of(name)
        out: list[TimelineEntry] = []
        for prev, cur in pairwise(snaps):
            def step(p: SnapRow = prev, c: SnapRow = cur) -> TimelineEntry:
                return self._step(name, p, c)
            out.append(self._cache.get(("timeline", name, prev.id, cur.id), step))
        return out[::-1]

    def _step(self, name: str, prev: SnapRow, cur: SnapRow) -> TimelineEntry:
        a = Manifest(targets=(self.target_entry(prev.id, name),))
        b = Manifest(targets=(self.target_entry(cur.id, name),))
        res = diff_snapshots(self.store().get, prev.id, a, cur.id, b, self.store().get_many)
        drift = service.drift(self.store(), self.snapshot(prev.id), self.snapshot(cur.id),
                              res.changes)
        return TimelineEntry(prev.id, cur.id, cur.label, cur.created, dict(cur.targets)[name],
                             res.changes,
                             [f"{u.table or 'target'}: {u.reason}" for u in res.unverifiable],
                             drift)

    # -- views -------------------------------------------------------------------------------
    def findings(self, sid: str) -> list[Finding]:
        def make() -> list[Finding]:
            return service.findings(self.store(), sid)[1]
        return self._cache.get(("findings", sid), make)

    def paths(self, sid: str) -> dict[str, Any]:
        return self._cache.get(("paths", sid), lambda: self._paths(sid).json)

    def _paths(self, sid: str) -> service.PathsResult:
        return self._cache.get(("paths-result", sid), lambda: service.paths(self.store(), sid))

    def _graph(self, sid: str) -> paths_view.Graph:
        return self._paths(sid).graph

    def paths_svg(self, sid: str) -> str:
        """The map as Graphviz lays it out (`dot`, Debian package graphviz); each host links to
        its target page."""
        def make() -> str:
            dot = self._paths(sid).dot()
            exe = shutil.which("dot")
            if exe is None:
                raise BadInput("Graphviz `dot` not found (apt-get install graphviz)")
            proc = subprocess.run([exe, "-Tsvg"], input=dot.encode(), capture_output=True,
                                  timeout=120, check=False)
            if proc.returncode != 0:
                raise ProofshotError(f"dot failed: {proc.stderr.decode(errors='replace')[-300:]}")
            return proc.stdout.decode("utf-8", errors="replace")
        return self._cache.get(("svg", sid), make)

    def grants(self, sid: str) -> list[Grant]:
        def make() -> list[Grant]:
            return service.access(self.store(), sid)[1]
        return self._cache.get(("grants", sid), make)

    def access(self, sid: str, principal: str | None, resource: str | None) -> list[Grant]:
        return access_view.select(self.grants(sid), principal or None, resource or None)

    # -- search ------------------------------------------------------------------------------
    def latest_targets(self) -> list[tuple[str, str]]:
        """(target, snapshot id) of the newest snapshot that read each target."""
        seen: dict[str, str] = {}
        for r in reversed(self.snapshots()):
            for n, status in r.targets:
                if n not in seen and status in READABLE:
                    seen[n] = r.id
        return sorted(seen.items())

    def search(self, q: str) -> list[Hit]:
        q = q.strip().lower()
        if len(q) < 2:
            return []
        latest = tuple(self.latest_targets())
        index = self._cache.get(("search", latest), lambda: self._search_index(latest))
        hits = []
        for text, hit in index:
            if q in text:
                hits.append(hit)
                if len(hits) >= SEARCH_LIMIT:
                    break
        return hits

    def _search_index(self, latest: tuple[tuple[str, str], ...]) -> list[tuple[str, Hit]]:
        out: list[tuple[str, Hit]] = []
        for name, sid in latest:
            snap = self.snapshot(sid)
            entry = self.target_entry(sid, name)
            out.append((name.lower(), Hit(name, sid, "", "target", name, {})))
            for k, v in sorted(entry.facts.items()):
                if isinstance(v, str | int) and not isinstance(v, bool):
                    out.append((str(v).lower(), Hit(name, sid, "", k, str(v), {})))
            for table in SEARCH_TABLES:
                if entry.table(table) is None:
                    continue
                for row in snap.iter_rows(entry, table):
                    for col, v in row.items():
                        if isinstance(v, str) and v and len(v) <= 300:
                            out.append((v.lower(), Hit(name, sid, table, col, v, row)))
        return out

    # -- engagements -------------------------------------------------------------------------
    def engagements(self) -> list[Engagement]:
        """The engagements of the customers the user may see."""
        return [g for g in load_all(self.store()) if visible(g.customer)]

    def engagement(self, eid: str) -> Engagement:
        for g in self.engagements():
            if g.id == eid:
                return load_engagement(self.store(), eid)
        raise NotFound(f"no engagement '{eid}'")

    def engagement_write(self, action: str, eid: str | None, who: str,
                         fields: dict[str, str]) -> str:
        """The few writes the web allows: start, note, item receive/return/kept, close. `who` is
        the logged-in user, recorded as the technician."""
        st = self.store()
        with self._write:
            if action == "start":
                if not visible(fields.get("customer", "").strip()):
                    raise BadInput("you may not start engagements for this customer")
                return record.start(st, fields.get("title", ""), fields.get("customer", ""),
                                    fields.get("technician") or who)
            if eid is None:
                raise BadInput("no engagement given")
            self.engagement(eid)
            if action == "note":
                return record.note(st, eid, fields.get("text", ""), who)
            if action == "receive":
                return record.receive(st, eid, fields.get("label", ""), fields.get("from", ""),
                                      fields.get("due") or None, who)
            if action in ("return", "kept"):
                return record.settle(st, fields.get("item", ""), action, eid=eid,
                                     to=fields.get("to"), reason=fields.get("reason"),
                                     technician=who)
            if action == "close":
                return record.close(st, eid, fields.get("force_reason") or None, who)
        raise NotFound(f"no engagement action '{action}'")

    # -- reports -----------------------------------------------------------------------------
    def report(self, a: str, b: str | None, lang: str, fmt: str) -> tuple[bytes, str]:
        """The evidence report (A and B) or the documentation (A alone): its bytes and a file
        name."""
        if lang not in ("de", "en") or fmt not in ("pdf", "html"):
            raise NotFound("report formats: pdf or html, languages: de or en")
        ia = self.resolve(a)
        ib = self.resolve(b) if b else None
        name = (f"evidence-{ia[:12]}-{ib[:12]}" if ib else f"docs-{ia[:12]}") + f"-{lang}.{fmt}"
        with tempfile.TemporaryDirectory(prefix="proofshot-web-") as tmp:
            out = Path(tmp) / name
            render_report(self.store(), ia, ib, out, lang)
            return out.read_bytes(), name
