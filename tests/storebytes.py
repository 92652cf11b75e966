"""Everything a store holds, as bytes: for tests that search it for a secret."""

from __future__ import annotations

from pathlib import Path

from proofshot.store.embedded import Store


def everything(root: Path) -> bytes:
    """Every file as stored, plus every object decoded (packs compress and delta-encode)."""
    blobs = [p.read_bytes() for p in root.rglob("*") if p.is_file()]
    store = Store.open(root)
    try:
        blobs += [raw for _, raw in store.raw_objects()]
    finally:
        store.close()
    return b"\n".join(blobs)
