"""Alerts for drift between scheduled snapshots (PostgreSQL store; tables in store/alerts.py).

When a site worker commits a scheduled snapshot, `after_scheduled_scan` compares it with the
previous snapshot of the same scope and customer. If the change falls outside every engagement's
window (service/_drift.py), it records an event and delivers it to every hook configured for
the store, the customer or the schedule:

    webhook   HTTP POST of the event as JSON (Content-Type application/json,
              X-Proofshot-Event: drift-outside-engagement; with a secret configured,
              X-Proofshot-Signature: sha256=HEX, the HMAC-SHA256 of the body under that
              secret); sent = a 2xx answer
    command   the command line (split like a shell would, no shell) run with the JSON on
              stdin, as Oxidized's exec hook does, in an environment of the basics (PATH,
              HOME, LANG...) and PROOFSHOT_HOOK_* only; sent = exit 0

The event (`EVENT_VERSION` 1):

    {"event": "drift-outside-engagement", "version": 1, "id", "recorded", "customer",
     "schedule", "site", "scope", "from": {"id", "label", "created"}, "to": {...},
     "window": {"from", "to"}, "engagements_checked": [{"id", "title", "opened", "closed"}]
     (those overlapping the window and the nearest others, at most 20),
     "engagements_not_listed": N (further from the window, none overlapping it),
     "counts": {"changes", "outside", "added", "removed", "changed", "targets"},
     "findings": [finding as `findings --json`: rule, severity, target, title, evidence
                  (table, key, kind of each change: no values)]}

It names rows by their keys and never carries a value: what is in the store is masked already,
and the alert does not even carry that. Each attempt is recorded (who, when, result); a failed
delivery is retried by every later worker pass (and `proofshot alert retry`) with a backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shlex
import subprocess
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from proofshot import __version__
from proofshot.model.errors import ProofshotError
from proofshot.scan.secrets import resolve
from proofshot.service._drift import RULE, drift_check
from proofshot.service._snapshots import snapshot
from proofshot.store import alerts as table
from proofshot.store.api import EvidenceStore
from proofshot.store.pgbackend import PgBackend

EVENT_VERSION = 1
TIMEOUT_S = 15.0


@dataclass(frozen=True)
class AlertOutcome:
    """What `after_scheduled_scan` did: each snapshot it checked (oldest first) as
    (snapshot, previous, event id or None, changes outside), and each delivery's (kind, shown
    target, ok, result)."""

    checked: list[tuple[str, str | None, int | None, int]]
    sent: list[tuple[str, str, bool, str]]

    @property
    def events(self) -> list[tuple[str, str | None, int, int]]:
        return [(x, p, e, n) for x, p, e, n in self.checked if e is not None]


MAX_WALK = 10  # unchecked snapshots of a scope checked at once (a worker that died before)


def scope_chain(store: EvidenceStore, sid: str, limit: int = MAX_WALK + 1) -> list[str]:
    """`sid` and the snapshots before it of the same customer and scope (digest), newest
    first, at most `limit`."""
    infos = sorted(store.snapshots(), key=lambda x: x.seq, reverse=True)
    me = next((i for i in infos if i.id == sid), None)
    if me is None:
        return []
    digest = snapshot(store, sid).manifest.scope.digest
    out = [sid]
    for i in infos:
        if len(out) >= limit:
            break
        if i.seq < me.seq and i.customer == me.customer and \
                snapshot(store, i.id).manifest.scope.digest == digest:
            out.append(i.id)
    return out


def event_body(store: EvidenceStore, prev: str, sid: str, *, schedule: int | None,
               site: str | None, scope: str | None) -> dict[str, Any] | None:
    """The event for the change prev -> sid, or None when it falls within an engagement's
    window (or there is none)."""
    from proofshot.service._compare import diff

    a, b = snapshot(store, prev), snapshot(store, sid)
    res = diff(a, b)
    chk = drift_check(store, a, b, res.changes)
    if not chk.alerts:
        return None
    alerted = {f.target for f in chk.alerts}
    kinds = Counter(c.kind for c in res.changes if c.target in alerted)

    def snap(r: Any) -> dict[str, Any]:
        return {"id": r.id, "label": r.manifest.label, "created": r.manifest.created}

    return {
        "event": RULE, "version": EVENT_VERSION, "customer": chk.customer,
        "schedule": schedule, "site": site, "scope": scope,
        "from": snap(a), "to": snap(b), "window": {"from": chk.start, "to": chk.end},
        "engagements_checked": [{"id": g.id, "title": g.title, "opened": g.opened,
                                 "closed": g.closed} for g in chk.nearest()],
        "engagements_not_listed": len(chk.engagements) - len(chk.nearest()),
        "counts": {"changes": chk.changes, "outside": sum(kinds.values()),
                   "added": kinds["added"], "removed": kinds["removed"],
                   "changed": kinds["changed"], "targets": len(alerted)},
        "findings": [f.to_json() for f in chk.alerts],
    }


HOOK_ENV = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR")


def hook_env() -> dict[str, str]:
    """A command hook's environment: the basics and PROOFSHOT_HOOK_* (the hook's own settings);
    never the worker's others, which hold the targets' credentials (env: references) and the
    database password (PGPASSWORD)."""
    return {k: v for k, v in os.environ.items()
            if k in HOOK_ENV or k.startswith("PROOFSHOT_HOOK_")}


def signature(secret: str, data: bytes) -> str:
    """The X-Proofshot-Signature header: sha256= and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def deliver(kind: str, target: str, body: dict[str, Any], secret: str | None = None
            ) -> tuple[bool, str]:
    """One attempt: (sent?, result). Never raises; the result names no secret (a resolved
    URL is never part of it). `secret`: a reference to the key a webhook's body is signed
    with."""
    data = json.dumps(body, sort_keys=True, ensure_ascii=False).encode()
    try:
        if kind == "webhook":
            url = resolve(target, "alert webhook") if target.startswith(
                ("env:", "file:", "keyring:")) else target
            assert url is not None
            headers = {"Content-Type": "application/json",
                       "User-Agent": f"proofshot/{__version__}",
                       "X-Proofshot-Event": str(body.get("event") or RULE)}
            if secret is not None:
                key = resolve(secret, "alert webhook secret")
                assert key is not None
                headers["X-Proofshot-Signature"] = signature(key, data)
            req = urllib.request.Request(url, data=data, method="POST", headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
                    code = resp.status
            except urllib.error.HTTPError as exc:
                code = exc.code
            return 200 <= code < 300, f"HTTP {code}"
        if kind == "command":
            proc = subprocess.run(shlex.split(target), input=data, capture_output=True,
                                  timeout=TIMEOUT_S * 2, check=False, env=hook_env())
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] \
                if proc.returncode else []
            return proc.returncode == 0, f"exit {proc.returncode}" + (
                f": {tail[0][:200]}" if tail else "")
        return False, f"unknown hook kind {kind!r}"
    except ProofshotError as exc:
        return False, str(exc)
    except urllib.error.URLError as exc:
        return False, f"not delivered: {_reason(exc.reason)}"
    except subprocess.TimeoutExpired:
        return False, "timed out"
    except (OSError, ValueError) as exc:
        return False, f"not delivered: {_reason(exc)}"


