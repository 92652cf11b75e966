"""proofshot schedule: recurring scans of a customer on a PostgreSQL store, run by the worker
of a site (`proofshot worker --site NAME`). The scope's text goes into the store: targets and
secret references (env:, file:, keyring:) only; the credentials stay with the site worker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from proofshot.cli.common import JsonOpt, StoreOpt, err, out
from proofshot.model.errors import BadInput
from proofshot.scan.scope import load_scope
from proofshot.store import alerts, queue
from proofshot.store.pgbackend import PgBackend
from proofshot.store.workspace import find_location, is_pg_url

app = typer.Typer(help="Recurring scans run by site workers (PostgreSQL store).",
                  no_args_is_help=True)


def _pg(store: str | None) -> PgBackend:
    loc = find_location(store)
    if not is_pg_url(loc):
        raise BadInput("schedules live in a PostgreSQL store (--store postgresql://...)")
    return PgBackend.open(loc)


@app.command("add")
def add(
    scope: Annotated[Path, typer.Argument(help="Scope file (checked now, as scan would).")],
    customer: Annotated[str, typer.Option("--customer", help="Whose systems these are.")],
    every: Annotated[str, typer.Option("--every", help="How often: 30m, 12h, 1d, 1w.")],
    site: Annotated[str, typer.Option("--site", help="The worker site that runs it.")] =
        "default",
    label: Annotated[str | None, typer.Option("--label", help="Label of the snapshots "
                                              "(default: scheduled).")] = None,
    alert_webhook: Annotated[str | None, typer.Option(
        "--alert-webhook", help="Alert on drift outside every engagement: POST the alert's "
        "JSON to this URL (or env:NAME / file:PATH holding it); see 'proofshot alert'.")] = None,
    alert_command: Annotated[str | None, typer.Option(
        "--alert-command", help="Alert on drift: run this command with the JSON on stdin.")] =
        None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Scan SCOPE for CUSTOMER every so often, at SITE."""
    sc = load_scope(scope)  # every error at once, exit 2, before anything is stored
    if sc.customer and sc.customer != customer:
        raise BadInput(f"{scope}: the scope says customer {sc.customer!r}, --customer says "
                       f"{customer!r}")
    text = sc.source or scope.read_text()
    if not sc.customer:
        text = f"customer: {json.dumps(customer)}\n{text}"
    be = _pg(store)
    try:
        hooks = [("webhook", alert_webhook), ("command", alert_command)]
        for kind, target in hooks:
            if target is not None:
                alerts.check_target(kind, target)
        with be.conn.transaction():
            s = queue.add(be, text, scope.name, customer=customer, site=site,
                          every_s=queue.parse_every(every), label=label or "scheduled")
            for kind, target in hooks:
                if target is not None:
                    alerts.add_hook(be, kind, target, schedule=s.id)
    finally:
        be.close()
    if as_json:
        print(json.dumps({"id": s.id, "customer": customer, "site": site, "every": every,
                          "next_run": f"{s.next_run:%Y-%m-%dT%H:%M:%SZ}"}))
        return
    err.print(f"schedule #{s.id}: {scope.name} for {customer} every {every} at site {site}, "
              f"first run {s.next_run:%Y-%m-%d %H:%M} UTC")
    out.print(str(s.id))


@app.command("list")
def list_(site: Annotated[str | None, typer.Option("--site")] = None, store: StoreOpt = None,
          json_: JsonOpt = False) -> None:
    """The schedules (of one site)."""
    be = _pg(store)
    try:
        rows = queue.listing(be, site)
    finally:
        be.close()
    if json_:
        print(json.dumps([{"id": s.id, "customer": s.customer, "site": s.site,
                           "label": s.label, "scope": s.scope_name, "every_s": s.every_s,
                           "next_run": s.next_run.isoformat()} for s in rows], indent=1))
        return
    for s in rows:
        out.print(f"#{s.id}  {s.customer}  {s.scope_name}  every {s.every_s}s  site {s.site}  "
                  f"next {s.next_run:%Y-%m-%d %H:%M}")


@app.command("remove")
def remove(schedule: int, store: StoreOpt = None) -> None:
    """Stop a schedule (its snapshots stay)."""
    be = _pg(store)
    try:
        queue.remove(be, schedule)
    finally:
        be.close()
    err.print(f"removed schedule #{schedule}")
