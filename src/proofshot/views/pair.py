"""The views' data for two snapshots (a diff, an evidence report), read once.

Paths and findings need their tables from both sides. The access view needs a file server's
ACL tables, which can be millions of rows; when none of its tables changed between the two
snapshots (same targets, read alike, same trees), its delta has nothing gained or lost by
construction, so those tables are not read: the access view then gets the tables listed but
empty, except the small share tables that say which share-level ACLs are not known.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from proofshot.store.embedded import Store
from proofshot.views import access, paths
from proofshot.views.findings import tables_needed
from proofshot.views.snapshot import SnapshotData, load


@dataclass
class Pair:
    a: SnapshotData  # paths' and findings' tables (and the access view's when they changed)
    b: SnapshotData
    access_a: SnapshotData  # what the access delta is computed over
    access_b: SnapshotData
    access_unchanged: bool


def same_tables(ma: dict[str, Any], mb: dict[str, Any], tables: Collection[str]) -> bool:
    """Both snapshots hold the same targets, read alike, with the same trees for `tables`:
    then a view that is a pure function of those tables has nothing to show between them."""
    def sig(m: dict[str, Any]) -> dict[str, Any]:
        return {t["name"]: (t.get("type"), t.get("status"),
                            {n: x["root"] for n, x in t.get("tables", {}).items() if n in tables},
                            {n: (u or {}).get("status") for n, u in
                             t.get("unverifiable", {}).items() if n in tables})
                for t in m["targets"]}
    return sig(ma) == sig(mb)


def load_pair(store: Store, ia: str, ib: str) -> Pair:
    access_tables = set(access.TABLES)
    unchanged = same_tables(store.manifest(ia), store.manifest(ib), access_tables)
    need = set(paths.TABLES) | tables_needed() | (set() if unchanged else access_tables)
    sa, sb = load(store, ia, need), load(store, ib, need)
    if not unchanged:
        return Pair(sa, sb, sa, sb, False)
    return Pair(sa, sb, load(store, ia, access_tables, read_rows=access.PER_SHARE),
                load(store, ib, access_tables, read_rows=access.PER_SHARE), True)
