"""What a rule is: data (id, severity, title, remedy, tables it reads) plus one small pure
function from the snapshot to hits. A hit names its target, its subject (what exactly is
wrong, e.g. a path: the identity of the finding across snapshots) and its evidence rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from proofshot.model.table import Row
from proofshot.views.evidence import evidence
from proofshot.views.snapshot import SnapshotData, TargetData

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
Hasher = Callable[[str], str]
Keep = Callable[[Row], bool]


@dataclass(frozen=True)
class Context:
    snap: SnapshotData
    keyed_hash: Hasher | None = None  # the store's keyed hash, to match masked values
    # (target, table, keep) -> the rows kept: one pass over a large table per target
    memo: dict[tuple[str, str, Keep], list[Row]] = field(default_factory=dict, compare=False,
                                                         repr=False)

    def targets(self, *tables: str) -> Iterator[TargetData]:
        """Readable targets that read every table in `tables`."""
        for t in sorted(self.snap.targets.values(), key=lambda t: t.name):
            if t.readable and all(t.has(x) for x in tables):
                yield t

    def kept(self, t: TargetData, table: str, keep: Keep) -> list[Row]:
        """The rows of `t`'s `table` that `keep` accepts, in table order, read once per target
        and `keep`: rules over a large table (a 100k-row `files` streams from the store on each
        pass) share one pass by sharing one `keep`, the union of what each of them looks at."""
        key = (t.name, table, keep)
        rows = self.memo.get(key)
        if rows is None:
            rows = self.memo[key] = [r for r in t.rows(table) if keep(r)]
        return rows


@dataclass
class Hit:
    target: str
    subject: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    detail: str = ""  # what may move while the finding stays the same (a percentage, a date)


def hit(t: TargetData, subject: str, table: str, rows: Iterable[Row], detail: str = "") -> Hit:
    return Hit(t.name, subject, [evidence(t.name, table, r, with_row=True) for r in rows],
               detail)


Check = Callable[[Context], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    remedy: str
    tables: tuple[str, ...]
    check: Check

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "severity": self.severity, "title": self.title,
                "remedy": self.remedy, "tables": list(self.tables)}
