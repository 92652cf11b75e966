"""Writing the job record: every event signed and chained into its engagement's log chain."""

from __future__ import annotations

import datetime as dt
import getpass
import os
from typing import Any

from proofshot.engagement.model import (
    ROLES,
    Engagement,
    EngagementNotFound,
    Item,
    current,
    find_item,
    item_matches,
    load,
    load_all,
    log,
)
from proofshot.model.errors import BadInput
from proofshot.store.api import EvidenceStore
from proofshot.store.reader import read_manifest


class OutstandingItems(BadInput):
    """Closing refused: items neither returned nor recorded lost or kept."""


def default_technician(store: EvidenceStore | None = None) -> str:
    """PROOFSHOT_TECHNICIAN, else the store's `technician` setting (a full name), else the
    login name."""
    from proofshot.engagement.identity import technician_setting

    return (os.environ.get("PROOFSHOT_TECHNICIAN") or technician_setting(store)
            or getpass.getuser())


def _text(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise BadInput(f"{what} must not be empty")
    return value


def _append(store: EvidenceStore, eng: Engagement, payload: dict[str, Any], technician: str | None
            ) -> str:
    if not eng.is_open:
        raise BadInput(f"engagement {eng.id[:12]} ({eng.title}) is closed since {eng.closed}")
    payload["technician"] = technician or os.environ.get("PROOFSHOT_TECHNICIAN") or eng.technician
    return log(store).append(eng.id, payload)


def start(store: EvidenceStore, title: str, customer: str, technician: str | None = None) -> str:
    body = {"event": "start", "title": _text(title, "title"),
            "customer": _text(customer, "--customer"),
            "technician": technician or default_technician(store)}
    return log(store).append(None, body)


def note(store: EvidenceStore, eid: str, text: str, technician: str | None = None) -> str:
    return _append(store, load(store, eid), {"event": "note", "text": _text(text, "note")},
                   technician)


def link(store: EvidenceStore, eid: str, role: str, snapshot: str, technician: str | None = None) -> str:
    if role not in ROLES:
        raise BadInput(f"unknown role '{role}' (one of {', '.join(ROLES)})")
    sid = store.resolve(snapshot)
    store.manifest(sid)  # only a snapshot that verifies can be evidence
    return _append(store, load(store, eid), {"event": "link", "role": role, "snapshot": sid},
                   technician)


def parse_due(due: str | None) -> str | None:
    if due is None:
        return None
    try:
        return dt.date.fromisoformat(due.strip()).isoformat()
    except ValueError:
        raise BadInput(f"--due: '{due}' is not a date (YYYY-MM-DD)") from None


def receive(store: EvidenceStore, eid: str, label: str, from_: str, due: str | None = None,
            technician: str | None = None) -> str:
    payload = {"event": "item-receive", "label": _text(label, "item"),
               "from": _text(from_, "--from"), "due": parse_due(due)}
    return _append(store, load(store, eid), payload, technician)


def item_owner(store: EvidenceStore, item: str, eid: str | None) -> tuple[Engagement, Item]:
    """The engagement (given, or found by the item id) and the item."""
    if eid is not None:
        eng = load(store, eid)
        return eng, find_item(eng, item)
    hits = [(g, i) for g in load_all(store) for i in g.items if item_matches(i, item)]
    if len(hits) > 1:  # a label used in an old engagement too: the open ones decide
        hits = [(g, i) for g, i in hits if g.is_open and i.state == "held"] or hits
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise BadInput(f"'{item}' matches {len(hits)} items; give the item id")
    raise EngagementNotFound(f"no entrusted item matches '{item}'")


def settle(store: EvidenceStore, item: str, how: str, *, eid: str | None = None, to: str | None = None,
           reason: str | None = None, technician: str | None = None,
           due: str | None = None) -> str:
    """Record an item returned (to someone), lost or kept (with a reason; kept with a due date
    stays on the overdue list once that date has passed)."""
    eng, it = item_owner(store, item, eid)
    if it.state != "held":
        raise BadInput(f"item {it.id[:12]} ({it.label}) is already {it.state}")
    payload: dict[str, Any] = {"event": f"item-{how}", "item": it.id}
    if how == "return":
        payload["to"] = _text(to or "", "--to")
    elif how in ("lost", "kept"):
        payload["reason"] = _text(reason or "", "--reason")
        if how == "kept" and due is not None:
            payload["due"] = parse_due(due)
    else:
        raise BadInput(f"unknown item event {how}")
    return _append(store, eng, payload, technician)


def close(store: EvidenceStore, eid: str, force_reason: str | None = None,
          technician: str | None = None) -> str:
    """Close; refused while items are held, and without before/after links unless a reason for
    closing anyway is given (it is recorded)."""
    eng = load(store, eid)
    held = eng.outstanding()
    if held:
        names = "; ".join(f"{i.id[:12]} '{i.label}' (from {i.received_from})" for i in held)
        raise OutstandingItems(
            f"engagement {eng.id[:12]} still holds {len(held)} entrusted item(s): {names}; "
            "record each as returned (item return ITEM --to ...), lost or kept "
            "(item lost|kept ITEM --reason ...)")
    labels = _scan_labels(store, eng) if not {"before", "after"} <= eng.links.keys() else set()
    missing = [r for r in ("before", "after") if r not in eng.links and r not in labels]
    if missing and not force_reason:
        raise BadInput(f"engagement {eng.id[:12]} has no {' and no '.join(missing)} snapshot "
                       "linked; link them (engagement link ROLE SNAPSHOT) or close with "
                       "--force-reason")
    return _append(store, eng, {"event": "close", "reason": force_reason}, technician)


def _scan_labels(store: EvidenceStore, eng: Engagement) -> set[Any]:
    """The labels of the snapshots whose manifest names the engagement (each read once)."""
    return {read_manifest(store, s, check=False).label for s in eng.scans}


def role_for_scan(eng: Engagement, role: str | None) -> str:
    """The role a new scan takes in the current engagement: the one asked for, else `before`
    for its first and `after` for every later one (the last `after` is what a report uses). A
    second `control` becomes `control-after`, closing the control pair."""
    if role is not None and role not in ("before", "after", "control"):
        raise BadInput(f"--role {role}: one of before, after, control")
    if role == "control":
        return "control-after" if "control" in eng.links and "control-after" not in eng.links \
            else "control"
    if role is not None:
        return role
    return "after" if "before" in eng.links else "before"


def scan_engagement(store: EvidenceStore, ref: str | None, role: str | None) -> tuple[str, str] | None:
    """(engagement id, role) for a scan about to start: the named engagement or the current
    one; None when there is none (and no role was asked for)."""
    if ref is not None:
        eng = load(store, ref)
        if not eng.is_open:
            raise BadInput(f"engagement {eng.id[:12]} ({eng.title}) is closed since {eng.closed}")
    else:
        found = current(store)
        if found is None:
            if role is not None:
                raise EngagementNotFound(f"--role {role}: no current engagement (start one with "
                                         "'proofshot engagement start TITLE --customer C')")
            return None
        eng = found
    return eng.id, role_for_scan(eng, role)
