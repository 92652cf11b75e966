"""Scheduled scans on a PostgreSQL store, with PostgreSQL as the job queue (procrastinate).

    schedules       what to scan (the scope's text: targets and secret *references* only, never
                    credentials), for which customer, at which site, how often, when next
    queue site:NAME procrastinate jobs "proofshot.scheduled_scan(schedule, due)"; one queued
                    job per schedule at a time (queueing lock schedule-ID)

A site worker (`proofshot worker --site NAME`) moves its site's due schedules into the queue
(rows locked with SKIP LOCKED, so two workers of one site never queue one run twice), runs the
jobs with the credentials it holds locally, signs with its own enrolled key and commits into
the store. A job whose worker died (kill -9: no heartbeat for STALLED_AFTER seconds) is retried
by the next worker that starts; a half-done scan leaves nothing behind but unreferenced packs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import procrastinate

from proofshot.model.errors import BadInput
from proofshot.store.pgbackend import PgBackend

TASK = "proofshot.scheduled_scan"
STALLED_AFTER = float(os.environ.get("PROOFSHOT_WORKER_STALLED_AFTER", "15"))
HEARTBEAT = 2.0
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True)
class Schedule:
    id: int
    customer: str
    site: str
    label: str
    scope: str
    scope_name: str
    every_s: int
    next_run: datetime


def parse_every(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", text)
    if not m or int(m.group(1)) == 0:
        raise BadInput(f"--every {text!r}: expected a number and a unit, e.g. 30m, 12h, 1d, 1w")
    return int(m.group(1)) * _UNITS[m.group(2)]


def queue_of(site: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", site):
        raise BadInput(f"--site {site!r}: letters, digits, '.', '_' and '-' only")
    return f"site:{site}"


def add(be: PgBackend, scope_text: str, scope_name: str, *, customer: str, site: str,
        every_s: int, label: str) -> Schedule:
    queue_of(site)
    row = be.conn.execute(
        "INSERT INTO schedules(customer, site, label, scope, scope_name, every_s) "
        "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id, customer, site, label, scope, "
        "scope_name, every_s, next_run",
        (customer, site, label, scope_text, scope_name, every_s)).fetchone()
    assert row is not None
    return Schedule(*row)


def listing(be: PgBackend, site: str | None = None) -> list[Schedule]:
    rows = be.conn.execute(
        "SELECT id, customer, site, label, scope, scope_name, every_s, next_run FROM schedules "
        "WHERE %s::text IS NULL OR site = %s ORDER BY id", (site, site)).fetchall()
    return [Schedule(*r) for r in rows]


def get(be: PgBackend, sid: int) -> Schedule:
    row = be.conn.execute(
        "SELECT id, customer, site, label, scope, scope_name, every_s, next_run FROM schedules "
        "WHERE id = %s", (sid,)).fetchone()
    if row is None:
        raise BadInput(f"no schedule #{sid}")
    return Schedule(*row)


def remove(be: PgBackend, sid: int) -> None:
    if be.conn.execute("DELETE FROM schedules WHERE id = %s", (sid,)).rowcount == 0:
        raise BadInput(f"no schedule #{sid}")


def make_app(url: str, run: Callable[[int, str], None]) -> procrastinate.App:
    """The queue, with the one task a worker runs: `run(schedule id, due time)`."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))

    @app.task(name=TASK, pass_context=False)
    def scheduled_scan(schedule: int, due: str) -> None:
        run(schedule, due)

    return app


def enqueue_due(be: PgBackend, app: procrastinate.App, site: str) -> list[int]:
    """Queue a job for every due schedule of the site, and move each to its next run."""
    queue = queue_of(site)
    queued: list[int] = []
    task: Any = app.tasks[TASK]
    with be.conn.transaction():
        rows = be.conn.execute(
            "SELECT id, next_run FROM schedules WHERE site = %s AND next_run <= now() "
            "FOR UPDATE SKIP LOCKED", (site,)).fetchall()
        for sid, due in rows:
            try:
                task.configure(queue=queue, queueing_lock=f"schedule-{sid}").defer(
                    schedule=sid, due=due.isoformat())
                queued.append(sid)
            except procrastinate.exceptions.AlreadyEnqueued:
                pass  # the last run has not started yet: one waiting run is enough
            be.conn.execute(
                "UPDATE schedules SET next_run = greatest(now(), next_run + every_s * "
                "interval '1 second') WHERE id = %s", (sid,))
    return queued


async def retry_stalled(app: procrastinate.App, site: str) -> int:
    """Jobs of this site whose worker stopped sending heartbeats: queued again."""
    n = 0
    for job in await app.job_manager.get_stalled_jobs(queue=queue_of(site),
                                                       seconds_since_heartbeat=STALLED_AFTER):
        await app.job_manager.retry_job(job)
        n += 1
    return n
