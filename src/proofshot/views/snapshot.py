"""A snapshot as plain data for the views: per target its metadata and its rows per table.

Views are pure functions over this data (`SnapshotData`); `load` is the one place that reads the
store. Tables a target could not read are listed in `unverifiable` and absent from `tables`, so
a view can tell "no rows" from "not observed".

A table of more than LAZY_ROWS rows is not held: its `TableRows` reads it from the store each
time it is iterated (one chunk of the tree at a time), so a view over a file server's million
ACL rows or a million-file inventory stays in bounded memory; views iterate rows, they do not
index them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, overload

from proofshot.model.snapshot import SnapshotReader, SnapshotSource, TargetEntry
from proofshot.model.table import Row
from proofshot.store.reader import open_snapshot

READABLE = ("ok", "partial")

# tables of more rows than this are streamed from the store on each pass, never held
LAZY_ROWS = 20_000


class TableRows(Sequence[Row]):
    """A stored table's rows, read from the store on each iteration (in key order); `len` is
    the row count the manifest gives. Indexing reads up to the row asked for."""

    def __init__(self, snap: SnapshotReader, target: TargetEntry, table: str, rows: int) -> None:
        self._snap, self._target, self._table, self._rows = snap, target, table, rows

    def __iter__(self) -> Iterator[Row]:
        return self._snap.iter_rows(self._target, self._table)

    def __len__(self) -> int:
        return self._rows

    @overload
    def __getitem__(self, i: int) -> Row: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Row]: ...

    def __getitem__(self, i: int | slice) -> Row | Sequence[Row]:
        if isinstance(i, slice) or i < 0:
            return list(self)[i]
        for n, row in enumerate(self):
            if n == i:
                return row
        raise IndexError(i)


@dataclass
class TargetData:
    name: str
    type: str
    status: str
    facts: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Sequence[Row]] = field(default_factory=dict)
    unverifiable: dict[str, Any] = field(default_factory=dict)
    # how each table was read (the manifest's sources / failed / status / reason of it)
    reads: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def readable(self) -> bool:
        return self.status in READABLE

    def rows(self, table: str) -> Sequence[Row]:
        """The table's rows (a list, or for a large stored table a `TableRows` that streams)."""
        return self.tables.get(table, [])

    def has(self, table: str) -> bool:
        """The table was read (it may still be empty)."""
        return table in self.tables


@dataclass
class SnapshotData:
    id: str
    label: str = ""
    created: str | None = None
    targets: dict[str, TargetData] = field(default_factory=dict)

    @property
    def now(self) -> datetime:
        """When the snapshot was taken: the "now" of rules about dates (so they stay pure)."""
        if self.created:
            try:
                dt = datetime.fromisoformat(self.created.replace("Z", "+00:00"))
                return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
            except ValueError:
                pass
        return datetime.now(UTC)


def from_plain(data: Mapping[str, Mapping[str, list[Row]]], *, sid: str = "test",
               created: str | None = None,
               meta: Mapping[str, Mapping[str, Any]] | None = None) -> SnapshotData:
    """Build from `{target: {table: [rows]}}` (+ per-target type/status/facts in `meta`)."""
    snap = SnapshotData(sid, created=created)
    for name, tables in data.items():
        m = (meta or {}).get(name, {})
        snap.targets[name] = TargetData(
            name, m.get("type", "ssh"), m.get("status", "ok"), dict(m.get("facts", {})),
            {t: list(rows) for t, rows in tables.items()}, dict(m.get("unverifiable", {})))
    return snap


def load(store: SnapshotSource | SnapshotReader, sid: str, tables: Collection[str] | None = None,
         read_rows: bool | Collection[str] = True) -> SnapshotData:
    """Read a snapshot's rows (only `tables` when given) from the store. `read_rows=False`
    lists the tables that were read without reading them (every one empty): enough for a
    view that only asks what was observed; a collection of table names reads those only."""
    snap = store if isinstance(store, SnapshotReader) else open_snapshot(store, sid)
    return from_reader(snap, tables, read_rows)


def from_reader(snap: SnapshotReader, tables: Collection[str] | None = None,
                read_rows: bool | Collection[str] = True) -> SnapshotData:
    """The views' data of an open snapshot (see `load`)."""
    m = snap.manifest
    data = SnapshotData(snap.id, m.label, m.created)
    for t in m.targets:
        rows: dict[str, Sequence[Row]] = {}
        for name, ref in t.tables.items():
            if tables is not None and name not in tables:
                continue
            read = read_rows if isinstance(read_rows, bool) else name in read_rows
            if not read:
                rows[name] = []
            elif ref.rows > LAZY_ROWS:
                rows[name] = TableRows(snap, t, name, ref.rows)
            else:
                rows[name] = snap.rows(t, name)
        data.targets[t.name] = TargetData(
            t.name, t.type, t.status, dict(t.facts), rows,
            {n: g.to_json() for n, g in t.unverifiable.items()},
            {n: ref.read_as() for n, ref in t.tables.items()})
    return data
