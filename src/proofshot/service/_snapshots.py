"""One snapshot: open it, show it, and the job record it is linked to."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from proofshot.engagement import model as engagement_model
from proofshot.engagement.model import Engagement
from proofshot.model import hashmode
from proofshot.model.snapshot import SnapshotReader, TableGap
from proofshot.model.table import Row
from proofshot.store.api import EvidenceStore
from proofshot.store.reader import open_snapshot
from proofshot.views.snapshot import TableRows


def snapshot(store: EvidenceStore, ref: str) -> SnapshotReader:
    """The snapshot `ref` names, its manifest checked against its id and signature (raises
    IntegrityError when altered, SnapshotNotFound when nothing matches)."""
    return open_snapshot(store, store.resolve(ref))


@dataclass(frozen=True)
class ShownTarget:
    name: str
    type: str
    status: str
    reason: str
    facts: dict[str, Any]
    tables: dict[str, Sequence[Row]]  # lists, or with show(stream=True) rows read on demand
    unverifiable: dict[str, TableGap]
    # table -> how its SHA-256 column was filled (model/hashmode.py), with "text"
    hashes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "status": self.status,
                "reason": self.reason, "facts": self.facts,
                "tables": {n: list(rows) for n, rows in self.tables.items()},
                "unverifiable": {n: g.to_json() for n, g in self.unverifiable.items()},
                # only where recorded: older snapshots show exactly as they did
                **({"hashes": self.hashes} if self.hashes else {})}

    def iter_json(self) -> Iterator[str]:
        """`json.dumps(self.to_json(), ensure_ascii=False)` in pieces, a row at a time."""
        head = json.dumps({"name": self.name, "type": self.type, "status": self.status,
                           "reason": self.reason, "facts": self.facts}, ensure_ascii=False)
        yield head[:-1] + ', "tables": {'
        for i, (name, rows) in enumerate(self.tables.items()):
            yield (", " if i else "") + json.dumps(name, ensure_ascii=False) + ": ["
            for j, row in enumerate(rows):
                yield (", " if j else "") + json.dumps(row, ensure_ascii=False)
            yield "]"
        yield "}, \"unverifiable\": " + json.dumps(
            {n: g.to_json() for n, g in self.unverifiable.items()}, ensure_ascii=False)
        if self.hashes:
            yield ", \"hashes\": " + json.dumps(self.hashes, ensure_ascii=False)
        yield "}"


@dataclass(frozen=True)
class Shown:
    """A snapshot with its rows: `to_json()` is the `show --json` contract (DESIGN.md)."""

    id: str
    label: str
    created: str | None
    seq: int | None
    targets: list[ShownTarget] = field(default_factory=list)
    snapshot: SnapshotReader | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "created": self.created, "seq": self.seq,
                "targets": [t.to_json() for t in self.targets]}

    def iter_json(self) -> Iterator[str]:
        """`json.dumps(self.to_json(), ensure_ascii=False)` in pieces: with show(stream=True)
        a table of millions of rows is printed a row at a time, never held."""
        head = json.dumps({"id": self.id, "label": self.label, "created": self.created,
                           "seq": self.seq}, ensure_ascii=False)
        yield head[:-1] + ', "targets": ['
        for i, t in enumerate(self.targets):
            if i:
                yield ", "
            yield from t.iter_json()
        yield "]}"


def show(store: EvidenceStore, ref: str, table: str | None = None, rows: bool = True,
         stream: bool = False) -> Shown:
    """Every target with its tables' rows (only `table` when given; none with rows=False).
    With stream=True the rows are not read here: each table's rows are read from the store
    whenever they are iterated (views/snapshot.TableRows), one chunk at a time."""
    snap = snapshot(store, ref)
    m = snap.manifest
    targets = []
    for t in m.targets:
        tables: dict[str, Sequence[Row]] = {
            name: (TableRows(snap, t, name, t.tables[name].rows) if rows and stream
                   else snap.rows(t, name) if rows else [])
            for name in sorted(t.tables) if not table or name == table}
        targets.append(ShownTarget(t.name, t.type, t.status, t.reason, dict(t.facts), tables,
                                   dict(t.unverifiable), hashmode.of_target(t)))
    return Shown(snap.id, m.label, m.created, m.seq, targets, snap)


def engagement_of(store: EvidenceStore, *snaps: SnapshotReader, eid: str | None = None
                  ) -> Engagement | None:
    """The job record `eid` names, else the one the last of `snaps` (then earlier ones) names
    in its manifest, else the one that links one of them; None when there is none."""
    ref = eid or next((s.manifest.engagement for s in reversed(snaps)
                       if s.manifest.engagement), None)
    if not ref:  # a snapshot linked to a job record afterwards (engagement link ROLE ID)
        ref = engagement_model.naming(store, [s.id for s in snaps])
    if not ref:
        return None
    return engagement_model.load(store, ref)
