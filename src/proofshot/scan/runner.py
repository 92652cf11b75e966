"""Running one target: open the transport, run the plan's queries, build and validate rows.

Every failure becomes data (target status, per-query coverage); nothing is swallowed and
nothing here raises for a target that misbehaves.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from proofshot.collectors.base import BuiltRows, Collector, NotCollected, Step, TableSpec
from proofshot.model.errors import RowInvalid, TransportError
from proofshot.model.table import Row, Table
from proofshot.model.transcript import Answer, Query, judge
from proofshot.scan.sorter import Sorter
from proofshot.scan.spool import Spool
from proofshot.transports.base import BatchRunner, StreamRunner, Transport

Masker = Callable[[Answer], tuple[Answer, str]]
Spooler = Callable[[str], Spool]  # query id -> a new spool for its streamed answer
Sorters = Callable[[Table], Sorter]  # a large table -> an on-disk sorter for its rows


@dataclass
class TableResult:
    table: Table
    rows: list[Row] | None
    status: str  # ok | partial | failed | refused | timeout | unsupported | ...
    reason: str = ""
    queries: tuple[str, ...] = ()
    sorted: Sorter | None = None  # a large table's rows, on disk (then `rows` is None)
    # the queries whose answers the rows rest on, and those that failed ("qid: status")
    sources: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    # what the manifest's table entry says of how the rows were built (collectors.base.BuiltRows)
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def collected(self) -> bool:
        return self.rows is not None or self.sorted is not None

    @property
    def row_count(self) -> int:
        """Rows stored (a large table's duplicates are known once it was written)."""
        if self.sorted is not None:
            return self.sorted.count - self.sorted.dupes
        return len(self.rows or [])


@dataclass
class TargetResult:
    name: str
    type: str
    collector: str = ""
    collector_version: str = ""
    status: str = "ok"
    reason: str = ""
    facts: dict[str, str] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)  # masked, as stored
    answer_hmacs: dict[str, str] = field(default_factory=dict)  # keyed hash of each raw answer
    declared: dict[str, Query] = field(default_factory=dict)  # query id -> its declaration
    tables: list[TableResult] = field(default_factory=list)
    started: float = 0.0
    duration: float = 0.0


async def run_target(
    name: str,
    type_: str,
    transport: Transport,
    collector: Collector,
    options: Mapping[str, Any],
    concurrency: int = 8,
    masker: Masker | None = None,
    spooler: Spooler | None = None,
    sorters: Sorters | None = None,
) -> TargetResult:
    """Rows are built from the MASKED answers, exactly as they are stored, so every stored
    table can be re-derived from the stored transcript (see scan.rederive).

    With `spooler`, streamed queries (Query.stream) go to disk as they arrive (when the
    transport can stream); with `sorters`, large tables are sorted on disk: memory then stays
    flat in the size of a file server's tree."""
    res = TargetResult(name=name, type=type_, collector=collector.name,
                       collector_version=collector.version, started=time.time())
    t0 = time.monotonic()
    try:
        res.facts = await transport.open()
    except TransportError as exc:
        res.status, res.reason = exc.status, exc.message
        res.duration = time.monotonic() - t0
        return res
    try:
        plan = collector.plan(options)
        res.declared = {s.query.id: s.query for s in plan.steps}
        raw = await _run_steps(transport, plan.steps, concurrency, spooler)
        for qid, ans in raw.items():
            if masker is None:
                res.answers[qid] = ans
            else:
                res.answers[qid], res.answer_hmacs[qid] = masker(ans)
        res.tables = [build_table(spec, res.answers, res.declared, sorters)
                      for spec in plan.specs]
        res.status = target_status(res.tables)
        bad = [t for t in res.tables if t.status not in QUIET]
        if bad:
            res.reason = "; ".join(f"{t.table.name} {t.status}: {t.reason}" for t in bad[:8])
            if len(bad) > 8:
                res.reason += f"; and {len(bad) - 8} more table(s)"
    except TransportError as exc:
        res.status, res.reason = exc.status, exc.message
    finally:
        await transport.close()
        res.duration = time.monotonic() - t0
    return res


