"""A snapshot's RFC 3161 time-stamp, as the integrity page shows it."""

from __future__ import annotations

from dataclasses import dataclass

from proofshot.store import timestamp as ts
from proofshot.store.api import EvidenceStore


@dataclass(frozen=True)
class TimestampInfo:
    """An RFC 3161 token of a snapshot: `ok` with time and TSA, or not ok with the error."""

    ok: bool
    time: str | None = None
    tsa: str | None = None
    error: str | None = None


def timestamp(store: EvidenceStore, sid: str) -> TimestampInfo | None:
    """None when the snapshot has no token; a token that does not hold is said, never hidden."""
    try:
        info = ts.check(store, sid)
    except Exception as exc:  # the token is there but does not hold (Broken, bad DER): say so
        return TimestampInfo(False, error=str(getattr(exc, "message", exc)))
    if info is None:
        return None
    return TimestampInfo(True, info.gen_time, info.tsa_subject)
