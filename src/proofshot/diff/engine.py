"""Keyed, attribute-level diff of two snapshots, reading only the chunks that differ.

Rules (all read from the table declarations stored with each snapshot):
- rows are matched by key; a row only on one side is added/removed, else compared column by column;
- a row whose only differences are volatile (or detail) columns is a volatile movement, never a
  change; so is a row appearing or vanishing in a table of volatile rows (ARP caches);
- columns marked `lines` get a unified line diff;
- a target or table that could not be read on either side is unverifiable, never removed;
- so is a table read only in part (a source of it failed: "partial") or from other sources on
  the two sides (e.g. `sshd -T` answered on one side only): its rows are compared only when both
  sides rest on the same sources, with the same failures.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from proofshot.diff.model import Change, DiffResult, Unchanged, Unverifiable, VolatileMove
from proofshot.model import hashmode
from proofshot.model.snapshot import Manifest, TableGap, TableRef, TargetEntry, as_manifest, decode_row
from proofshot.model.table import Table
from proofshot.store.tree import differing_rows

Get = Callable[[str], bytes]
GetMany = Callable[[Iterable[str]], Iterator[bytes]]

READABLE = ("ok", "partial")


def diff_snapshots(get: Get, a_id: str, a: Manifest | Mapping[str, Any], b_id: str,
                   b: Manifest | Mapping[str, Any], get_many: GetMany | None = None
                   ) -> DiffResult:
    """`get_many` (e.g. `Store.get_many`): the objects of many ids in order, fetched ahead;
    without it the changed chunks are read one `get` at a time. The result is the same."""
    result = DiffResult(a_id, b_id)
    ta = as_manifest(a).by_name
    tb = as_manifest(b).by_name
    for name in sorted(ta.keys() | tb.keys()):
        x, y = ta.get(name), tb.get(name)
        if x is None:
            result.unverifiable.append(Unverifiable(name, None, "not in the scope of the "
                                                    "first snapshot"))
            continue
        if y is None:
            result.unverifiable.append(Unverifiable(name, None, "not in the scope of the "
                                                    "second snapshot"))
            continue
        _diff_target(get, get_many, name, x, y, result)
    for side, m in (("from", ta), ("to", tb)):
        for name, t in sorted(m.items()):
            for table, ref in sorted(t.tables.items()):
                rec = hashmode.record_of(ref.extra)
                if rec is not None:
                    result.hashes.append({"target": name, "table": table, "side": side, **rec,
                                          "text": hashmode.describe(rec)})
    result.changes.sort(key=lambda c: (c.target, c.table, json.dumps(c.key, sort_keys=True)))
    return result


def _status_reason(side: str, t: TargetEntry) -> str:
    reason = t.reason
    return f"{t.status} in {side} snapshot" + (f": {reason}" if reason else "")


def _diff_target(get: Get, get_many: GetMany | None, name: str, x: TargetEntry,
                 y: TargetEntry, result: DiffResult) -> None:
    if x.status not in READABLE or y.status not in READABLE:
        side, t = ("first", x) if x.status not in READABLE else ("second", y)
        result.unverifiable.append(Unverifiable(name, None, _status_reason(side, t)))
        return
    _diff_facts(name, x.facts, y.facts, result)
    xt, yt = x.tables, y.tables
    xu, yu = x.unverifiable, y.unverifiable
    for table in sorted(xt.keys() | yt.keys() | xu.keys() | yu.keys()):
        if table in xt and table in yt:
            why = read_alike(xt[table], yt[table])
            if why:
                result.unverifiable.append(Unverifiable(name, table, why))
                continue
            _diff_table(get, get_many, name, table, xt[table], yt[table], result)
            continue
        if table in xt or table in yt:
            missing, side = (yu.get(table), "second") if table in xt else (xu.get(table), "first")
            why = (f"{missing.status} in {side} snapshot: {missing.reason}"
                   if missing else f"not collected in {side} snapshot")
            result.unverifiable.append(Unverifiable(name, table, why))
        # tables unverifiable on both sides were never observed: nothing to compare
        elif _gap_status(xu.get(table)) != "unsupported" or \
                _gap_status(yu.get(table)) != "unsupported":
            result.unverifiable.append(Unverifiable(name, table, _both_unread(
                xu.get(table), yu.get(table))))


def _both_unread(mx: TableGap | None, my: TableGap | None) -> str:
    """Why a table read on neither side is unverifiable, saying "both" only when it is so."""
    sx = mx.status if mx is not None else "failed"
    sy = my.status if my is not None else "failed"
    rx = mx.reason if mx is not None else ""
    ry = my.reason if my is not None else ""
    if sx == sy:
        return f"{sy} in both snapshots: {ry}"
    if sx == "unsupported":  # not there before, now there but unreadable
        return f"{sy} in second snapshot: {ry} (not present in first)"
    if sy == "unsupported":
        return f"{sx} in first snapshot: {rx} (not present in second)"
    return f"{sx} in first snapshot: {rx}; {sy} in second snapshot: {ry}"


def read_alike(x: TableRef | Mapping[str, Any], y: TableRef | Mapping[str, Any]) -> str:
    """'' when two stored tables were read alike (same sources answered, same ones failed),
    else why their rows cannot be compared. Manifests from before sources were recorded have
    no "sources": they compare as before."""
    rx = x if isinstance(x, TableRef) else TableRef.from_data("", {"root": "", **x})
    ry = y if isinstance(y, TableRef) else TableRef.from_data("", {"root": "", **y})
    fx, fy = list(rx.failed), list(ry.failed)
    sx, sy = rx.sources, ry.sources
    if fx != fy:
        side, t = ("first", rx) if fx else ("second", ry)
        if fx and fy:
            return (f"partial in both snapshots, differently: first {'; '.join(fx)}, "
                    f"second {'; '.join(fy)}")
        return f"partial in {side} snapshot: {t.reason or '; '.join(fx or fy)}"
    if sx is not None and sy is not None and sorted(sx) != sorted(sy):
        return (f"read from other sources: first {', '.join(sorted(sx)) or 'none'}, "
                f"second {', '.join(sorted(sy)) or 'none'}")
    return ""


def _gap_status(gap: TableGap | None) -> str | None:
    return gap.status if gap is not None else None


# Facts about the scan rather than the target: `host_key_replaced` is set only by the scan that
# accepted a new host key (the key change itself shows as `host_key`); comparing it would report
# a change on the next, idle scan.
_FACTS_VOLATILE = frozenset({"transport", "host_key_replaced"})


def _diff_facts(name: str, fx: Mapping[str, Any], fy: Mapping[str, Any], result: DiffResult
                ) -> None:
    for k in sorted(fx.keys() | fy.keys()):
        if k in _FACTS_VOLATILE or fx.get(k) == fy.get(k):
            continue
        result.changes.append(Change(name, "target_facts", {"fact": k}, "changed",
                                     {"fact": k, "value": fx.get(k)},
                                     {"fact": k, "value": fy.get(k)}, ["value"]))


def _diff_table(get: Get, get_many: GetMany | None, target: str, name: str, x: TableRef,
                y: TableRef, result: DiffResult) -> None:
    if x.root == y.root:
        result.unchanged.append(Unchanged(target, name, y.rows, y.root))
        return
    table = Table.from_data(json.loads(get(y.schema)))
    if x.schema != y.schema:
        old = Table.from_data(json.loads(get(x.schema)))
        if old.key != table.key:
            result.unverifiable.append(Unverifiable(
                target, name, "table definition changed between the snapshots (key differs)"))
            return
    ra, rb = differing_rows(get, x.root, y.root, get_many=get_many)
    rows_a = {table.key_of(r): r for r in map(decode_row, ra)}
    rows_b = {table.key_of(r): r for r in map(decode_row, rb)}
    vol = table.volatile
    detail = table.detail
    lines_cols = {c.name for c in table.columns if c.lines}
    n_changes = 0
    n_vol = 0
    for k in sorted(rows_a.keys() | rows_b.keys(), key=lambda t: json.dumps(t)):
        before, after = rows_a.get(k), rows_b.get(k)
        key = dict(zip(table.key, k, strict=True))
        if (before is None or after is None) and table.volatile_rows:
            result.volatile.append(VolatileMove(target, name, key, [], before or {}, after or {},
                                                "appeared" if before is None else "vanished"))
            n_vol += 1
            continue
        if before is None:
            result.changes.append(Change(target, name, key, "added", None, after, []))
            n_changes += 1
            continue
        if after is None:
            result.changes.append(Change(target, name, key, "removed", before, None, []))
            n_changes += 1
            continue
        cols = sorted(c for c in before.keys() | after.keys() if before.get(c) != after.get(c))
        real = [c for c in cols if c not in vol and c not in detail]
        real += [c for c in cols if c in detail and detail[c] in real]
        moved = [c for c in cols if c not in real]
        if real:
            ch = Change(target, name, key, "changed", before, after, real)
            for c in real:
                if c in lines_cols:
                    ch.diff[c] = line_diff(before.get(c), after.get(c))
            result.changes.append(ch)
            n_changes += 1
        if moved:
            result.volatile.append(VolatileMove(target, name, key, moved, before, after))
            if not real:
                n_vol += 1
    if n_changes == 0:
        result.unchanged.append(Unchanged(target, name, y.rows, y.root, n_vol))


def line_diff(a: Any, b: Any) -> list[str]:
    """Unified diff of two texts (None counts as no text)."""
    la = (a or "").splitlines()
    lb = (b or "").splitlines()
    return [ln.rstrip("\n") for ln in difflib.unified_diff(la, lb, "before", "after", n=1,
                                                           lineterm="")]
