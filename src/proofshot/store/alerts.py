"""Drift alerts on a PostgreSQL store: where to send them, what was sent, to whom, with what result.

    alert_hooks       where an alert goes: a webhook (HTTP POST of the event's JSON) or a command
                      (run with the JSON on stdin); for the whole store, one customer or one
                      schedule. The target is kept as given: a URL, an `env:NAME` / `file:PATH`
                      reference to one (resolved by whoever delivers, so a URL carrying a token
                      need not be stored), or a command line; for a webhook optionally a
                      reference to a shared secret the body is signed with (HMAC-SHA256).
    alert_events      one per scheduled snapshot whose change since the previous snapshot of its
                      scope falls outside every engagement's window: the event's JSON (counts,
                      snapshots, windows, findings: keys and kinds only, never values)
    alert_checks      each scheduled snapshot checked for drift (against which previous one,
                      with which event): a snapshot committed by a worker that died before it
                      checked is checked by the next run of its schedule
    alert_deliveries  one per event and hook: pending | sent | failed, attempts, the last
                      attempt's time and result (an HTTP status, an exit code, an error), when
                      to try again. A failed delivery is retried (backoff) until MAX_ATTEMPTS.

Schema: migration 5 (pgbackend.MIGRATIONS). Plain SQL here; delivering is the service's
(service/_alerts.py).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from proofshot.model.errors import BadInput
from proofshot.store.pgbackend import PgBackend

SCHEMA = """
CREATE TABLE alert_hooks (id serial PRIMARY KEY,
                          kind text NOT NULL CHECK (kind IN ('webhook', 'command')),
                          target text NOT NULL, secret text, customer text,
                          schedule integer REFERENCES schedules(id) ON DELETE CASCADE,
                          created timestamptz NOT NULL DEFAULT now());
CREATE TABLE alert_events (id serial PRIMARY KEY, customer text NOT NULL, schedule integer,
                           from_id text NOT NULL, to_id text NOT NULL UNIQUE,
                           outside integer NOT NULL, body text NOT NULL,
                           created timestamptz NOT NULL DEFAULT now());
CREATE TABLE alert_deliveries (id serial PRIMARY KEY,
                               event integer NOT NULL REFERENCES alert_events(id)
                                   ON DELETE CASCADE,
                               hook integer REFERENCES alert_hooks(id) ON DELETE SET NULL,
                               kind text NOT NULL, target text NOT NULL, secret text,
                               status text NOT NULL DEFAULT 'pending'
                                   CHECK (status IN ('pending', 'sent', 'failed')),
                               attempts integer NOT NULL DEFAULT 0,
                               last_attempt timestamptz, result text,
                               next_try timestamptz DEFAULT now(),
                               UNIQUE (event, hook));
CREATE TABLE alert_checks (snapshot text PRIMARY KEY, previous text,
                           schedule integer, event integer REFERENCES alert_events(id)
                               ON DELETE SET NULL,
                           checked timestamptz NOT NULL DEFAULT now());
