"""The previous snapshot a plan may reuse part of (collectors.base.Reuses: the linux collector's
trust_metadata reuses the hashes of files whose identity is unchanged).

Which one: the newest snapshot in the store (by commit order) of the same customer that holds
a target of the same name and type (another customer's "web01" is another machine) with the
reused table read whole (status ok) and the reused query's answer kept; its manifest is checked
(id and signature) before anything in it is trusted. `verify --rederive` loads the one a table
entry names (`reused_from`), so the rows come out the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from proofshot.collectors.base import PRIOR, Collector, Reuses
from proofshot.model.errors import IntegrityError, ProofshotError
from proofshot.model.snapshot import SnapshotReader, TargetEntry
from proofshot.store.api import EvidenceStore
from proofshot.store.reader import open_snapshot


def latest_with(store: EvidenceStore, customer: str, target: str, type_: str, table: str,
                query: str) -> tuple[SnapshotReader, TargetEntry] | None:
    """The newest snapshot of `customer` holding `target` (of `type_`) with `table` read
    whole (status ok) and `query`'s answer kept."""
    for info in reversed(store.snapshots()):
        if info.customer != customer:
            continue
        snap = open_snapshot(store, info.id)
        entry = snap.target(target)
        ref = entry.tables.get(table) if entry is not None else None
        if (entry is not None and entry.type == type_ and ref is not None
                and ref.status == "ok"  # a partial table (a source failed) lends nothing
                and any(c.query == query and c.transcript for c in entry.coverage)):
            return snap, entry
    return None


def load(collector: Reuses, snap: SnapshotReader, entry: TargetEntry, table: str,
         query: str) -> Any:
    """What `collector.prior` makes of this snapshot's answer of `query` and rows of `table`
    (None when the snapshot has nothing usable)."""
    cov = next((c for c in entry.coverage if c.query == query and c.transcript), None)
    if cov is None or table not in entry.tables:
        return None
    answer = snap.transcript(cov).text
    return collector.prior(snap.id, answer, snap.iter_raw(entry, table))


def with_prior(store: EvidenceStore, collector: Collector, options: Mapping[str, Any],
               target: str, type_: str, customer: str | None) -> dict[str, Any]:
    """`options` plus options[PRIOR] from the newest usable snapshot of this target, when the
    collector reuses one and the options ask for it; else `options` unchanged."""
    opts = dict(options)
    if not isinstance(collector, Reuses):
        return opts
    need = collector.reuses(options)
    if need is None:
        return opts
    try:
        found = latest_with(store, customer or "", target, type_, *need)
        if found is not None:
            opts[PRIOR] = load(collector, *found, *need)
    except ProofshotError:  # a snapshot that does not verify is never trusted: read every file
        opts.pop(PRIOR, None)
    return opts


def for_rederive(store: EvidenceStore, collector: Collector, options: Mapping[str, Any],
                 entry: TargetEntry) -> dict[str, Any]:
    """`options` plus options[PRIOR] from the snapshot a table entry of `entry` says it reused
    (`reused_from` in its record); ProofshotError when that snapshot cannot be read."""
    opts = dict(options)
    if not isinstance(collector, Reuses):
        return opts
    need = collector.reuses(options)
    if need is None:
        return opts
    table, query = need
    ref = entry.tables.get(table)
    sid = _reused_from(ref.extra if ref is not None else {})
    if sid is None:
        return opts
    snap = open_snapshot(store, sid)
    old = snap.target(entry.name)
    if old is None:
        raise IntegrityError(f"snapshot {sid[:12]} (whose hashes {entry.name}/{table} reused) "
                             f"holds no target {entry.name}")
    opts[PRIOR] = load(collector, snap, old, table, query)
    return opts


def _reused_from(extra: Mapping[str, Any]) -> str | None:
    hashes = extra.get("hashes")
    if isinstance(hashes, Mapping) and isinstance(hashes.get("reused_from"), str):
        return str(hashes["reused_from"])
    return None
