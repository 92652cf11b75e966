"""The service layer: what the CLI, the report and the web UI ask of proofshot, as typed results
they only render. Each front end calls these functions; none assembles a diff, the views or the
job record itself.

    snapshot(store, ref)              -> SnapshotReader       one snapshot, resolved and checked
    show(store, ref, table=None)      -> Shown                 `show --json` / `/api/show/ID`
    compare(store, a, b)              -> Comparison            diff + views deltas + findings
                                                               + engagement and control pair
                                                               + drift alerts
    drift(store, a, b, changes)       -> list[Finding]         changed outside any engagement
    drift_check(store, a, b, changes) -> DriftCheck            the same, with the windows checked
    document(store, a)                -> Documentation         one snapshot's data sheets' input
    data_sheets(snap, target)         -> list[Sheet]           what a collector plugin adds to them
    findings(store, ref)              -> list[Finding]
    paths(store, ref)                 -> PathsResult           the communication graph
    access(store, ref, principal, resource) -> list[Grant]
    iter_access(store, ref, principal, resource) -> Iterator[Grant]   the same, streamed
    engagement_of(store, ...)         -> Engagement | None
    timestamp(store, sid)             -> TimestampInfo | None
    scan(store, scope, label, ...)    -> ScanOutcome           (scan.service, plus nothing yet)
    check(scope)                      -> CheckResult           log in to every target, no queries
    after_scheduled_scan(store, be, sid, ...) -> AlertOutcome  drift since the scope's previous
                                                               snapshot: event recorded, alerted
    deliver_due(be)                   -> [(kind, target, ok, result)]  alerts due (retries)

Snapshot references (`a`, `b`, `ref`) are ids, unique id prefixes, labels, `latest` or `previous`.
Errors are `ProofshotError`s (model/errors.py) with the exit code a CLI uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from proofshot.service._alerts import AlertOutcome, after_scheduled_scan, deliver_due
    from proofshot.service._check import CheckResult, TargetCheck, check
    from proofshot.service._compare import (
        Comparison,
        ControlPair,
        ViewsDelta,
        attribute,
        change_id,
        compare,
    )
    from proofshot.service._document import (
        Documentation,
        PathsResult,
        access,
        data_sheets,
        document,
        findings,
        iter_access,
        paths,
    )
    from proofshot.service._drift import DriftCheck, drift, drift_check
    from proofshot.service._scan import scan
    from proofshot.service._snapshots import Shown, ShownTarget, engagement_of, show, snapshot
    from proofshot.service._stamps import TimestampInfo, timestamp

_CHECK = {"CheckResult", "TargetCheck", "check"}
_COMPARE = {"Comparison", "ControlPair", "ViewsDelta", "attribute", "change_id", "compare"}
_DOCUMENT = {"Documentation", "PathsResult", "access", "data_sheets", "document", "findings",
             "iter_access", "paths"}
_SNAPSHOTS = {"Shown", "ShownTarget", "engagement_of", "show", "snapshot"}
_STAMPS = {"TimestampInfo", "timestamp"}
_ALERTS = {"AlertOutcome", "after_scheduled_scan", "deliver_due"}
_DRIFT = {"DriftCheck", "drift", "drift_check"}


def __getattr__(name: str) -> Any:
    """Imported on first use: `proofshot check` need not load the views (networkx) and the
    job record to log in to targets."""
    if name in _CHECK:
        from proofshot.service import _check as mod
    elif name in _COMPARE:
        from proofshot.service import _compare as mod  # type: ignore[no-redef]
    elif name in _ALERTS:
        from proofshot.service import _alerts as mod  # type: ignore[no-redef]
    elif name in _DRIFT:
        from proofshot.service import _drift as mod  # type: ignore[no-redef]
    elif name in _DOCUMENT:
        from proofshot.service import _document as mod  # type: ignore[no-redef]
    elif name in _SNAPSHOTS:
        from proofshot.service import _snapshots as mod  # type: ignore[no-redef]
    elif name in _STAMPS:
        from proofshot.service import _stamps as mod  # type: ignore[no-redef]
    elif name == "scan":
        from proofshot.service import _scan as mod  # type: ignore[no-redef]
    else:
        raise AttributeError(f"module 'proofshot.service' has no attribute '{name}'")
    return getattr(mod, name)


__all__ = [
    "AlertOutcome",
    "CheckResult",
    "Comparison",
    "ControlPair",
    "Documentation",
    "DriftCheck",
    "PathsResult",
    "Shown",
    "ShownTarget",
    "TargetCheck",
    "TimestampInfo",
    "ViewsDelta",
    "access",
    "after_scheduled_scan",
    "attribute",
    "change_id",
    "check",
    "compare",
    "data_sheets",
    "deliver_due",
    "document",
    "drift",
    "drift_check",
    "engagement_of",
    "findings",
    "iter_access",
    "paths",
    "scan",
    "show",
    "snapshot",
    "timestamp",
]