"""

KINDS = ("webhook", "command")
MAX_ATTEMPTS = 8
# seconds before the first retry; doubled per attempt, at most an hour
RETRY_AFTER = float(os.environ.get("PROOFSHOT_ALERT_RETRY_AFTER", "60"))
LEASE_S = 300  # a delivery being attempted is not taken by another worker for this long


@dataclass(frozen=True)
class Hook:
    id: int
    kind: str
    target: str
    secret: str | None
    customer: str | None
    schedule: int | None
    created: datetime

    @property
    def shown(self) -> str:
        return shown_target(self.kind, self.target)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "target": self.shown,
                "secret": self.secret, "customer": self.customer, "schedule": self.schedule,
                "created": self.created.isoformat()}


@dataclass(frozen=True)
class Delivery:
    id: int
    event: int
    hook: int | None
    kind: str
    target: str
    status: str
    attempts: int
    last_attempt: datetime | None
    result: str | None
    next_try: datetime | None
    customer: str
    schedule: int | None
    from_id: str
    to_id: str
    created: datetime

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "event": self.event, "hook": self.hook, "kind": self.kind,
                "target": shown_target(self.kind, self.target), "status": self.status,
                "attempts": self.attempts,
                "last_attempt": self.last_attempt.isoformat() if self.last_attempt else None,
                "result": self.result,
                "next_try": self.next_try.isoformat() if self.next_try else None,
                "customer": self.customer, "schedule": self.schedule,
                "from": self.from_id, "to": self.to_id, "created": self.created.isoformat()}


@dataclass(frozen=True)
class Event:
    id: int
    customer: str
    schedule: int | None
    from_id: str
    to_id: str
    outside: int
    body: dict[str, Any]
    created: datetime
    sent: int
    failed: int
    pending: int

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "customer": self.customer, "schedule": self.schedule,
                "from": self.from_id, "to": self.to_id, "outside": self.outside,
                "created": self.created.isoformat(),
                "deliveries": {"sent": self.sent, "failed": self.failed,
                               "pending": self.pending},
                "event": self.body}


def shown_target(kind: str, target: str) -> str:
    """A hook's target as listings show it: a reference as is; of a URL the scheme, host and
    path only (a token in its query or user part is never shown); a command as given."""
    if kind != "webhook" or target.startswith(("env:", "file:", "keyring:")):
        return target
    p = urlsplit(target)
    host = p.hostname or ""
    port = f":{p.port}" if p.port else ""
    return f"{p.scheme}://{host}{port}{p.path}" + ("?…" if p.query else "")


def check_target(kind: str, target: str) -> str:
    if kind not in KINDS:
        raise BadInput(f"alert kind {kind!r}: use one of {', '.join(KINDS)}")
    if not target.strip():
        raise BadInput(f"--{kind}: empty")
    if kind == "webhook" and not target.startswith(("env:", "file:", "keyring:")):
        p = urlsplit(target)
        if p.scheme not in ("http", "https") or not p.hostname:
            raise BadInput(f"--webhook {shown_target(kind, target)}: an http:// or https:// "
                           "URL, or env:NAME / file:PATH holding one")
        if p.password is not None:
            raise BadInput("--webhook: no password in the URL; put the URL in an environment "
                           "variable or a file and give env:NAME or file:PATH")
    return target


def add_hook(be: PgBackend, kind: str, target: str, *, customer: str | None = None,
             schedule: int | None = None, secret: str | None = None) -> Hook:
    check_target(kind, target)
    if secret is not None:
        if kind != "webhook":
            raise BadInput("--secret signs a webhook's body; a command gets no signature")
        if not secret.startswith(("env:", "file:", "keyring:")):
            raise BadInput("--secret: a reference only (env:NAME, file:PATH, keyring:S/U), "
                           "never the secret itself")
    if schedule is not None and be.conn.execute(
            "SELECT 1 FROM schedules WHERE id = %s", (schedule,)).fetchone() is None:
        raise BadInput(f"no schedule #{schedule}")
    row = be.conn.execute(
        "INSERT INTO alert_hooks(kind, target, secret, customer, schedule) "
        "VALUES (%s, %s, %s, %s, %s) "
        "RETURNING id, kind, target, secret, customer, schedule, created",
        (kind, target, secret, customer, schedule)).fetchone()
    assert row is not None
    return Hook(*row)


def hooks(be: PgBackend) -> list[Hook]:
    rows = be.conn.execute("SELECT id, kind, target, secret, customer, schedule, created "
                           "FROM alert_hooks ORDER BY id").fetchall()
    return [Hook(*r) for r in rows]


def remove_hook(be: PgBackend, hid: int) -> None:
    if be.conn.execute("DELETE FROM alert_hooks WHERE id = %s", (hid,)).rowcount == 0:
        raise BadInput(f"no alert hook #{hid}")


def hooks_for(be: PgBackend, customer: str, schedule: int | None) -> list[Hook]:
    """The hooks an event of this customer and schedule goes to: the store's (no customer, no
    schedule), the customer's, the schedule's."""
    rows = be.conn.execute(
        "SELECT id, kind, target, secret, customer, schedule, created FROM alert_hooks "
        "WHERE (customer IS NULL OR customer = %s) AND (schedule IS NULL OR schedule = %s) "
        "ORDER BY id", (customer, schedule)).fetchall()
    return [Hook(*r) for r in rows]


def record_event(be: PgBackend, body: dict[str, Any], *, customer: str, schedule: int | None,
                 from_id: str, to_id: str, outside: int) -> int | None:
    """Store the event and a pending delivery per hook it goes to, in one transaction; the
    event's id, or None when this snapshot's event was recorded already (a retried job)."""
    with be.conn.transaction():
        row = be.conn.execute(
            "INSERT INTO alert_events(customer, schedule, from_id, to_id, outside, body) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (to_id) DO NOTHING RETURNING id",
            (customer, schedule, from_id, to_id, outside,
             json.dumps(body, sort_keys=True, ensure_ascii=False))).fetchone()
        if row is None:
            return None
        eid = int(row[0])
        for h in hooks_for(be, customer, schedule):
            be.conn.execute(
                "INSERT INTO alert_deliveries(event, hook, kind, target, secret) "
                "VALUES (%s, %s, %s, %s, %s)", (eid, h.id, h.kind, h.target, h.secret))
    return eid


def claim_due(be: PgBackend, *, event: int | None = None, force: bool = False
              ) -> list[tuple[int, str, str, str | None, dict[str, Any]]]:
    """Deliveries to attempt now (pending, or failed with attempts left and their retry time
    come; `force`: whatever the retry time), leased so another worker does not take them
    meanwhile: [(delivery id, kind, target, secret reference, event body with its id)]."""
    with be.conn.transaction():
        rows = be.conn.execute(
            "SELECT d.id, d.kind, d.target, d.secret, e.id, e.body, e.created "
            "FROM alert_deliveries d "
            "JOIN alert_events e ON e.id = d.event "
            "WHERE d.status <> 'sent' AND d.attempts < %s "
            "AND (%s OR d.next_try <= now()) AND (%s::integer IS NULL OR d.event = %s) "
            "ORDER BY d.id FOR UPDATE OF d SKIP LOCKED",
            (MAX_ATTEMPTS, force, event, event)).fetchall()
        for r in rows:
            be.conn.execute("UPDATE alert_deliveries SET next_try = now() + %s * "
                            "interval '1 second' WHERE id = %s", (LEASE_S, r[0]))
    return [(int(did), kind, target, secret,
             {"id": eid, "recorded": created.isoformat(), **json.loads(body)})
            for did, kind, target, secret, eid, body, created in rows]


def settle(be: PgBackend, did: int, ok: bool, result: str) -> None:
    """Record one attempt's result; a failure is tried again after a backoff."""
    be.conn.execute(
        "UPDATE alert_deliveries SET attempts = attempts + 1, last_attempt = now(), "
        "result = %s, status = %s, next_try = CASE WHEN %s OR attempts + 1 >= %s THEN NULL "
        "ELSE now() + least(3600, %s * power(2, attempts)) * interval '1 second' END "
        "WHERE id = %s",
        (result[:500], "sent" if ok else "failed", ok, MAX_ATTEMPTS, RETRY_AFTER, did))


