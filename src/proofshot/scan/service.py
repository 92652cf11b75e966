"""A whole scan: scope in, one committed snapshot out (or nothing, on bad input)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import getpass
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proofshot.model.table import Table
from proofshot.model.transcript import Answer
from proofshot.scan import prior
from proofshot.scan.record import manifest_body, mask_answer, target_entry
from proofshot.scan.runner import TableResult, TargetResult, run_target
from proofshot.scan.scope import Scope
from proofshot.scan.sorter import Sorter, table_sorter
from proofshot.scan.spool import Spool
from proofshot.scan.targets import Unsupported, collector_for, options_for, preflight, transport_for
from proofshot.store.api import EvidenceStore
from proofshot.store.reader import read_manifest
from proofshot.store.timestamp import stamp_after_commit

DEFAULT_TIMEOUT = 60.0
DEFAULT_CONCURRENCY = 32

Progress = Callable[[TargetResult], None]
Moving = Callable[[str, str], None]  # target, what it is doing (a long streamed answer)


@dataclass
class ScanOutcome:
    snapshot: str
    results: list[TargetResult]

    @property
    def complete(self) -> bool:
        return all(r.status == "ok" for r in self.results)


def technician() -> str:
    return os.environ.get("PROOFSHOT_TECHNICIAN") or getpass.getuser()


def scan(
    store: EvidenceStore,
    scope: Scope,
    label: str,
    *,
    where: str = "scope",
    concurrency: int = DEFAULT_CONCURRENCY,
    on_target_done: Progress | None = None,
    engagement: str | None = None,
    on_moving: Moving | None = None,
) -> ScanOutcome:
    # Everything that can be wrong with the input is found before anything is written.
    creds = {t.name: preflight(t, where) for t in scope.targets}
    # streamed answers and the on-disk sort runs of large tables live here until the commit
    # (named like the store's other temporaries: a crashed scan's is removed by the next open)
    work = Path(tempfile.mkdtemp(prefix=f"scan-{os.getpid()}-", suffix=".tmp",
                                 dir=store.tmp_dir))
    try:
        results: list[list[TargetResult]] = []

        async def _all() -> None:
            # the result is kept out of the main task: asyncio.run's exit builds repr() of its
            # SIGINT handler, which holds that task, whose repr includes its result (every
            # answer in full: 2 x 0.15 s for a 20k-file tree, growing with the answers)
            results.append(await _scan_all(store, scope, creds, concurrency, on_target_done,
                                           work, on_moving))

        with few_collections():
            asyncio.run(_all())
            return ScanOutcome(_record(store, scope, label, results[0], engagement, work),
                               results[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)


# Young-generation size while scanning: a scan makes many small containers that live till the
# commit (answers, rows, asyncssh packets); at CPython's default of 700 the cyclic collector runs
# thousands of times, and each older-generation pass walks everything alive (measured on 20
# lab hosts: ~7 ms of client CPU per host of ~110).
GC_YOUNG = 20_000


_gc_lock = threading.Lock()
_gc_scans: list[tuple[int, int, int]] = []  # the thresholds before the first running scan


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """Objects alive before the scan (modules, the scope) are frozen out of the collector's
    walks, and young garbage is collected in larger batches; both are undone when the last
    running scan ends, so a long-running process (serve, worker) collects as before."""
    with _gc_lock:
        if not _gc_scans:
            before = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(max(GC_YOUNG, before[0]), *before[1:])
        _gc_scans.append(_gc_scans[0] if _gc_scans else before)
    try:
        yield
    finally:
        with _gc_lock:
            before = _gc_scans.pop()
            if not _gc_scans:
                gc.set_threshold(*before)
                gc.unfreeze()


def _record(store: EvidenceStore, scope: Scope, label: str, results: list[TargetResult],
            engagement: str | None, work: Path) -> str:
    writer = store.writer()
    try:
        last = _previous_roots(store)
        entries = []
        for r in results:
            with _stored_form(r, work, store.keys.keyed_hash):
                entries.append(target_entry(r, writer, store.keys, last.get(r.name)))
        scope_oid = writer.put_json({"scope": _masked_scope(scope)})
        collectors = {r.collector: r.collector_version for r in results if r.collector}
        body = manifest_body(label, entries, scope.digest, scope_oid, scope.customer,
                             technician(), collectors, engagement)
        sid = store.commit(body, writer)
    except BaseException:
        writer.abort()
        raise
    stamp_after_commit(store, sid)  # the commit never talks to a TSA; a failure only warns
    return sid


@contextlib.contextmanager
def _stored_form(res: TargetResult, work: Path, keyed_hash: Callable[[str], str]
                 ) -> Iterator[None]:
    """While one target's entry is written: each table held as rows is given its rows in stored
    form too (TableResult.sorted, which scan.record writes from), encoded in bulk
    (scan.rows.table_pairs: the same bytes as row by row, several times faster), one target at
    a time so only its pairs are held; afterwards the target is as it was."""
    added: list[TableResult] = []
    for tr in res.tables:
        if tr.rows is not None and tr.sorted is None:
            tr.sorted = table_sorter(work, f"commit-{len(added)}", tr.table, keyed_hash)
            tr.sorted.add_rows(tr.rows)
            added.append(tr)
    try:
        yield
    finally:
        for tr in added:
            if tr.sorted is not None:
                tr.sorted.remove()
            tr.sorted = None


def _previous_roots(store: EvidenceStore) -> dict[str, dict[str, str]]:
    """target -> table -> root in the latest snapshot: where new chunks find their delta base."""
    tip = store.latest()
    if tip is None:
        return {}
    return read_manifest(store, tip.id, check=False).roots()


def _masked_scope(scope: Scope) -> dict[str, Any]:
    data: dict[str, Any] = scope.model_dump(exclude={"digest", "source"}, by_alias=True)
    return data


async def _scan_all(store: EvidenceStore, scope: Scope, creds: dict[str, dict[str, Any]],
                    concurrency: int, on_done: Progress | None, work: Path,
                    on_moving: Moving | None = None) -> list[TargetResult]:
    sem = asyncio.Semaphore(concurrency)
    kh = store.keys.keyed_hash

    def masker(ans: Answer) -> tuple[Answer, str]:
        return mask_answer(ans, kh)

    def files(target: str) -> tuple[Callable[[str], Spool], Callable[[Table], Sorter]]:
        d = Path(tempfile.mkdtemp(prefix="t-", dir=work))  # target names may be any text
        n = iter(range(1 << 30))
        def told(qid: str) -> Callable[[int], None] | None:
            if on_moving is None:
                return None
            return lambda lines: on_moving(target, f"{qid}: {lines:,} lines")

        return (lambda qid: Spool(d / f"q{next(n)}.out", kh, on_lines=told(qid)),
                lambda t: table_sorter(d, f"r{next(n)}", t, kh))

    default_timeout = float(scope.defaults.get("timeout", DEFAULT_TIMEOUT))

    async def one(target: Any) -> TargetResult:
        async with sem:
            timeout = target.timeout or default_timeout
            try:
                collector = collector_for(target)
            except Unsupported as exc:
                res = TargetResult(name=target.name, type=target.type, status="unsupported",
                                   reason=str(exc))
            else:
                transport = transport_for(target, creds[target.name], store.root, timeout)
                spooler, sorters = files(target.name)
                own = getattr(collector, "masker", None)  # a collector's own secret rules
                mk = masker if own is None else (
                    lambda a, m=own(options_for(target)): mask_answer(a, kh, m))
                # trust_metadata: the previous snapshot whose hashes may be reused (scan/prior.py)
                opts = prior.with_prior(store, collector, options_for(target), target.name,
                                        target.type, scope.customer)
                res = await run_target(target.name, target.type, transport, collector,
                                       opts, masker=mk, spooler=spooler, sorters=sorters)
            if on_done:
                on_done(res)
            return res

    return list(await asyncio.gather(*(one(t) for t in scope.targets)))
