"""Opening a snapshot for reading: a `SnapshotReader` over any store that serves manifests and
objects (model.snapshot.SnapshotSource), walking row trees with this package's tree format."""

from __future__ import annotations

from proofshot.model.snapshot import Manifest, SnapshotReader, SnapshotSource
from proofshot.store.tree import iter_rows


def open_snapshot(source: SnapshotSource, sid: str, check: bool = True) -> SnapshotReader:
    """The snapshot `sid` (a full id: resolve references first). Its manifest is checked
    against its id and signature unless check=False."""
    return SnapshotReader(sid, Manifest.from_data(source.manifest(sid, check)), source.get,
                          iter_rows, getattr(source, "get_many", None))


def read_manifest(source: SnapshotSource, sid: str, check: bool = True) -> Manifest:
    return Manifest.from_data(source.manifest(sid, check))


def reader_of(source: SnapshotSource, sid: str, manifest: Manifest) -> SnapshotReader:
    """A reader over `source` for a manifest already read and checked (a web worker thread's
    own store connection reading a manifest another thread checked)."""
    return SnapshotReader(sid, manifest, source.get, iter_rows, getattr(source, "get_many", None))
