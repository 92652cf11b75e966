r"""Attribution: which account made a change, from what the systems logged (pure).

Windows hosts log who created, changed or deleted accounts, who changed group memberships,
who installed services and MSI packages (win_events of the later snapshot, read back over the
collector's window). A change of the diff is explained by an event of the same target, logged
between the two snapshots, that names the same thing: "by EXAMPLE\admin at 2026-06-01T10:02:11Z".
A change no event explains stays unattributed (never guessed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from proofshot.views.snapshot import SnapshotData

TABLES = ("win_events",)

# (table, kind) -> event ids that explain it
_EXPLAINS: dict[tuple[str, str], tuple[int, ...]] = {
    ("win_group_members", "added"): (4732, 4728, 4756),
    ("win_group_members", "removed"): (4733, 4729, 4757),
    ("win_users", "added"): (4720,),
    ("win_users", "removed"): (4726,),
    ("win_users", "changed"): (4722, 4725, 4738, 4724, 4740),
    ("win_services", "added"): (7045, 4697),
    ("win_software", "added"): (11707,),
    ("win_software", "removed"): (11724,),
}


class ChangeLike(Protocol):
    target: str
    table: str
    kind: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _tail(name: object) -> str:
    return str(name or "").rsplit("\\", 1)[-1].lower()


def _matches(table: str, row: Mapping[str, Any], ev: Mapping[str, Any]) -> bool:
    subject = str(ev.get("subject") or "")
    if table == "win_group_members":
        who = {_tail(row.get("member")), str(row.get("member_sid") or "").lower()}
        return _tail(ev.get("group")) == _tail(row.get("group")) and (
            _tail(subject) in who or subject.lower() in who)
    if table == "win_users":
        return _tail(subject) == _tail(row.get("name"))
    if table == "win_services":
        return subject.lower() in (str(row.get("name") or "").lower(),
                                   str(row.get("display_name") or "").lower())
    if table == "win_software":
        return subject.lower() == str(row.get("name") or "").lower()
    return False


def attribute(changes: Iterable[ChangeLike], after: SnapshotData,
              since: str | None = None) -> list[str | None]:
    """Per change (in order): "by ACCOUNT at TIME" from the first event that explains it, or
    None. Only events logged after `since` (the earlier snapshot's time) count."""
    events: dict[str, list[Mapping[str, Any]]] = {}
    for name, t in after.targets.items():
        if t.readable and t.has("win_events"):
            rows = [r for r in t.rows("win_events")
                    if since is None or str(r.get("time") or "") >= since]
            events[name] = sorted(rows, key=lambda r: str(r.get("time") or ""))
    out: list[str | None] = []
    for c in changes:
        ids = _EXPLAINS.get((c.table, c.kind), ())
        row = c.after if c.kind != "removed" else c.before
        found = None
        if ids and row is not None:
            for ev in events.get(c.target, []):
                if ev.get("event_id") in ids and _matches(c.table, row, ev):
                    found = f"by {ev.get('by') or 'unknown'} at {ev.get('time')}"
                    break
        out.append(found)
    return out
