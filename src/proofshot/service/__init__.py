"""The service layer: what the CLI, the report and the web UI ask of proofshot, as typed results
they only render. Each front end calls these functions; none assembles a diff, the views or the
job record itself.

    snapshot(store, ref)              -> SnapshotReader       one snapshot, resolved and checked
    show(store, ref, table=None)      -> Shown                 `show --json` / `/api/show/ID`
    compare(store, a, b)              -> Comparison            diff + views deltas + findings
                                                               + engagement and control pair
    document(store, a)                -> Documentation         one snapshot's data sheets' input
    findings(store, ref)              -> list[Finding]
    paths(store, ref)                 -> PathsResult           the communication graph
    access(store, ref, principal, resource) -> list[Grant]
    engagement_of(store, ...)         -> Engagement | None
    timestamp(store, sid)             -> TimestampInfo | None
    scan(store, scope, label, ...)    -> ScanOutcome           (scan.service, plus nothing yet)
    check(scope)                      -> CheckResult           log in to every target, no queries

Snapshot references (`a`, `b`, `ref`) are ids, unique id prefixes, labels, `latest` or `previous`.
Errors are `ProofshotError`s (model/errors.py) with the exit code a CLI uses.
"""

from proofshot.service.check import CheckResult, TargetCheck, check
from proofshot.service.compare import Comparison, ControlPair, ViewsDelta, change_id, compare
from proofshot.service.document import (
    Documentation,
    PathsResult,
    access,
    document,
    findings,
    paths,
)
from proofshot.service.snapshots import (
    Shown,
    ShownTarget,
    TimestampInfo,
    engagement_of,
    scan,
    show,
    snapshot,
    timestamp,
)

__all__ = [
    "CheckResult",
    "Comparison",
    "ControlPair",
    "Documentation",
    "PathsResult",
    "Shown",
    "ShownTarget",
    "TargetCheck",
    "TimestampInfo",
    "ViewsDelta",
    "access",
    "change_id",
    "check",
    "compare",
    "document",
    "engagement_of",
    "findings",
    "paths",
    "scan",
    "show",
    "snapshot",
    "timestamp",
]
