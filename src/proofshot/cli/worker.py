"""proofshot worker --site NAME: a site's scan worker for a PostgreSQL store (a small Linux box
or VM at the customer's site). It queues its site's due schedules, runs them with the
credentials it holds locally (env:, file:, keyring: references in the scope resolve here),
signs with its own workspace key (which the store's owner must have enrolled: exit 2 if not)
and commits each snapshot into the store. Jobs of a worker that died are retried."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

from proofshot import service
from proofshot.cli.common import StoreOpt, err, short
from proofshot.model.errors import BadInput, ProofshotError
from proofshot.scan.scope import load_scope
from proofshot.scan.service import scan as run_scan
from proofshot.store import queue
from proofshot.store.api import EvidenceStore, open_store
from proofshot.store.pgbackend import PgBackend
from proofshot.store.workspace import find_location, is_pg_url


def _report_alerts(sent: list[tuple[str, str, bool, str]]) -> None:
    for kind, target, ok, result in sent:
        err.print(f"alert {kind} {target}: {'sent' if ok else 'FAILED (will retry)'} ({result})")


def _alert(st: EvidenceStore, s: queue.Schedule, sid: str, site: str) -> None:
    """Drift since the scope's previous snapshot outside every engagement: alert (the snapshot
    is committed whatever happens here; a delivery that fails is retried later)."""
    assert isinstance(st.backend, PgBackend)
    try:
        got = service.after_scheduled_scan(st, st.backend, sid, schedule=s.id,
                                           customer=s.customer, site=site, scope=s.scope_name)
    except ProofshotError as exc:
        err.print(f"schedule #{s.id}: drift check failed: {exc}")
        return
    for x, prev, event, outside in got.events:
        err.print(f"schedule #{s.id}: {outside} change(s) from {short(prev or '')} to "
                  f"{short(x)} outside every engagement: drift event #{event}")
    _report_alerts(got.sent)


def worker(
    site: Annotated[str, typer.Option("--site", help="This site's name (its queue).")],
    once: Annotated[bool, typer.Option("--once", help="Run what is due now, then exit.")] =
        False,
    poll: Annotated[float, typer.Option("--poll", help="Seconds between looks at the "
                                        "schedules.")] = 30.0,
    store: StoreOpt = None,
) -> None:
    """Take this site's scheduled scans, run them here, commit the signed snapshots."""
    loc = find_location(store)
    if not is_pg_url(loc):
        raise BadInput("a worker serves a PostgreSQL store (--store postgresql://...)")
    st = open_store(loc)
    try:
        if not st.accepts(st.keys.public_b64, {"seq": 1 << 62}):
            raise BadInput(f"this worker's key {st.keys.fingerprint} is not enrolled in the "
                           f"store: give {st.keys.dir / 'signing.pub'} to the store's owner "
                           "(proofshot key trust FILE.pub)")
    finally:
        st.close()
    queue.queue_of(site)

    def run(schedule: int, due: str) -> None:
        job = open_store(loc)  # one connection per job (jobs run in threads)
        try:
            assert isinstance(job.backend, PgBackend)
            s = queue.get(job.backend, schedule)
            with tempfile.TemporaryDirectory(prefix="proofshot-job-") as d:
                path = Path(d) / (Path(s.scope_name).name or "scope.yaml")
                path.write_text(s.scope)
                outcome = run_scan(job, load_scope(path), s.label, where=s.scope_name)
            err.print(f"schedule #{schedule} (due {due}): snapshot {short(outcome.snapshot)}")
            _alert(job, s, outcome.snapshot, site)
        finally:
            job.close()

    app = queue.make_app(loc, run)
    while True:
        be = PgBackend.open(loc)
        try:
            with app.open():
                queued = queue.enqueue_due(be, app, site)
            _report_alerts(service.deliver_due(be))  # failed alerts whose retry is due
        finally:
            be.close()
        if queued:
            err.print(f"queued schedule(s) {', '.join(f'#{q}' for q in queued)}")

        async def work() -> None:
            async with app.open_async():
                retried = await queue.retry_stalled(app, site)
                if retried:
                    err.print(f"retried {retried} job(s) of a worker that stopped")
                await app.run_worker_async(
                    queues=[queue.queue_of(site)], wait=False, install_signal_handlers=False,
                    update_heartbeat_interval=queue.HEARTBEAT,
                    stalled_worker_timeout=queue.STALLED_AFTER, name=f"site-{site}")

        asyncio.run(work())
        if once:
            return
        time.sleep(poll)
