"""A snapshot's manifest as typed, frozen data, and one reader for its tables.

The manifest is stored as canonical JSON (its id is the SHA-256 of those bytes, see store/); this
module is the one place outside store/ that knows its field names. Everything else reads a
`Manifest` (who, when, tool and collector versions, scope, engagement link, per target its status,
coverage and tables) and a `SnapshotReader` (rows of a table by name, streamed in key order).

    Manifest                    the body: label, created, technician, seq, prev, ...
    └── TargetEntry             one target: status, reason, facts, collector
        ├── CoverageEntry       one query: status, reason, transcript object, keyed hash
        ├── TableRef            a table that was read: tree root, row count, schema object
        └── TableGap            a table that was not read: status, reason, queries

Fields a newer writer adds and this version does not know are kept in `extra` (never dropped),
so reading never loses what was signed; `data` is the body exactly as stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from proofshot.model.errors import IntegrityError
from proofshot.model.table import Row, Table
from proofshot.model.transcript import Answer

Get = Callable[[str], bytes]
GetMany = Callable[[Iterable[str]], Iterator[bytes]]  # objects of many ids, in order
Walk = Callable[[Get, str], Iterator[bytes]]  # raw rows of the tree at a root, in key order

READABLE = ("ok", "partial")


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


def _frozen(d: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(d or {}))


def _extra(d: Mapping[str, Any], known: frozenset[str]) -> Mapping[str, Any]:
    return _frozen({k: v for k, v in d.items() if k not in known})


@dataclass(frozen=True)
class TableRef:
    """A table that was read: the root of its row tree, its row count and schema object.

    `sources` are the queries its rows rest on (None in manifests from before they were
    recorded); a table read in part has `status` "partial", the `reason` and the `failed`
    sources. The diff compares a table only with one read alike (diff/engine.read_alike)."""

    name: str
    root: str
    rows: int
    schema: str
    queries: tuple[str, ...] = ()
    note: str = ""
    sources: tuple[str, ...] | None = None
    status: str = "ok"
    reason: str = ""
    failed: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=_empty)

    _KNOWN = frozenset({"root", "rows", "schema", "queries", "note", "sources", "status",
                        "reason", "failed"})

    @classmethod
    def from_data(cls, name: str, d: Mapping[str, Any]) -> TableRef:
        sources = d.get("sources")
        return cls(name, str(d["root"]), int(d.get("rows") or 0), str(d.get("schema") or ""),
                   tuple(d.get("queries") or ()), str(d.get("note") or ""),
                   tuple(sources) if sources is not None else None,
                   str(d.get("status") or "ok"), str(d.get("reason") or ""),
                   tuple(d.get("failed") or ()), _extra(d, cls._KNOWN))

    @property
    def partial(self) -> bool:
        return bool(self.failed) or self.status == "partial"

    def read_as(self) -> dict[str, Any]:
        """How the table was read, as stored (sources, and status/reason/failed when not
        whole): what the views' "could not be checked" needs."""
        out: dict[str, Any] = {}
        if self.sources is not None:
            out["sources"] = list(self.sources)
        if self.status != "ok" or self.failed:
            out.update(status=self.status, reason=self.reason, failed=list(self.failed))
        return out


@dataclass(frozen=True)
class TableGap:
    """A table that was not read (refused, failed, timed out, not supported): unverifiable."""

    name: str
    status: str
    reason: str = ""
    queries: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=_empty)

    _KNOWN = frozenset({"status", "reason", "queries"})

    @classmethod
    def from_data(cls, name: str, d: Mapping[str, Any] | None) -> TableGap:
        d = d or {}
        return cls(name, str(d.get("status") or "failed"), str(d.get("reason") or ""),
                   tuple(d.get("queries") or ()), _extra(d, cls._KNOWN))

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason, "queries": list(self.queries),
                **self.extra}


@dataclass(frozen=True)
class CoverageEntry:
    """One query sent to a target: how it went, and where its (masked) transcript is."""

    query: str
    status: str
    reason: str = ""
    duration_ms: int = 0
    bytes: int = 0
    truncated: bool = False
    sudo: bool = False
    transcript: str = ""
    answer_hmac: str = ""
    extra: Mapping[str, Any] = field(default_factory=_empty)

    _KNOWN = frozenset({"query", "status", "reason", "duration_ms", "bytes", "truncated", "sudo",
                        "transcript", "answer_hmac"})

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> CoverageEntry:
        return cls(str(d["query"]), str(d.get("status") or ""), str(d.get("reason") or ""),
                   int(d.get("duration_ms") or 0), int(d.get("bytes") or 0),
                   bool(d.get("truncated")), bool(d.get("sudo")), str(d.get("transcript") or ""),
                   str(d.get("answer_hmac") or ""), _extra(d, cls._KNOWN))