def deliveries(be: PgBackend, *, customer: str | None = None, failed_only: bool = False
               ) -> list[Delivery]:
    rows = be.conn.execute(
        "SELECT d.id, d.event, d.hook, d.kind, d.target, d.status, d.attempts, d.last_attempt, "
        "d.result, d.next_try, e.customer, e.schedule, e.from_id, e.to_id, e.created "
        "FROM alert_deliveries d JOIN alert_events e ON e.id = d.event "
        "WHERE (%s::text IS NULL OR e.customer = %s) AND (NOT %s OR d.status <> 'sent') "
        "ORDER BY d.id", (customer, customer, failed_only)).fetchall()
    return [Delivery(*r) for r in rows]


def events(be: PgBackend, customer: str | None = None) -> list[Event]:
    rows = be.conn.execute(
        "SELECT e.id, e.customer, e.schedule, e.from_id, e.to_id, e.outside, e.body, e.created, "
        "count(*) FILTER (WHERE d.status = 'sent'), count(*) FILTER (WHERE d.status = 'failed'), "
        "count(*) FILTER (WHERE d.status = 'pending') "
        "FROM alert_events e LEFT JOIN alert_deliveries d ON d.event = e.id "
        "WHERE %s::text IS NULL OR e.customer = %s GROUP BY e.id ORDER BY e.id",
        (customer, customer)).fetchall()
    return [Event(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7], int(r[8]),
                  int(r[9]), int(r[10])) for r in rows]


def checked(be: PgBackend, snapshot: str) -> bool:
    return be.conn.execute("SELECT 1 FROM alert_checks WHERE snapshot = %s",
                           (snapshot,)).fetchone() is not None


def record_check(be: PgBackend, snapshot: str, previous: str | None, schedule: int | None,
                 event: int | None) -> None:
    be.conn.execute(
        "INSERT INTO alert_checks(snapshot, previous, schedule, event) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (snapshot) DO NOTHING", (snapshot, previous, schedule, event))


def event_of(be: PgBackend, to_id: str) -> int | None:
    row = be.conn.execute("SELECT id FROM alert_events WHERE to_id = %s", (to_id,)).fetchone()
    return int(row[0]) if row else None


def schedule_created(be: PgBackend, schedule: int) -> datetime | None:
    row = be.conn.execute("SELECT created FROM schedules WHERE id = %s", (schedule,)).fetchone()
    return row[0] if row else None