MAX_BATCH = 12  # queries per shared process/channel (a few batches run side by side)


def _batchable(step: Step) -> bool:
    return (step.query.batch and step.query.timeout is None and step.stdin_from is None
            and not step.after and not step.query.stream)


async def _run_steps(transport: Transport, steps: Sequence[Step], concurrency: int,
                     spooler: Spooler | None = None) -> dict[str, Answer]:
    answers: dict[str, Answer] = {}
    done: dict[str, asyncio.Event] = {s.query.id: asyncio.Event() for s in steps}
    sem = asyncio.Semaphore(concurrency)
    run_batch = transport.run_batch if isinstance(transport, BatchRunner) else None
    run_stream = transport.run_stream if isinstance(transport, StreamRunner) else None

    async def ask(step: Step, stdin: bytes | None) -> Answer:
        if not (step.query.stream and spooler is not None and run_stream is not None
                and stdin is None):
            return await transport.run(step.query, stdin)
        spool = spooler(step.query.id)
        try:
            ans: Answer = await run_stream(step.query, spool.write)
        finally:
            spool.close()
        ans.body = spool
        return ans

    async def one(step: Step) -> None:
        try:
            for dep in step.after:
                if dep in done:
                    await done[dep].wait()
            stdin = step.stdin_from(answers) if step.stdin_from else None
            async with sem:
                answers[step.query.id] = await ask(step, stdin)
        finally:
            done[step.query.id].set()

    async def several(group: Sequence[Step]) -> None:
        alone: list[Step] = []
        try:
            assert run_batch is not None  # only called with groups made for a batch runner
            async with sem:
                got = await run_batch([s.query for s in group])
            for step, ans in zip(group, got, strict=True):
                if ans is None:
                    alone.append(step)
                else:
                    answers[step.query.id] = ans
                    done[step.query.id].set()
        except BaseException:
            alone = [s for s in group if s.query.id not in answers]
            raise
        finally:
            if alone:
                await asyncio.gather(*(one(s) for s in alone))

    # The slow ones (declared timeouts, longest first) start first; the small ones share
    # processes/channels where the transport can do that, grouped by privilege.
    solo = sorted((s for s in steps if run_batch is None or not _batchable(s)),
                  key=lambda s: -(s.query.timeout or 0.0))
    groups: list[list[Step]] = []
    if run_batch is not None:
        for priv in (True, False):
            same = [s for s in steps if _batchable(s) and s.query.privileged == priv]
            n = -(-len(same) // MAX_BATCH)
            groups += [same[i::n] for i in range(n)]
    await asyncio.gather(*(one(s) for s in solo), *(several(g) for g in groups))
    return answers


QUIET = ("ok", "unsupported")  # table statuses that leave a target "ok"


def build_table(spec: TableSpec, answers: Mapping[str, Answer],
                declared: Mapping[str, Query],
                sorters: Sorters | None = None) -> TableResult:
    """Answers in, validated rows (or the reason there are none) out. Pure, except that with
    `sorters` the rows of a large table go to an on-disk sorter instead of a list.

    Each answer is judged by its query's declaration (model.transcript.judge): a required
    query that failed leaves no rows; one that is absent makes the table unsupported; an
    optional query that failed leaves the rows but makes the table partial."""
    t = spec.table
    notes: list[str] = []
    failed: list[str] = []
    sources: list[str] = []
    hidden: set[str] = set()  # optional answers the builder must not see (failed or absent)
    for qid in spec.queries:
        ans = answers.get(qid)
        if ans is None:
            return TableResult(t, None, "failed", f"query {qid} was not run", spec.queries,
                               failed=(f"{qid}: failed",))
        st, why = judge(declared.get(qid), ans)
        if st == "ok":
            sources.append(qid)
            continue
        if st == "absent":
            if qid in spec.optional:
                hidden.add(qid)
                continue
            return TableResult(t, None, "unsupported", f"{qid}: {why}", spec.queries)
        if qid in spec.optional:
            notes.append(f"{qid}: {why}")
            failed.append(f"{qid}: {st}")
            hidden.add(qid)
            continue
        return TableResult(t, None, st, f"{qid}: {why}", spec.queries, failed=(f"{qid}: {st}",))
    usable = {q: a for q, a in answers.items() if q not in hidden}
    try:
        raw_rows = spec.build(usable)
    except NotCollected as exc:
        if failed:  # nothing to build from because a source failed: not "not applicable"
            return TableResult(t, None, failed[0].split(": ")[-1], "; ".join(notes),
                               spec.queries, failed=tuple(failed))
        return TableResult(t, None, exc.status, exc.reason, spec.queries)
    except Exception as exc:  # a parser bug must not lose the rest of the scan
        return TableResult(t, None, "error", f"parser error: {type(exc).__name__}: {exc}",
                           spec.queries)
    status = "partial" if failed else "ok"
    if spec.large and sorters is not None:
        res = _build_sorted(spec, raw_rows, sorters(t), notes)
        if res.collected:
            res.status, res.sources, res.failed = status, tuple(sources), tuple(failed)
        return res
    rows: list[Row] = []
    dupes = 0
    try:  # validated in bulk (Table.validate_many), duplicate keys dropped (the first kept)
        valid = t.validate_many(raw_rows if isinstance(raw_rows, list) else list(raw_rows))
        keys = list(map(itemgetter(*t.key), valid)) if len(t.key) > 1 else [
            (k,) for k in map(itemgetter(t.key[0]), valid)]
        if len(set(keys)) == len(keys):
            rows = valid
        else:
            seen: set[tuple[Any, ...]] = set()
            for row, k in zip(valid, keys, strict=True):
                if k in seen:
                    dupes += 1
                    continue
                seen.add(k)
                rows.append(row)
    except NotCollected as exc:  # a lazy builder finds out while it yields
        return TableResult(t, None, exc.status, exc.reason, spec.queries)
    except RowInvalid as exc:
        return TableResult(t, None, "error", exc.message, spec.queries)
    except Exception as exc:
        return TableResult(t, None, "error", f"parser error: {type(exc).__name__}: {exc}",
                           spec.queries)
    record = raw_rows.record if isinstance(raw_rows, BuiltRows) else {}
    if len(rows) < spec.min_rows:
        return TableResult(t, None, "implausible", f"{len(rows)} row(s), where this table "
                           f"always has at least {spec.min_rows}: the answer cannot be whole",
                           spec.queries, failed=tuple(failed))
    if dupes:
        notes.append(f"{dupes} row(s) with a duplicate key dropped")
    return TableResult(t, rows, status, "; ".join(notes), spec.queries,
                       sources=tuple(sources), failed=tuple(failed), record=record)


def _build_sorted(spec: TableSpec, raw_rows: Iterable[Row], sorter: Sorter,
                  notes: list[str]) -> TableResult:
    """The large-table path of build_table: rows are validated one by one into the sorter;
    duplicate keys are dropped when the sorted runs are merged (counted in `sorter.dupes`)."""
    t = spec.table
    try:
        for r in raw_rows:
            sorter.add_row(t.validate(r))
    except NotCollected as exc:
        sorter.remove()
        return TableResult(t, None, exc.status, exc.reason, spec.queries)
    except RowInvalid as exc:
        sorter.remove()
        return TableResult(t, None, "error", exc.message, spec.queries)
    except Exception as exc:
        sorter.remove()
        return TableResult(t, None, "error", f"parser error: {type(exc).__name__}: {exc}",
                           spec.queries)
    return TableResult(t, None, "ok", "; ".join(notes), spec.queries, sorted=sorter)


def target_status(tables: Sequence[TableResult]) -> str:
    if any(t.status not in QUIET for t in tables):
        return "partial"
    return "ok"
