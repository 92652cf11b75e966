"""One snapshot documented: its views' data, findings, communication graph and access rights."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from proofshot.collectors.plugin import DataSheets, Sheet
from proofshot.model.snapshot import SnapshotReader, TargetEntry
from proofshot.scan import catalog
from proofshot.service._snapshots import snapshot
from proofshot.store.api import EvidenceStore
from proofshot.views import access as access_view
from proofshot.views import paths as paths_view
from proofshot.views.findings import Finding, evaluate, tables_needed
from proofshot.views.grant import Grant
from proofshot.views.snapshot import SnapshotData, from_reader


def views_tables() -> set[str]:
    """The tables the views read (paths, access, findings): not the whole inventory."""
    return set(paths_view.TABLES) | set(access_view.READ) | tables_needed()


@dataclass(frozen=True)
class PathsResult:
    """The communication graph: `json` is the `paths --json` contract."""

    snapshot: SnapshotReader
    graph: paths_view.Graph = field(repr=False, compare=False)

    @property
    def json(self) -> dict[str, Any]:
        return paths_view.to_json(self.graph)

    def dot(self) -> str:
        return paths_view.to_dot(self.graph)

    def text_lines(self) -> list[str]:
        return paths_view.text_lines(self.graph)


@dataclass(frozen=True)
class Documentation:
    """What the documentation report (and a snapshot page) shows of one snapshot."""

    snapshot: SnapshotReader
    data: SnapshotData  # the views' tables
    findings: list[Finding]
    paths: PathsResult
    share_gaps: list[dict[str, str]]

    @property
    def grants(self) -> list[Grant]:
        """Every grant (views/access.grants); `iter_grants` streams them."""
        return list(self.iter_grants())

    def iter_grants(self) -> Iterator[Grant]:
        return access_view.iter_grants(self.data)

    def access_matrix(self) -> list[dict[str, Any]]:
        """principal -> resource -> rights, one row per pair (views/access.matrix)."""
        return list(self.iter_access_matrix())

    def iter_access_matrix(self) -> Iterator[dict[str, Any]]:
        """`access_matrix` streamed: one (principal, resource) pair's grants held at a time."""
        return access_view.iter_matrix(self.iter_grants())


def data_sheets(snap: SnapshotReader, target: TargetEntry) -> list[Sheet]:
    """The sections the target's collector plugin adds to its data sheet (none when it adds
    none, or when this installation lacks the collector that read it)."""
    plugin = catalog.plugin(target.collector.name) if target.collector.name else None
    if plugin is None or not isinstance(plugin, DataSheets):
        return []
    return list(plugin.data_sheets(snap, target))


def document(store: EvidenceStore, a: str) -> Documentation:
    snap = snapshot(store, a)
    data = from_reader(snap, views_tables())
    return Documentation(snap, data, evaluate(data, store.keys.keyed_hash),
                         PathsResult(snap, paths_view.build(data)), access_view.share_gaps(data))


def findings(store: EvidenceStore, ref: str) -> tuple[SnapshotReader, list[Finding]]:
    """Findings over one snapshot (views/findings.py)."""
    snap = snapshot(store, ref)
    return snap, evaluate(from_reader(snap, tables_needed()), store.keys.keyed_hash)


def paths(store: EvidenceStore, ref: str) -> PathsResult:
    snap = snapshot(store, ref)
    return PathsResult(snap, paths_view.build(from_reader(snap, paths_view.TABLES)))


def access(store: EvidenceStore, ref: str, principal: str | None = None,
           resource: str | None = None) -> tuple[SnapshotReader, list[Grant]]:
    """Effective rights in one snapshot, filtered by principal and resource text."""
    snap, gs = iter_access(store, ref, principal, resource)
    return snap, list(gs)


def iter_access(store: EvidenceStore, ref: str, principal: str | None = None,
                resource: str | None = None) -> tuple[SnapshotReader, Iterator[Grant]]:
    """`access` streamed: the grants in their order, in bounded memory (a large table is read
    from the store as the grants are made, views/snapshot.py; they are sorted in runs on disk,
    views/spill.py)."""
    snap = snapshot(store, ref)
    data = from_reader(snap, access_view.READ)
    return snap, access_view.iter_select(access_view.iter_grants(data), principal, resource)
