"""Two snapshots compared: the diff, what the views say changed, the findings on each side, and
(when a job record links one) the engagement and its control pair's ambient drift."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from proofshot.diff.engine import diff_snapshots
from proofshot.diff.model import Change, DiffResult
from proofshot.engagement.model import Engagement
from proofshot.model.snapshot import SnapshotReader
from proofshot.service._drift import drift as drift_alerts
from proofshot.service._snapshots import engagement_of, snapshot
from proofshot.store.api import EvidenceStore
from proofshot.views import access as access_view
from proofshot.views.delta import findings_delta, paths_delta
from proofshot.views.findings import Finding, evaluate
from proofshot.views.pair import Pair, pair_of


def diff(a: SnapshotReader, b: SnapshotReader) -> DiffResult:
    """The table-level diff of two open snapshots (diff/engine.py)."""
    return diff_snapshots(b.get, a.id, a.manifest, b.id, b.manifest, b.get_many)


def attribute(a: SnapshotReader, b: SnapshotReader, res: DiffResult) -> None:
    """Who made each change, where the later snapshot's logs say (views/attribution.py:
    a Windows host's event log): sets each change's `by`."""
    from proofshot.views import attribution
    from proofshot.views.snapshot import from_reader

    if not any(name in t.tables for t in b.targets for name in attribution.TABLES):
        return
    after = from_reader(b, set(attribution.TABLES))
    for c, by in zip(res.changes, attribution.attribute(res.changes, after, a.manifest.created),
                     strict=True):
        c.by = by


def change_id(target: str, table: str, key: Mapping[str, Any]) -> str:
    """A change's identity across two diffs (to match the work's changes with ambient ones)."""
    return json.dumps([target, table, key], sort_keys=True, default=str)


@dataclass(frozen=True)
class ViewsDelta:
    """What the views say changed. `paths`: {new_edges, lost_edges, newly_exposed, blocked,
    unverifiable}; `findings`: {appeared, disappeared, unverifiable, unchanged}; `access`:
    {gained, lost, changed, unverifiable} (views/delta.py, views/access.py)."""

    paths: dict[str, Any]
    findings: dict[str, Any]
    access: dict[str, Any]
    findings_a: list[Finding]
    findings_b: list[Finding]
    pair: Pair = field(repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The views' keys of `diff --json`."""
        return {"paths": self.paths, "findings": self.findings, "access": self.access}


@dataclass(frozen=True)
class ControlPair:
    """A pair taken over a comparable window without work: its changes are ambient drift."""

    a: SnapshotReader
    b: SnapshotReader
    diff: DiffResult

    @property
    def ambient(self) -> set[str]:
        return {change_id(c.target, c.table, c.key) for c in self.diff.changes}


@dataclass(frozen=True)
class Comparison:
    a: SnapshotReader
    b: SnapshotReader
    diff: DiffResult
    views: ViewsDelta | None
    engagement: Engagement | None = None
    control: ControlPair | None = None
    drift: list[Finding] | None = None  # alerts: changed outside any engagement (_drift.py)

    def ambient(self, c: Change) -> bool:
        """The change also happened in the control pair (it would have happened anyway)."""
        return self.control is not None and \
            change_id(c.target, c.table, c.key) in self.control.ambient

    def to_json(self) -> dict[str, Any]:
        """The `diff --json` object (DESIGN.md), with the views' keys and the drift alerts
        (`drift`: [finding]) when computed."""
        return (self.diff.to_json() | (self.views.to_json() if self.views is not None else {})
                | ({"drift": [f.to_json() for f in self.drift]} if self.drift is not None
                   else {}))


def views_delta(a: SnapshotReader, b: SnapshotReader, keyed_hash: Any,
                changes: list[Change] | None = None) -> ViewsDelta:
    """Paths, findings and access deltas; views/pair.py says which tables are read (with the
    row diff's `changes`, a target whose files alone changed is narrowed to those)."""
    p = pair_of(a, b, changes)
    fa, fb = evaluate(p.a, keyed_hash), evaluate(p.b, keyed_hash)
    return ViewsDelta(paths_delta(p.a, p.b), findings_delta(p.a, p.b, fa, fb),
                      access_view.access_delta(p.access_a, p.access_b), fa, fb, p)


def compare(store: EvidenceStore, a: str, b: str, *, views: bool = True, engagement: str | None = None,
            job: bool = True, drift: bool = True) -> Comparison:
    """Compare snapshots `a` and `b` (references). `views=False` skips the views' deltas;
    `job=False` skips the job record (engagement `engagement`, else the one b or a is linked
    to) and its control pair (the engagement's `control` and `control-after` links);
    `drift=False` skips the alerts for changes outside every engagement's window."""
    ra, rb = snapshot(store, a), snapshot(store, b)
    res = diff(ra, rb)
    attribute(ra, rb, res)
    vd = views_delta(ra, rb, store.keys.keyed_hash, res.changes) if views else None
    eng = engagement_of(store, ra, rb, eid=engagement) if job else None
    control = None
    if eng is not None and eng.links.get("control") and eng.links.get("control-after"):
        ca, cb = snapshot(store, eng.links["control"]), snapshot(store, eng.links["control-after"])
        control = ControlPair(ca, cb, diff(ca, cb))
    alerts = drift_alerts(store, ra, rb, res.changes) if drift else None
    return Comparison(ra, rb, res, vd, eng, control, alerts)
