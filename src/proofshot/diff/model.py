"""The diff's result, shaped as the JSON contract in DESIGN.md (plus a few extra keys)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Change:
    target: str
    table: str
    key: dict[str, Any]
    kind: str  # added | removed | changed
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    columns: list[str]
    diff: dict[str, list[str]] = field(default_factory=dict)
    by: str | None = None  # who made it, where a system logged it (views/attribution.py)

    def to_json(self) -> dict[str, Any]:
        out = {
            "target": self.target, "table": self.table, "key": self.key, "kind": self.kind,
            "before": self.before, "after": self.after, "columns": self.columns,
        }
        if self.diff:
            out["diff"] = self.diff
        if self.by:
            out["by"] = self.by
        return out


@dataclass
class Unverifiable:
    target: str
    table: str | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "table": self.table, "reason": self.reason}


@dataclass
class Unchanged:
    target: str
    table: str
    rows: int
    hash: str
    volatile_rows: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "table": self.table, "rows": self.rows,
                "hash": self.hash, "volatile_rows": self.volatile_rows}


@dataclass
class VolatileMove:
    target: str
    table: str
    key: dict[str, Any]
    columns: list[str]
    before: dict[str, Any]
    after: dict[str, Any]
    kind: str = "moved"  # moved | appeared | vanished (rows of volatile-row tables)

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "table": self.table, "key": self.key,
                "kind": self.kind, "columns": self.columns,
                "before": {c: self.before.get(c) for c in self.columns},
                "after": {c: self.after.get(c) for c in self.columns}}


@dataclass
class DiffResult:
    from_id: str
    to_id: str
    changes: list[Change] = field(default_factory=list)
    unverifiable: list[Unverifiable] = field(default_factory=list)
    unchanged: list[Unchanged] = field(default_factory=list)
    volatile: list[VolatileMove] = field(default_factory=list)
    # how each side's hashed tables got their SHA-256 (model/hashmode.py): {"target", "table",
    # "side": "from"|"to", "mode", ... the manifest's record, "text"}
    hashes: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.from_id,
            "to": self.to_id,
            "changes": [c.to_json() for c in self.changes],
            "unverifiable": [u.to_json() for u in self.unverifiable],
            "unchanged": [u.to_json() for u in self.unchanged],
            "volatile": [v.to_json() for v in self.volatile],
            # only where recorded: a diff of older snapshots reads exactly as it did
            **({"hashes": self.hashes} if self.hashes else {}),
        }
