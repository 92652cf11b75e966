"""References to snapshots, resolved within a list of snapshots: the store's whole list, or only
those a reader may see (a technician limited to some customers: `latest`, `previous` and
`label~N` then count that reader's snapshots only, never another customer's)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from proofshot.model.errors import SnapshotNotFound
from proofshot.store.backend import SnapshotInfo


def resolve_ref(snaps: Sequence[SnapshotInfo], ref: str) -> str:
    """An id, a unique id prefix, a label (its latest snapshot), `label~N`, `latest` or
    `previous`, among `snaps` (oldest first)."""
    if not snaps:
        raise SnapshotNotFound("the store holds no snapshots yet (run 'proofshot scan')")
    if ref == "latest":
        return snaps[-1].id
    if ref == "previous":
        if len(snaps) < 2:
            raise SnapshotNotFound("there is no previous snapshot (only one in the store)")
        return snaps[-2].id
    ids = [s.id for s in snaps]
    if ref in ids:
        return ref
    labelled = [s.id for s in snaps if s.label == ref]
    if labelled:
        return labelled[-1]
    back = re.fullmatch(r"(.+)~(\d+)", ref)  # label~N: the Nth snapshot of that label before
    if back:                                   # its latest (as git's HEAD~N)
        older = [s.id for s in snaps if s.label == back.group(1)]
        n = int(back.group(2))
        if older and n < len(older):
            return older[-1 - n]
        if older:
            raise SnapshotNotFound(f"'{ref}': label '{back.group(1)}' names only "
                                   f"{len(older)} snapshot(s) (~0 .. ~{len(older) - 1})")
    if len(ref) >= 4:
        hits = [i for i in ids if i.startswith(ref.lower())]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise SnapshotNotFound(f"'{ref}' matches {len(hits)} snapshots; give more of the id")
    raise SnapshotNotFound(f"no snapshot matches '{ref}' (id, id prefix, label, latest, previous)")
