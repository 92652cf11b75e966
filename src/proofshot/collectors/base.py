"""What a collector is: declared queries, declared tables, and pure builders between them.

A collector never talks to the network itself: it hands Query objects to a Transport and gets
Answers back. Each TableSpec names the queries it reads and a pure `build` function
(answers in, rows out). A builder raises NotCollected when its source is absent on this
platform (e.g. no rpm); the scan records that as coverage, never as an empty table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from proofshot.model.table import Row, Table
from proofshot.model.transcript import Answer, Query


class NotCollected(Exception):
    """The table could not be built from these answers; `reason` says why, `status` how."""

    def __init__(self, reason: str, status: str = "unsupported") -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class BuiltRows(list[Row]):
    """A builder's rows and what the manifest's table entry says of how they were built
    (`record`, e.g. which snapshot's hashes were reused): kept in the entry beside the root,
    re-derived with the rows."""

    def __init__(self, rows: Iterable[Row], record: Mapping[str, Any],
                 failed: Mapping[str, str] | None = None) -> None:
        super().__init__(rows)
        self.record = dict(record)
        # a source that was cut though its query answered ("qid: status" -> why): the table
        # is partial, as if that query had failed (e.g. files_text's part of files_meta)
        self.failed = dict(failed or {})


Answers = Mapping[str, Answer]
Builder = Callable[[Answers], Iterable[Row]]
StdinFrom = Callable[[Answers], bytes | None]


@dataclass(frozen=True)
class Step:
    """A query in a plan. `after` names queries whose answers feed this one's stdin (never argv)."""

    query: Query
    after: tuple[str, ...] = ()
    stdin_from: StdinFrom | None = None


@dataclass(frozen=True)
class TableSpec:
    """Binds a table declaration to the queries it needs and its pure builder.

    Whether an answer counts is declared on its Query (exit codes, failure strings, emptiness,
    format: see model.transcript.judge), never decided in the runner. A `queries` entry that
    fails makes the table unreadable (no rows, the reason in coverage); one that is absent
    (the source does not exist here) makes the table "unsupported", quietly. An `optional`
    query that is absent is skipped quietly; one that FAILS still leaves rows, but the table is
    "partial" (the diff then compares it only with a table read from the same sources).
    `large`: the rows can outgrow memory (they come from streamed answers): the builder must
    yield them lazily (reading `Answer.lines()`), and the scan sorts them on disk.
    """

    table: Table
    queries: tuple[str, ...]
    build: Builder
    optional: tuple[str, ...] = ()
    note: str = ""
    large: bool = False
    # a table that always has rows where it applies (root in /etc/passwd, the DC among an
    # AD's computers): fewer rows is an implausible answer, the table unreadable, never empty
    min_rows: int = 0


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    specs: list[TableSpec] = field(default_factory=list)


class Collector(Protocol):
    """A collector for one kind of target. `options` are the scope's target fields."""

    name: str
    version: str

    def tables(self) -> Sequence[Table]: ...

    def plan(self, options: Mapping[str, Any]) -> Plan: ...


PRIOR = "_prior"  # the options key under which a plan gets what `Reuses.prior` made


@runtime_checkable
class Reuses(Protocol):
    """A collector whose plan can reuse part of a previous snapshot of the same target (the
    linux collector's trust_metadata: hashes of files whose identity is unchanged).

    `reuses(options)`: (table, query) it would read from that snapshot, None when the options
    do not ask for reuse. `prior(snapshot, answer, rows)`: from that snapshot's stored answer
    of the query and the table's canonical row bytes, what the plan needs (None: nothing
    usable). The scan and `verify --rederive` pass it to `plan` as options[PRIOR]; the table
    entry's record names the snapshot, so the rows can be re-derived."""

    def reuses(self, options: Mapping[str, Any]) -> tuple[str, str] | None: ...

    def prior(self, snapshot: str, answer: str, rows: Iterator[bytes]) -> Any: ...