@dataclass(frozen=True)
class CollectorRef:
    name: str | None
    version: str | None


@dataclass(frozen=True)
class TargetEntry:
    """One target of a snapshot. `tables` are the tables read; `unverifiable` those that were
    not (a table in neither was not part of the collector's plan)."""

    name: str
    type: str
    status: str
    reason: str = ""
    collector: CollectorRef = CollectorRef(None, None)
    facts: Mapping[str, Any] = field(default_factory=_empty)
    started: str | None = None
    duration_ms: int = 0
    coverage: tuple[CoverageEntry, ...] = ()
    tables: Mapping[str, TableRef] = field(default_factory=_empty)
    unverifiable: Mapping[str, TableGap] = field(default_factory=_empty)
    extra: Mapping[str, Any] = field(default_factory=_empty)

    _KNOWN = frozenset({"name", "type", "status", "reason", "collector", "facts", "started",
                        "duration_ms", "coverage", "tables", "unverifiable"})

    @property
    def readable(self) -> bool:
        """The target answered (fully or in part): its tables can be compared."""
        return self.status in READABLE

    def table(self, name: str) -> TableRef | None:
        return self.tables.get(name)

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> TargetEntry:
        coll = d.get("collector") or {}
        return cls(
            name=str(d["name"]), type=str(d.get("type") or ""), status=str(d.get("status") or ""),
            reason=str(d.get("reason") or ""),
            collector=CollectorRef(coll.get("name"), coll.get("version")),
            facts=_frozen(d.get("facts")), started=d.get("started"),
            duration_ms=int(d.get("duration_ms") or 0),
            coverage=tuple(CoverageEntry.from_data(c) for c in d.get("coverage") or ()),
            tables=MappingProxyType({n: TableRef.from_data(n, t)
                                     for n, t in (d.get("tables") or {}).items()}),
            unverifiable=MappingProxyType({n: TableGap.from_data(n, u)
                                           for n, u in (d.get("unverifiable") or {}).items()}),
            extra=_extra(d, cls._KNOWN),
        )


@dataclass(frozen=True)
class ScopeRef:
    digest: str | None = None
    object: str | None = None  # the stored (masked) scope
    customer: str | None = None


