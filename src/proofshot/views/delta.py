"""What changed between two snapshots in the views: paths (edges new and lost, services newly
exposed, paths now blocked by the host firewall) and findings (appeared, disappeared).

Like the diff, a statement resting on a target or table that one side could not read is
unverifiable, never "lost" or "fixed".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from proofshot.diff.engine import read_alike
from proofshot.views import paths
from proofshot.views.findings import Finding
from proofshot.views.rules import RULES
from proofshot.views.snapshot import SnapshotData

_RULE_TABLES = {r.id: r.tables for r in RULES}


def _observed(snap: SnapshotData, target: str, table: str) -> bool:
    t = snap.targets.get(target)
    return t is not None and t.readable and t.has(table)


def _sources(ev: Iterable[Mapping[str, Any]]) -> set[tuple[str, str]]:
    return {(e["target"], e["table"]) for e in ev}


def _comparable(a: SnapshotData, b: SnapshotData, sources: set[tuple[str, str]]) -> bool:
    """Every table the statement rests on was read on both sides, and read alike (a table
    read in part, or from other sources, on one side cannot prove an edge or finding new or
    gone: it "could not be checked")."""
    for t, tab in sources:
        if not (_observed(a, t, tab) and _observed(b, t, tab)):
            return False
        if read_alike(a.targets[t].reads.get(tab, {}), b.targets[t].reads.get(tab, {})):
            return False
    return True


def _short(e: Mapping[str, Any]) -> dict[str, Any]:
    return {k: e[k] for k in ("from", "to", "port", "proto", "kind", "evidence")} | (
        {"allowed": e["allowed"]} if "allowed" in e else {})


def paths_delta(a: SnapshotData, b: SnapshotData, ga: Mapping[str, Any] | None = None,
                gb: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`ga`/`gb`: the graphs' JSON (built here when not given)."""
    ja = ga if ga is not None else paths.to_json(paths.build(a))
    jb = gb if gb is not None else paths.to_json(paths.build(b))
    ea = {paths.edge_id(e): e for e in ja["edges"]}
    eb = {paths.edge_id(e): e for e in jb["edges"]}
    new: list[dict[str, Any]] = []
    lost: list[dict[str, Any]] = []
    unverifiable: list[dict[str, Any]] = []
    for k in sorted(eb.keys() - ea.keys(), key=str):
        (new if _comparable(a, b, _sources(eb[k]["evidence"])) else unverifiable).append(
            _short(eb[k]))
    for k in sorted(ea.keys() - eb.keys(), key=str):
        (lost if _comparable(a, b, _sources(ea[k]["evidence"])) else unverifiable).append(
            _short(ea[k]))
    exposed = [e for e in new if e["kind"] == "exposes" and e.get("allowed")]
    blocked = []
    for k in sorted(ea.keys() & eb.keys(), key=str):
        x, y = ea[k], eb[k]
        if x["kind"] != "exposes":
            continue
        if not x.get("allowed") and y.get("allowed"):
            exposed.append(_short(y))
        elif x.get("allowed") and y.get("allowed") is False:
            users = sorted({e["from"] for e in ja["edges"]
                            if e["kind"] == "connects" and e["to"] == x["to"]})
            blocked.append(_short(y) | {"used_before_by": users})
    return {"new_edges": new, "lost_edges": lost, "newly_exposed": exposed,
            "blocked": blocked, "unverifiable": unverifiable}


def _finding_sources(f: Finding) -> set[tuple[str, str]]:
    src = _sources(f.evidence)
    return src | {(f.target, t) for t in _RULE_TABLES.get(f.rule, ())}


def findings_delta(a: SnapshotData, b: SnapshotData, fa: list[Finding],
                   fb: list[Finding]) -> dict[str, Any]:
    ia = {f.ident: f for f in fa}
    ib = {f.ident: f for f in fb}
    appeared: list[dict[str, Any]] = []
    disappeared: list[dict[str, Any]] = []
    unverifiable: list[dict[str, Any]] = []
    for k in sorted(ib.keys() - ia.keys()):
        f = ib[k]
        (appeared if _comparable(a, b, _finding_sources(f)) else unverifiable).append(
            f.to_json())
    for k in sorted(ia.keys() - ib.keys()):
        f = ia[k]
        (disappeared if _comparable(a, b, _finding_sources(f)) else unverifiable).append(
            f.to_json())
    return {"appeared": appeared, "disappeared": disappeared, "unverifiable": unverifiable,
            "unchanged": len(ia.keys() & ib.keys())}
