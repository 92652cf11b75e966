"""A snapshot's target counts for the listing, from its manifest's JSON: the fast `snapshots`
path (cli/fast.py) loads no model module (model.snapshot, transcript, tree) to count them. The
statuses are the ones model.snapshot.TargetEntry reads."""

from __future__ import annotations

from typing import Any


def target_counts(source: Any, sid: str) -> tuple[int, int]:
    """(targets, targets not "ok") of snapshot `sid`, its manifest read unchecked."""
    statuses = [str(t.get("status") or "") for t in
                source.manifest(sid, False).get("targets") or ()]
    return len(statuses), sum(1 for s in statuses if s != "ok")
