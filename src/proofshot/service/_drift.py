"""Drift between two snapshots of one customer that no engagement explains.

A change between snapshots A and B happened somewhere in (A.created, B.created]. When that
window overlaps no engagement window [opened, closed] (an open engagement: up to now) of the
snapshots' customer, no recorded job can have made it: each target with such changes gets a
finding-like alert, rule `drift-outside-engagement` ("changed outside any engagement").

A pair of snapshots of different customers is not drift (no alert). Snapshots without a customer
are held against every engagement in the store (any of them could have made the change).
Pure: `outside_alerts` takes the engagements as data; `drift` reads them from the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from proofshot.diff.model import Change
from proofshot.engagement.model import Engagement, load_all
from proofshot.model.snapshot import SnapshotReader
from proofshot.store.api import EvidenceStore
from proofshot.views.findings import Finding

RULE = "drift-outside-engagement"
TITLE = "changed outside any engagement"
REMEDY = ("Find out who changed these systems and why: no recorded engagement of this customer "
          "covers the time between the two snapshots.")
SEVERITY = "medium"
MAX_EVIDENCE = 50  # changes named per target
MAX_ENGAGEMENTS = 20  # engagement windows a report or an alert lists


def _when(s: str | None) -> datetime | None:
    if not s:
        return None
    try:
        t = datetime.fromisoformat(s)
    except ValueError:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def covering(engagements: Iterable[Engagement], customer: str, start: str | None,
             end: str | None) -> list[Engagement]:
    """The engagements of `customer` (all, when it is empty) whose window overlaps
    (start, end]."""
    t0, t1 = _when(start), _when(end)
    out = []
    for g in engagements:
        if customer and g.customer != customer:
            continue
        opened, closed = _when(g.opened), _when(g.closed)
        if opened is None or t1 is None or t0 is None:
            out.append(g)  # a time we cannot read: never claim the change was outside
            continue
        if opened <= t1 and (closed is None or closed >= t0):
            out.append(g)
    return out


def outside_alerts(a: SnapshotReader, b: SnapshotReader, changes: Sequence[Change],
                   engagements: Iterable[Engagement]) -> list[Finding]:
    """One alert per target whose changes between `a` and `b` no engagement's window covers."""
    ca, cb = a.manifest.scope.customer or "", b.manifest.scope.customer or ""
    if not changes or ca != cb:
        return []
    start, end = a.manifest.created, b.manifest.created
    if covering(engagements, cb, start, end):
        return []
    per: dict[str, list[Change]] = {}
    for c in changes:
        per.setdefault(c.target, []).append(c)
    window = f"{start} .. {end}"
    return [Finding(
        rule=RULE, severity=SEVERITY, target=t, title=TITLE,
        subject=f"{len(cs)} changes between {start} and {end}",
        remedy=REMEDY,
        evidence=[{"table": c.table, "key": dict(c.key), "kind": c.kind}
                  for c in cs[:MAX_EVIDENCE]],
        detail=f"customer {cb or '(none)'}; window {window}; no engagement overlaps it",
    ) for t, cs in sorted(per.items())]


def drift(store: EvidenceStore, a: SnapshotReader, b: SnapshotReader, changes: Sequence[Change]
          ) -> list[Finding]:
    """`outside_alerts` against the store's engagements (read only when there are changes)."""
    if not changes:
        return []
    return outside_alerts(a, b, changes, load_all(store, scans=False))


@dataclass(frozen=True)
class DriftCheck:
    """What `outside_alerts` decided and what it held the changes against, for a report to
    show: the window (start, end] the changes happened in, the customer, the engagements of
    that customer it was checked against (each with its own window) and those that overlap it.
    `checked` is False when there was nothing to check (no changes) or the snapshots belong to
    different customers (then `reason` says which)."""

    start: str | None
    end: str | None
    customer: str
    checked: bool
    reason: str | None
    engagements: list[Engagement]
    covering: list[Engagement]
    alerts: list[Finding]
    changes: int  # changes between the two snapshots
    outside: int  # of them, outside every engagement's window

    def nearest(self, limit: int = MAX_ENGAGEMENTS) -> list[Engagement]:
        """The engagements held against, in time order: all of them up to `limit`, else those
        that overlap the window and the nearest others (by how far their window lies from
        it); never one that overlaps is left out."""
        engs = list(self.engagements)
        if len(engs) <= limit:
            return engs
        cover = {g.id for g in self.covering}
        start, end = _when(self.start), _when(self.end)

        def distance(g: Engagement) -> float:
            if start is None or end is None:
                return 0.0
            opened, closed = _when(g.opened), _when(g.closed)
            if opened is not None and opened > end:
                return (opened - end).total_seconds()
            return (start - closed).total_seconds() if closed is not None else 0.0

        others = sorted((g for g in engs if g.id not in cover), key=distance)
        keep = cover | {g.id for g in others[:max(0, limit - len(cover))]}
        return [g for g in engs if g.id in keep]


def drift_check(store: EvidenceStore, a: SnapshotReader, b: SnapshotReader,
                changes: Sequence[Change]) -> DriftCheck:
    """`drift`, with the windows it was checked against."""
    ca, cb = a.manifest.scope.customer or "", b.manifest.scope.customer or ""
    start, end = a.manifest.created, b.manifest.created
    if ca != cb:
        return DriftCheck(start, end, cb, False, "customers", [], [], [], len(changes), 0)
    if not changes:
        return DriftCheck(start, end, cb, False, "no-changes", [], [], [], 0, 0)
    engs = load_all(store, scans=False)
    mine = [g for g in engs if not cb or g.customer == cb]
    cover = covering(mine, cb, start, end)
    alerts = outside_alerts(a, b, changes, engs)
    return DriftCheck(start, end, cb, True, None, mine, cover, alerts, len(changes),
                      0 if cover else len(changes))
