"""The views' data for two snapshots (a diff, an evidence report), read once.

Paths and findings need their tables from both sides. The access view needs a file server's
ACL tables, which can be millions of rows; when none of its tables changed between the two
snapshots (same targets, read alike, same trees), its delta has nothing gained or lost by
construction, so those tables are not read: the access view then gets the tables listed but
empty, except the small share tables that say which share-level ACLs are not known.

When only a target's `files` rows changed among its access tables (users, groups, members,
sudoers, POSIX ACLs the same trees, the same host name and addresses), the rights through its
other files are the same on both sides: a file's grants depend on its own row, its ACL entries
and the memberships (views/access.py), never on another file's row. Its access delta is then
computed over the changed rows only, as the row diff gives them (before and after), not over
the whole tree: a 100,000-file target with 200 changed files costs 200 files, not 2 x 100,000.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from proofshot.model.snapshot import Manifest, SnapshotReader, SnapshotSource, as_manifest
from proofshot.store.reader import open_snapshot
from proofshot.views import access, paths
from proofshot.views.findings import tables_needed
from proofshot.views.snapshot import SnapshotData, TargetData, from_reader

if TYPE_CHECKING:
    from proofshot.diff.model import Change


@dataclass
class Pair:
    a: SnapshotData  # paths' and findings' tables (and the access view's when they changed)
    b: SnapshotData
    access_a: SnapshotData  # what the access delta is computed over
    access_b: SnapshotData
    access_unchanged: bool


def same_tables(ma: Manifest | Mapping[str, Any], mb: Manifest | Mapping[str, Any],
                tables: Collection[str]) -> bool:
    """Both snapshots hold the same targets, read alike, with the same trees for `tables`:
    then a view that is a pure function of those tables has nothing to show between them."""
    def sig(m: Manifest) -> dict[str, Any]:
        return {t.name: (t.type, t.status,
                         {n: x.root for n, x in t.tables.items() if n in tables},
                         {n: u.status for n, u in t.unverifiable.items() if n in tables})
                for t in m.targets}
    return sig(as_manifest(ma)) == sig(as_manifest(mb))


def load_pair(store: SnapshotSource, ia: str, ib: str) -> Pair:
    return pair_of(open_snapshot(store, ia), open_snapshot(store, ib))


def pair_of(ra: SnapshotReader, rb: SnapshotReader, changes: Iterable[Change] | None = None
            ) -> Pair:
    """The views' data of two open snapshots (see the module's doc). `changes`: the row diff
    of the two (all of it), to narrow a target whose access tables changed in `files` only."""
    access_tables = set(access.READ)
    unchanged = same_tables(ra.manifest, rb.manifest, set(access.TABLES))
    need = set(paths.TABLES) | tables_needed() | (set() if unchanged else access_tables)
    sa, sb = from_reader(ra, need), from_reader(rb, need)
    sudo = {t.name for m in (ra.manifest, rb.manifest) for t in m.targets if "sudoers" in t.tables}
    if unchanged and _hosts(sa, sudo) != _hosts(sb, sudo):
        # sudo host lists: a host renamed or readdressed can gain or lose grants
        unchanged = False
        need |= access_tables
        sa, sb = from_reader(ra, need), from_reader(rb, need)
    if not unchanged:
        if changes is None:
            return Pair(sa, sb, sa, sb, False)
        xa, xb = _narrowed(ra.manifest, rb.manifest, sa, sb, changes)
        return Pair(sa, sb, xa, xb, False)
    return Pair(sa, sb, from_reader(ra, access_tables, read_rows=access.PER_SHARE),
                from_reader(rb, access_tables, read_rows=access.PER_SHARE), True)


def _hosts(s: SnapshotData, names: set[str]) -> dict[str, tuple[str | None, list[str]]]:
    return {t.name: access.host_context(t) for t in s.targets.values() if t.name in names}


def files_only(ma: Manifest, mb: Manifest, sa: SnapshotData, sb: SnapshotData) -> set[str]:
    """Targets read alike on both sides whose access tables are the same trees but `files`
    (read on both sides, whole), with the same host context: their access delta depends on
    the changed files rows only (the module's doc)."""
    ta, tb = {t.name: t for t in ma.targets}, {t.name: t for t in mb.targets}
    out = set()
    for name in ta.keys() & tb.keys():
        x, y = ta[name], tb[name]
        if x.status != y.status or "files" not in x.tables or "files" not in y.tables \
                or "files" in x.unverifiable or "files" in y.unverifiable:
            continue
        if any((n in x.tables) != (n in y.tables)
               or (n in x.tables and x.tables[n].root != y.tables[n].root)
               or (n in x.unverifiable) != (n in y.unverifiable)
               for n in access.TABLES if n != "files"):
            continue
        if name in sa.targets and name in sb.targets and \
                access.host_context(sa.targets[name]) == access.host_context(sb.targets[name]):
            out.add(name)
    return out


def _narrowed(ma: Manifest, mb: Manifest, sa: SnapshotData, sb: SnapshotData,
              changes: Iterable[Change]) -> tuple[SnapshotData, SnapshotData]:
    """sa and sb with the `files` rows of files_only's targets cut to the changed ones."""
    only = files_only(ma, mb, sa, sb)
    if not only:
        return sa, sb
    rows: dict[str, tuple[list[Any], list[Any]]] = {n: ([], []) for n in only}
    for c in changes:
        if c.table == "files" and c.target in rows:
            if c.before is not None:
                rows[c.target][0].append(c.before)
            if c.after is not None:
                rows[c.target][1].append(c.after)

    def cut(s: SnapshotData, side: int) -> SnapshotData:
        targets: dict[str, TargetData] = dict(s.targets)
        for n in only:
            t = targets[n]
            targets[n] = replace(t, tables={**t.tables, "files": rows[n][side]})
        return replace(s, targets=targets)

    return cut(sa, 0), cut(sb, 1)
