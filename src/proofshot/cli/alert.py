"""proofshot alert: where drift alerts go and what became of them (PostgreSQL store).

A site worker that commits a scheduled snapshot whose change since the previous one of its
scope falls outside every engagement's window records a drift event and sends it to every hook
of the store, of the event's customer and of its schedule: a webhook (HTTP POST of the event's
JSON) or a command (run with the JSON on stdin). Every attempt is recorded; failed ones are
retried by the next worker pass or `proofshot alert retry`. The event's JSON is described in
service/_alerts.py; it carries keys and counts, never values."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from proofshot import service
from proofshot.cli.common import JsonOpt, StoreOpt, err, out
from proofshot.model.errors import BadInput
from proofshot.store import alerts
from proofshot.store.pgbackend import PgBackend
from proofshot.store.workspace import find_location, is_pg_url

app = typer.Typer(help="Drift alerts: webhooks and commands, and their deliveries "
                       "(PostgreSQL store).", no_args_is_help=True)


def pg(store: str | None) -> PgBackend:
    loc = find_location(store)
    if not is_pg_url(loc):
        raise BadInput("alerts live in a PostgreSQL store (--store postgresql://...)")
    be = PgBackend.open(loc)
    row = be.conn.execute("SELECT has_table_privilege('alert_deliveries', 'SELECT')").fetchone()
    if not row or not row[0]:
        be.close()
        raise BadInput("this database role may not read the alerts (a role limited to some "
                       "customers; the store owner's role can)")
    return be


@app.command("add")
def add(
    webhook: Annotated[str | None, typer.Option(
        "--webhook", help="POST each alert's JSON to this http(s) URL; or env:NAME / "
        "file:PATH holding the URL (resolved where the alert is sent), so a URL with a "
        "token in it is not stored.")] = None,
    command: Annotated[str | None, typer.Option(
        "--command", help="Run this command line (no shell) with the alert's JSON on "
        "stdin.")] = None,
    customer: Annotated[str | None, typer.Option(
        "--customer", help="Only this customer's alerts (default: every customer's).")] = None,
    schedule: Annotated[int | None, typer.Option(
        "--schedule", help="Only this schedule's alerts.")] = None,
    secret: Annotated[str | None, typer.Option(
        "--secret", help="Sign each webhook body: X-Proofshot-Signature: sha256=HMAC of the "
        "body under this shared secret, given as env:NAME / file:PATH / keyring:S/U (resolved "
        "where the alert is sent; never stored).")] = None,
    store: StoreOpt = None, as_json: JsonOpt = False,
) -> None:
    """Send drift alerts to a webhook or a command; prints the hook's id."""
    if (webhook is None) == (command is None):
        raise BadInput("give one of --webhook URL or --command CMD")
    kind, target = ("webhook", webhook) if webhook is not None else ("command", command)
    assert target is not None
    be = pg(store)
    try:
        h = alerts.add_hook(be, kind, target, customer=customer, schedule=schedule,
                            secret=secret)
    finally:
        be.close()
    if as_json:
        print(json.dumps(h.to_json(), ensure_ascii=False))
        return
    err.print(f"alert #{h.id}: {kind} {h.shown} for "
              f"{'schedule #' + str(schedule) if schedule is not None else ''}"
              f"{' of ' if schedule is not None and customer else ''}"
              f"{customer or ('' if schedule is not None else 'every customer')}")
    out.print(str(h.id))


@app.command("list")
def list_(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """The alert hooks (a webhook's URL without its query; references as given)."""
    be = pg(store)
    try:
        hs = alerts.hooks(be)
    finally:
        be.close()
    if as_json:
        print(json.dumps([h.to_json() for h in hs], indent=1, ensure_ascii=False))
        return
    for h in hs:
        out.print(f"#{h.id}  {h.kind}  {h.shown}  customer {h.customer or '*'}  "
                  f"schedule {'#' + str(h.schedule) if h.schedule is not None else '*'}")


@app.command("remove")
def remove(hook: int, store: StoreOpt = None) -> None:
    """Stop sending alerts to a hook (its deliveries stay on record)."""
    be = pg(store)
    try:
        alerts.remove_hook(be, hook)
    finally:
        be.close()
    err.print(f"removed alert #{hook}")


@app.command("log")
def log(
    customer: Annotated[str | None, typer.Option("--customer")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Only those not delivered.")] =
        False,
    store: StoreOpt = None, as_json: JsonOpt = False,
) -> None:
    """Every alert delivery: which event, to whom, when, how often tried, the result."""
    be = pg(store)
    try:
        ds = alerts.deliveries(be, customer=customer, failed_only=failed)
    finally:
        be.close()
    if as_json:
        print(json.dumps([d.to_json() for d in ds], indent=1, ensure_ascii=False))
        return
    for d in ds:
        when = f"{d.last_attempt:%Y-%m-%d %H:%M:%S}" if d.last_attempt else "not yet"
        out.print(f"#{d.id}  event #{d.event}  {d.customer}  {d.kind} "
                  f"{alerts.shown_target(d.kind, d.target)}  {d.status}  {d.attempts}x  "
                  f"{when}  {d.result or ''}")


@app.command("retry")
def retry(
    all_: Annotated[bool, typer.Option("--all", help="Also those whose retry time has not "
                                       "come yet.")] = False,
    store: StoreOpt = None, as_json: JsonOpt = False,
) -> None:
    """Send the alerts not delivered yet (exit 3 when some still fail)."""
    be = pg(store)
    try:
        done = service.deliver_due(be, force=all_)
    finally:
        be.close()
    if as_json:
        print(json.dumps([{"kind": k, "target": t, "ok": ok, "result": r}
                          for k, t, ok, r in done], indent=1, ensure_ascii=False))
    else:
        for k, t, ok, r in done:
            err.print(f"{k} {t}: {'sent' if ok else 'failed'} ({r})")
        if not done:
            err.print("nothing to send")
    if any(not ok for *_, ok, _r in done):
        raise typer.Exit(3)