def _reason(exc: object) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__ if not str(exc) else str(exc).split(": http")[0][:200]


def deliver_due(be: PgBackend, *, event: int | None = None, force: bool = False
                ) -> list[tuple[str, str, bool, str]]:
    """Attempt every delivery that is due (of one event); record each result."""
    done = []
    for did, kind, target, secret, body in table.claim_due(be, event=event, force=force):
        ok, result = deliver(kind, target, body, secret)
        table.settle(be, did, ok, result)
        done.append((kind, table.shown_target(kind, target), ok, result))
    return done


def after_scheduled_scan(store: EvidenceStore, be: PgBackend, sid: str, *, schedule: int,
                         customer: str, site: str | None, scope: str | None) -> AlertOutcome:
    """Check the scheduled snapshot `sid` for drift since the previous one of its scope (and
    any earlier snapshot of the schedule left unchecked, e.g. by a worker that died between
    commit and check); on drift record the event; deliver what is due."""
    since = table.schedule_created(be, schedule)
    since_s = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if since else ""
    chain = scope_chain(store, sid)
    todo: list[tuple[str, str | None]] = []
    for i, x in enumerate(chain[:MAX_WALK]):
        if i > 0 and (table.checked(be, x) or
                      (snapshot(store, x).manifest.created or "") < since_s):
            break
        todo.append((x, chain[i + 1] if i + 1 < len(chain) else None))
    done: list[tuple[str, str | None, int | None, int]] = []
    for x, prev in reversed(todo):
        eid, outside = None, 0
        ev = None if prev is None else event_body(store, prev, x, schedule=schedule,
                                                     site=site, scope=scope)
        if ev is not None and prev is not None:
            outside = int(ev["counts"]["outside"])
            eid = table.record_event(be, ev, customer=customer, schedule=schedule,
                                     from_id=prev, to_id=x, outside=outside)
            eid = eid if eid is not None else table.event_of(be, x)
        table.record_check(be, x, prev, schedule, eid)
        done.append((x, prev, eid, outside))
    return AlertOutcome(done, deliver_due(be))
