"""Taking a snapshot: a scope in, one committed snapshot out (scan/service.py)."""

from __future__ import annotations

from collections.abc import Callable

from proofshot.scan import service as scan_service
from proofshot.scan.runner import TargetResult
from proofshot.scan.scope import Scope
from proofshot.store.api import EvidenceStore


def scan(store: EvidenceStore, scope: Scope, label: str, *, where: str = "scope",
         concurrency: int = scan_service.DEFAULT_CONCURRENCY,
         on_target_done: Callable[[TargetResult], None] | None = None,
         engagement: str | None = None,
         on_moving: Callable[[str, str], None] | None = None) -> scan_service.ScanOutcome:
    """Scan the scope's targets and commit one snapshot (see scan/service.py)."""
    return scan_service.scan(store, scope, label, where=where, concurrency=concurrency,
                             on_target_done=on_target_done, engagement=engagement,
                             on_moving=on_moving)
