"""The views' data for two snapshots (a diff, an evidence report), read once.

Paths and findings need their tables from both sides. The access view needs a file server's
ACL tables, which can be millions of rows; when none of its tables changed between the two
snapshots (same targets, read alike, same trees), its delta has nothing gained or lost by
construction, so those tables are not read: the access view then gets the tables listed but
empty, except the small share tables that say which share-level ACLs are not known.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from proofshot.model.snapshot import Manifest, SnapshotReader, SnapshotSource, as_manifest
from proofshot.store.reader import open_snapshot
from proofshot.views import access, paths
from proofshot.views.findings import tables_needed
from proofshot.views.snapshot import SnapshotData, from_reader


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


def pair_of(ra: SnapshotReader, rb: SnapshotReader) -> Pair:
    """The views' data of two open snapshots (see the module's doc)."""
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
        return Pair(sa, sb, sa, sb, False)
    return Pair(sa, sb, from_reader(ra, access_tables, read_rows=access.PER_SHARE),
                from_reader(rb, access_tables, read_rows=access.PER_SHARE), True)


def _hosts(s: SnapshotData, names: set[str]) -> dict[str, tuple[str | None, list[str]]]:
    return {t.name: access.host_context(t) for t in s.targets.values() if t.name in names}