@dataclass(frozen=True)
class Manifest:
    """A snapshot's manifest body. `data` is the body as stored and signed."""

    label: str = ""
    created: str | None = None
    technician: str | None = None
    host: str | None = None
    tool_version: str | None = None
    collectors: Mapping[str, str] = field(default_factory=_empty)
    scope: ScopeRef = ScopeRef()
    engagement: str | None = None
    targets: tuple[TargetEntry, ...] = ()
    merkle_root: str | None = None
    seq: int | None = None
    prev: str | None = None
    key: str | None = None  # fingerprint of the signing key
    format: str | None = None
    data: Mapping[str, Any] = field(default_factory=_empty, repr=False, compare=False)

    def target(self, name: str) -> TargetEntry | None:
        for t in self.targets:
            if t.name == name:
                return t
        return None

    @property
    def by_name(self) -> dict[str, TargetEntry]:
        return {t.name: t for t in self.targets}

    def roots(self) -> dict[str, dict[str, str]]:
        """target -> table -> tree root."""
        return {t.name: {n: r.root for n, r in t.tables.items()} for t in self.targets}

    def to_data(self) -> dict[str, Any]:
        return dict(self.data)

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> Manifest:
        try:
            scope = d.get("scope") or {}
            seq = d.get("seq")
            return cls(
                label=str(d.get("label") or ""), created=d.get("created"),
                technician=d.get("technician"), host=d.get("host"),
                tool_version=(d.get("tool") or {}).get("version"),
                collectors=_frozen(d.get("collectors")),
                scope=ScopeRef(scope.get("digest"), scope.get("object"), scope.get("customer")),
                engagement=d.get("engagement"),
                targets=tuple(TargetEntry.from_data(t) for t in d.get("targets") or ()),
                merkle_root=d.get("merkle_root"), seq=int(seq) if seq is not None else None,
                prev=d.get("prev"), key=d.get("key"), format=d.get("format"),
                data=MappingProxyType(dict(d)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise IntegrityError(f"manifest does not have the expected shape: {exc!r}") from None


def as_manifest(m: Manifest | Mapping[str, Any]) -> Manifest:
    """A Manifest from either a Manifest or a stored body (for callers holding the dict)."""
    return m if isinstance(m, Manifest) else Manifest.from_data(m)


def _json_row(raw: bytes) -> Row:
    row: Row = json.loads(raw)
    return row


decode_row: Callable[[bytes], Row] = _json_row
try:  # the same dicts as json.loads (big ints stay ints), ~2x faster; json for what it refuses
    import msgspec

    _decode = msgspec.json.Decoder().decode

    def _fast_row(raw: bytes) -> Row:
        try:
            row: Row = _decode(raw)
        except msgspec.DecodeError:  # e.g. a lone surrogate escape, which json accepts
            return _json_row(raw)
        return row

    decode_row = _fast_row
except ImportError:  # pragma: no cover - msgspec is a dependency
    pass


class SnapshotSource(Protocol):
    """What a reader needs from a store: signed manifests and objects by id."""

    def manifest(self, sid: str, check: bool = True) -> dict[str, Any]: ...

    def get(self, oid: str) -> bytes: ...


class SnapshotReader:
    """One snapshot: its manifest, and its tables' rows by target and table name.

    Rows stream in key order, one chunk of the tree at a time (`iter_rows`), so a table of
    millions of rows is read in bounded memory; `rows` is the list form for small tables. A table
    a target did not read yields no rows: ask `manifest`/`target(...).unverifiable` why."""

    def __init__(self, sid: str, manifest: Manifest, get: Get, walk: Walk,
                 get_many: GetMany | None = None) -> None:
        self.id = sid
        self.manifest = manifest
        self._get = get
        self._walk = walk
        self._get_many = get_many

    @property
    def targets(self) -> tuple[TargetEntry, ...]:
        return self.manifest.targets

    def target(self, name: str) -> TargetEntry | None:
        return self.manifest.target(name)

    def _entry(self, target: str | TargetEntry) -> TargetEntry | None:
        return self.manifest.target(target) if isinstance(target, str) else target

    def table_ref(self, target: str | TargetEntry, table: str) -> TableRef | None:
        t = self._entry(target)
        return t.tables.get(table) if t is not None else None

    def iter_raw(self, target: str | TargetEntry, table: str) -> Iterator[bytes]:
        """The canonical bytes of each row (what the tree holds)."""
        ref = self.table_ref(target, table)
        if ref is not None:
            yield from self._walk(self._get, ref.root)

    def iter_rows(self, target: str | TargetEntry, table: str) -> Iterator[Row]:
        for raw in self.iter_raw(target, table):
            yield decode_row(raw)

    def rows(self, target: str | TargetEntry, table: str) -> list[Row]:
        return list(self.iter_rows(target, table))

    def schema(self, target: str | TargetEntry, table: str) -> Table | None:
        """The table's declaration as stored with the snapshot."""
        ref = self.table_ref(target, table)
        if ref is None or not ref.schema:
            return None
        return Table.from_data(self.get_json(ref.schema))

    def coverage(self, target: str | TargetEntry) -> tuple[CoverageEntry, ...]:
        t = self._entry(target)
        return t.coverage if t is not None else ()

    def transcript(self, cov: CoverageEntry) -> Answer:
        """The stored (masked) answer of one query."""
        return Answer.from_record(self.get_json(cov.transcript), self._get)

    def scope(self) -> dict[str, Any]:
        """The scope the snapshot was taken with, as stored (secrets never were in it)."""
        if not self.manifest.scope.object:
            return {}
        data = self.get_json(self.manifest.scope.object)
        scope = data.get("scope", {}) if isinstance(data, dict) else {}
        return scope if isinstance(scope, dict) else {}

    def get(self, oid: str) -> bytes:
        return self._get(oid)

    def get_many(self, oids: Iterable[str]) -> Iterator[bytes]:
        """`get` of many ids in order (the store may fetch ahead, e.g. on a thread pool)."""
        return self._get_many(oids) if self._get_many is not None else map(self._get, oids)

    def get_json(self, oid: str) -> Any:
        return json.loads(self._get(oid))
