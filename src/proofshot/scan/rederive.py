"""Re-deriving a snapshot's tables from its stored transcripts.

The evidence claim is that rows follow from the raw answers the systems gave. This runs the
same pure builders over the stored (masked) answers and checks that every table's tree root
comes out identical. Rows are built from the masked answers at scan time too, so the same
builders on the same stored bytes must give the same rows.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proofshot.model.errors import ProofshotError
from proofshot.model.table import Table
from proofshot.scan import prior
from proofshot.scan.catalog import collector as collector_by_name
from proofshot.scan.record import write_table
from proofshot.scan.runner import Sorters, build_table
from proofshot.scan.sorter import Sorter, table_sorter
from proofshot.store.api import EvidenceStore
from proofshot.store.reader import open_snapshot


@dataclass
class RederiveReport:
    tables: int = 0
    matched: int = 0
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class _Sink:
    """Object writer that keeps nothing: only the ids matter here."""

    def put(self, raw: bytes) -> str:
        return hashlib.sha256(raw).hexdigest()


def rederive(store: EvidenceStore, sid: str) -> RederiveReport:
    """Large tables are sorted on disk here as in the scan, so memory stays flat."""
    with tempfile.TemporaryDirectory(prefix=f"rederive-{os.getpid()}-", suffix=".tmp",
                                     dir=store.tmp_dir) as tmp:
        n = iter(range(1 << 30))

        def sorters(table: Table) -> Sorter:
            return table_sorter(Path(tmp), f"r{next(n)}", table, store.keys.keyed_hash)

        return _rederive(store, sid, sorters)


def _rederive(store: EvidenceStore, sid: str, sorters: Sorters) -> RederiveReport:
    rep = RederiveReport()
    snap = open_snapshot(store, sid)
    options_by_name = {t["name"]: t for t in snap.scope().get("targets", [])}
    for t in snap.targets:
        if not t.tables:
            continue
        collector = collector_by_name(t.collector.name) if t.collector.name else None
        options: dict[str, Any] | None = options_by_name.get(t.name)
        if options is not None and options.get("type") == "replay":  # the recorded options
            options = {**(options.get("options") or {}), "name": t.name}
        if collector is None or options is None:
            rep.skipped.append(f"{t.name}: no collector or options to re-derive with")
            continue
        if t.collector.version != collector.version:
            # its parsers gave other rows then (e.g. a column added since): not a mismatch
            rep.skipped.append(f"{t.name}: collected by {collector.name} "
                               f"{t.collector.version}; this version re-derives "
                               f"{collector.name} {collector.version}")
            continue
        try:  # trust_metadata: the snapshot whose hashes the files table reused
            options = prior.for_rederive(store, collector, options, t)
        except ProofshotError as exc:
            rep.problems.append(f"{t.name}: cannot re-derive: {exc}")
            continue
        plan = collector.plan(options)
        declared = {s.query.id: s.query for s in plan.steps}
        answers = {c.query: snap.transcript(c) for c in t.coverage}
        for spec in plan.specs:
            stored = t.tables.get(spec.table.name)
            if stored is None:
                continue
            rep.tables += 1
            tr = build_table(spec, answers, declared, sorters)
            rows = tr.sorted if tr.sorted is not None else tr.rows
            if rows is None:
                rep.problems.append(f"{t.name}/{spec.table.name}: cannot re-derive: "
                                    f"{tr.reason}")
                continue
            try:
                root, _ = write_table(_Sink(), spec.table, rows,  # type: ignore[arg-type]
                                      store.keys.keyed_hash)
            finally:
                if tr.sorted is not None:
                    tr.sorted.remove()
            if root != stored.root:
                rep.problems.append(f"{t.name}/{spec.table.name}: rows re-derived from the "
                                    "transcript differ from the stored table")
            else:
                rep.matched += 1
    return rep
