"""How a table's SHA-256 column was filled: the `hashes` record of its manifest entry.

    {"mode": "full"}                               every regular file read (the default)
    {"mode": "full", "note": ...}                  --trust-metadata asked, nothing to reuse
    {"mode": "trust-metadata", "reused_from": SID, "reused": N, "read": M}

The linux collector writes it (collectors/linux/collector.py); show, diff and the report say
it in words through `describe` (labels in model/labels.py, group "hashes", en and de).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from proofshot.model import labels

if TYPE_CHECKING:
    from proofshot.model.snapshot import TargetEntry


def record_of(extra: Mapping[str, Any]) -> dict[str, Any] | None:
    """The `hashes` record of a table entry's extra keys (TableRef.extra), if any."""
    h = extra.get("hashes")
    return dict(h) if isinstance(h, Mapping) else None


def describe(record: Mapping[str, Any] | None, lang: str = "en", blind_spot: bool = True
             ) -> str:
    """The record in words; trust-metadata also names its blind spot (unless blind_spot=False)."""
    if record is None:
        return labels.term("hashes", "unrecorded", lang)
    mode = str(record.get("mode"))
    if mode == "trust-metadata":
        text = labels.term("hashes", "trust-metadata", lang).format(
            snapshot=str(record.get("reused_from") or "")[:12], reused=record.get("reused", 0),
            read=record.get("read", 0))
        if blind_spot:
            text += ". " + labels.term("hashes", "blind-spot", lang)
        return text
    if mode == "full" and record.get("note"):
        return labels.term("hashes", "full-after-trust", lang)
    return labels.term("hashes", mode, lang)


def of_target(t: TargetEntry) -> dict[str, dict[str, Any]]:
    """table -> its record with the words (`show --json`'s per-target "hashes"; empty for a
    snapshot from before the mode was recorded, which then shows as it always did)."""
    return {name: {**rec, "text": describe(rec)} for name, ref in sorted(t.tables.items())
            if (rec := record_of(ref.extra)) is not None}
