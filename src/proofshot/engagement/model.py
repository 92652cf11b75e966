"""The job record as data: one engagement folded from its signed, chained events.

Events live in the store's signed document log "engagements" (see store/doclog.py), one chain
per engagement; the engagement id is the id of its `start` event, an item id the id of its
`item-receive` event. Event bodies (besides the log's own fields: chain, seq, prev, time, key):

    {"event": "start", "title", "customer", "technician"}
    {"event": "note", "text", "technician"}
    {"event": "link", "role": before|after|control|control-after, "snapshot", "technician"}
    {"event": "item-receive", "label", "from", "due": "YYYY-MM-DD"|null, "technician"}
    {"event": "item-return", "item", "to", "technician"}
    {"event": "item-lost" | "item-kept", "item", "reason", "technician"}
        (item-kept may carry "due": "YYYY-MM-DD": kept until then, overdue after it)
    {"event": "close", "reason": str|null, "technician"}

`load` is pure reading: the report and the CLI call it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from proofshot.model.errors import BadInput
from proofshot.store.api import EvidenceStore
from proofshot.store.doclog import DocLog, Entry
from proofshot.store.reader import read_manifest

LOG = "engagements"
ROLES = ("before", "after", "control", "control-after")
ITEM_END_STATES = ("returned", "lost", "kept")


class EngagementNotFound(BadInput):
    pass


@dataclass(frozen=True)
class ItemEvent:
    time: str
    event: str           # receive | return | lost | kept
    person: str | None   # from whom received / to whom returned
    reason: str | None
    technician: str
    entry: str           # id of the signed log entry


@dataclass
class Item:
    id: str
    label: str
    received_from: str
    received_at: str
    due: str | None
    state: str = "held"  # held | returned | lost | kept
    events: list[ItemEvent] = field(default_factory=list)

    def overdue(self, today: str | None = None) -> bool:
        """Held past its due date, or kept by agreement until a date that has passed."""
        today = today or time.strftime("%Y-%m-%d", time.gmtime())
        return self.state in ("held", "kept") and self.due is not None and self.due < today


@dataclass
class Engagement:
    id: str
    title: str
    customer: str
    technician: str
    opened: str
    closed: str | None
    close_reason: str | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    scans: list[str] = field(default_factory=list)   # snapshots whose manifest names it
    entries: list[str] = field(default_factory=list)  # ids of its signed log entries, in order

    @property
    def is_open(self) -> bool:
        return self.closed is None

    def outstanding(self) -> list[Item]:
        return [i for i in self.items if i.state == "held"]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "customer": self.customer,
            "technician": self.technician, "opened": self.opened, "closed": self.closed,
            "close_reason": self.close_reason,
            "notes": [{"time": t, "text": x} for t, x in self.notes],
            "links": dict(self.links), "scans": list(self.scans),
            "items": [{
                "id": i.id, "label": i.label, "received_from": i.received_from,
                "received_at": i.received_at, "due": i.due, "state": i.state,
                "overdue": i.overdue(),
                "events": [{"time": e.time, "event": e.event, "person": e.person,
                            "reason": e.reason, "technician": e.technician} for e in i.events],
            } for i in self.items],
            "entries": list(self.entries),
        }


def log(store: EvidenceStore) -> DocLog:
    return DocLog(store, LOG)


def _fold(chain: list[Entry]) -> Engagement:
    first = chain[0].body
    eng = Engagement(id=chain[0].id, title=first.get("title", ""),
                     customer=first.get("customer", ""), technician=first.get("technician", ""),
                     opened=first["time"], closed=None)
    items: dict[str, Item] = {}
    for e in chain:
        b = e.body
        ev, t, tech = b.get("event"), b["time"], b.get("technician", "")
        eng.entries.append(e.id)
        if ev == "note":
            eng.notes.append((t, b.get("text", "")))
        elif ev == "link":
            eng.links[b["role"]] = b["snapshot"]
        elif ev == "close":
            eng.closed, eng.close_reason = t, b.get("reason")
        elif ev == "item-receive":
            item = Item(e.id, b.get("label", ""), b.get("from", ""), t, b.get("due"))
            item.events.append(ItemEvent(t, "receive", b.get("from"), None, tech, e.id))
            items[e.id] = item
            eng.items.append(item)
        elif isinstance(ev, str) and ev.startswith("item-") and b.get("item") in items:
            item = items[b["item"]]
            kind = ev[len("item-"):]
            item.state = {"return": "returned"}.get(kind, kind)
            if kind == "kept" and b.get("due"):
                item.due = b["due"]  # kept until then: overdue after it
            item.events.append(ItemEvent(t, kind, b.get("to"), b.get("reason"), tech, e.id))
    return eng


def _chains(store: EvidenceStore) -> dict[str, list[Entry]]:
    chains: dict[str, list[Entry]] = {}
    for e in log(store).entries():
        chains.setdefault(e.chain, []).append(e)
    for c in chains.values():
        c.sort(key=lambda e: e.seq)
    return chains


def load_all(store: EvidenceStore, scans: bool = True) -> list[Engagement]:
    """Every engagement, oldest first; signatures and chains checked. `scans=False` leaves
    out the snapshots whose manifests name each one (cheap: no manifest is read)."""
    engs = [_fold(c) for c in _chains(store).values() if c[0].body.get("event") == "start"]
    engs.sort(key=lambda g: (g.opened, g.id))
    if scans:
        _attach_scans(store, engs)
    return engs


def _attach_scans(store: EvidenceStore, engs: list[Engagement]) -> None:
    if not engs:
        return
    for info in store.snapshots():
        try:
            ref = read_manifest(store, info.id, check=False).engagement
        except Exception:  # a broken manifest is verify's business, not the record's
            continue
        if not isinstance(ref, str) or not ref:
            continue
        hits = [g for g in engs if g.id == ref or (len(ref) >= 4 and g.id.startswith(ref))]
        if len(hits) == 1:
            hits[0].scans.append(info.id)


def resolve(store: EvidenceStore, ref: str | None, closed_ok: bool = False) -> str:
    """An engagement id, a unique prefix, or (None) the current one: the open one most recently
    started (with closed_ok, when none is open, the one most recently started)."""
    return _resolve(load_all(store), ref, closed_ok)


def current(store: EvidenceStore) -> Engagement | None:
    """The current engagement (the open one most recently started), without the scans that
    name it (cheap: a scan asks this before it starts)."""
    open_ = [_fold(c) for c in _chains(store).values() if c[0].body.get("event") == "start"]
    open_ = [g for g in open_ if g.is_open]
    open_.sort(key=lambda g: (g.opened, g.id))
    return open_[-1] if open_ else None


def naming(store: EvidenceStore, sids: list[str]) -> str | None:
    """The engagement that names one of these snapshots (linked, or named by the manifest),
    the most recently started one when several do."""
    hits = [g for g in load_all(store)
            if any(s in g.links.values() or s in g.scans for s in sids)]
    return hits[-1].id if hits else None


def unique_prefixes(ids: list[str], least: int = 7) -> dict[str, str]:
    """Each id's shortest prefix (at least `least` characters) that no other id shares, as git
    shows commit ids: never a cut id that names two things."""
    out = {}
    for i in ids:
        n = least
        while n < len(i) and any(o != i and o.startswith(i[:n]) for o in ids):
            n += 1
        out[i] = i[:n]
    return out


def _resolve(engs: list[Engagement], ref: str | None, closed_ok: bool = False) -> str:
    if ref is None:
        open_ = [g for g in engs if g.is_open]
        if not open_ and closed_ok and engs:
            return engs[-1].id
        if not open_:
            raise EngagementNotFound("no open engagement (start one with 'proofshot engagement "
                                     "start TITLE --customer C', or name one with --engagement)")
        return open_[-1].id
    ids = [g.id for g in engs]
    if ref in ids:
        return ref
    hits = [i for i in ids if len(ref) >= 4 and i.startswith(ref.lower())]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise EngagementNotFound(f"'{ref}' matches {len(hits)} engagements; give more of the id")
    raise EngagementNotFound(f"no engagement matches '{ref}' (id or unique id prefix)")


def load(store: EvidenceStore, eid: str) -> Engagement:
    """One engagement by id (or unique prefix), folded from its checked events."""
    engs = load_all(store)  # read once: folding and attaching scans read the whole log
    full = _resolve(engs, eid)
    for g in engs:
        if g.id == full:
            return g
    raise EngagementNotFound(f"no engagement {eid}")  # unreachable: resolve found it


def item_matches(item: Item, ref: str) -> bool:
    """An item is named by its id, a unique id prefix (4+ characters) or its label."""
    return (item.id == ref or (len(ref) >= 4 and item.id.startswith(ref.lower()))
            or item.label.casefold() == ref.strip().casefold())


def find_item(eng: Engagement, ref: str) -> Item:
    hits = [i for i in eng.items if item_matches(i, ref)]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise BadInput(f"'{ref}' matches {len(hits)} items; give the item id")
    raise BadInput(f"engagement {eng.id[:12]} has no item '{ref}' (id, id prefix or label)")
