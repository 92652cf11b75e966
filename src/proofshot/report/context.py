"""What the templates show, gathered from the store, the diff, the views and the job record.

Nothing here decides what changed: that is the diff's result (and the views'), regrouped for
reading. Values are turned into display text here so the templates stay plain.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from proofshot import service
from proofshot.diff.model import Change, DiffResult
from proofshot.model import hashmode
from proofshot.model.snapshot import Manifest, SnapshotReader, TargetEntry
from proofshot.report.display import Display
from proofshot.store.api import EvidenceStore
from proofshot.views.access import via_text
from proofshot.views.findings import Finding

MAX_CELL = 400
MAX_TEXT_LINES = 60
MAX_VOLATILE = 300

Gettext = Callable[[str], str]


def fmt_value(v: Any, yes: str = "yes", no: str = "no") -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return yes if v else no
    if isinstance(v, list):
        s = ", ".join(fmt_value(x, yes, no) for x in v) or "–"
    elif isinstance(v, dict):
        s = json.dumps(v, ensure_ascii=False, sort_keys=True)
    else:
        s = str(v)
    return s if len(s) <= MAX_CELL else s[: MAX_CELL - 1] + "…"


def key_text(key: Mapping[str, Any]) -> str:
    vals = [fmt_value(v) for v in key.values()]
    return " · ".join(vals) if len(vals) > 1 else (vals[0] if vals else "")


# -- snapshots -------------------------------------------------------------------------------

def snapshot_info(store: EvidenceStore, sid: str, snap: SnapshotReader | None = None
                  ) -> dict[str, Any]:
    """Manifest facts for the integrity page. Opening a snapshot checks its id and signature
    and raises on a mismatch, so a report is never rendered from an altered snapshot."""
    snap = snap if snap is not None else service.snapshot(store, sid)
    m = snap.manifest
    return {
        "id": sid, "seq": m.seq, "label": m.label,
        "created": m.created, "host": m.host,
        "technician": m.technician, "prev": m.prev,
        "merkle_root": m.merkle_root, "key": m.key,
        "tool": m.tool_version,
        "customer": m.scope.customer,
        "engagement": m.engagement,
        "signature_ok": True, "timestamp": timestamp_info(store, sid),
        "targets": [{"name": t.name, "type": t.type, "status": t.status,
                     "reason": t.reason} for t in m.targets],
        "body": m.to_data(),
        "snapshot": snap,
    }


# -- changes ---------------------------------------------------------------------------------

@dataclass
class ChangeView:
    kind: str
    key: str
    columns: list[tuple[str, str, str]] = field(default_factory=list)  # col, before, after
    diffs: list[tuple[str, list[str]]] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)  # of an added/removed row
    text: list[str] = field(default_factory=list)
    ambient: bool = False


def change_view(c: Change, ambient: bool, d: Display | None = None) -> ChangeView:
    d = d or Display()
    v = ChangeView(c.kind, d.key(c.key, c.table), ambient=ambient)
    if c.kind == "changed":
        for col in c.columns:
            label = d.column(c.table, col)
            if col in c.diff:
                v.diffs.append((label, c.diff[col][2:] if len(c.diff[col]) > 2 else c.diff[col]))
            else:
                v.columns.append((label, d.cell((c.before or {}).get(col), c.table, col),
                                  d.cell((c.after or {}).get(col), c.table, col)))
        return v
    row = c.after if c.kind == "added" else c.before
    for col, val in (row or {}).items():
        if col in c.key or val is None or val == "" or val == []:
            continue
        if col == "text" and isinstance(val, str):
            lines = val.splitlines()
            v.text = lines[:MAX_TEXT_LINES] + (["…"] if len(lines) > MAX_TEXT_LINES else [])
            continue
        v.fields.append((d.column(c.table, col), d.cell(val, c.table, col)))
    return v


def _triple(target: str, table: str, key: Mapping[str, Any]) -> str:
    return service.change_id(target, table, key)


def summary_rows(res: DiffResult) -> list[dict[str, Any]]:
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for c in res.changes:
        counts[(c.target, c.table)][c.kind] += 1
    return [{"target": t, "table": tb, "added": n["added"], "removed": n["removed"],
             "changed": n["changed"], "total": sum(n.values())}
            for (t, tb), n in sorted(counts.items())]


MAX_CHANGES = 1000  # changes listed per target and table; the rest is counted (`omitted`)


def change_groups(res: DiffResult, ambient: set[str], d: Display | None = None
                  ) -> list[dict[str, Any]]:
    """The changes per target and table, each group cut at MAX_CHANGES (a table added whole,
    a million rows, is not laid out in the report; `proofshot diff` lists every change)."""
    groups: dict[tuple[str, str], list[ChangeView]] = defaultdict(list)
    omitted: Counter[tuple[str, str]] = Counter()
    for c in res.changes:
        k = (c.target, c.table)
        if len(groups[k]) >= MAX_CHANGES:
            omitted[k] += 1
            continue
        groups[k].append(change_view(c, _triple(c.target, c.table, c.key) in ambient, d))
    return [{"target": t, "table": tb, "changes": cs, "omitted": omitted[(t, tb)]}
            for (t, tb), cs in groups.items()]


def volatile_annex(res: DiffResult, d: Display | None = None) -> dict[str, Any]:
    d = d or Display()
    per = Counter((v.target, v.table) for v in res.volatile)
    items = []
    for v in res.volatile[:MAX_VOLATILE]:
        moves = "; ".join(f"{d.column(v.table, c)}: {d.cell(v.before.get(c), v.table, c)} → "
                          f"{d.cell(v.after.get(c), v.table, c)}" for c in v.columns)
        items.append({"target": v.target, "table": v.table, "key": d.key(v.key, v.table),
                      "moves": moves})
    return {"counts": [{"target": t, "table": tb, "rows": n} for (t, tb), n in sorted(per.items())],
            "items": items, "total": len(res.volatile),
            "omitted": max(0, len(res.volatile) - MAX_VOLATILE)}


# -- views and job record (service layer) ------------------------------------------------

def findings_of(found: list[Finding] | None, d: Display | None = None
                ) -> list[dict[str, Any]] | None:
    """Findings as rows for the report: severity, title and remedy in the report's
    language."""
    if found is None:
        return None
    d = d or Display()
    rows = [f.to_json() for f in found]
    for f in rows:
        ev = f.get("evidence") or []
        f["evidence_text"] = "; ".join(d.evidence(e) for e in ev)
        f["title"], f["remedy"] = d.finding(f)
        f["severity_text"] = d.term(f.get("severity"), "severity")
    return rows


def evidence_text(e: Any) -> str:
    if isinstance(e, Mapping):
        where = " / ".join(str(e[k]) for k in ("target", "table") if e.get(k))
        key = e.get("key")
        key_s = key_text(key) if isinstance(key, Mapping) else fmt_value(key) if key else ""
        return f"{where}: {key_s}" if key_s else where
    return fmt_value(e)


def _edge_rows(edges: Iterable[Mapping[str, Any]], d: Display | None = None) -> list[list[Any]]:
    d = d or Display()
    return [[e.get("from"), e.get("to"), e.get("port"), e.get("proto"),
             d.term(e.get("kind"), "edge"),
             "; ".join(d.evidence(x) for x in e.get("evidence") or [])] for e in edges]


def paths_changes(delta: Mapping[str, Any], d: Display | None = None) -> dict[str, Any]:
    """The paths delta (service.compare): new, lost, newly exposed, blocked."""
    return {k: _edge_rows(delta.get(k) or [], d) for k in
            ("new_edges", "lost_edges", "newly_exposed", "blocked", "unverifiable")}


def findings_changes(delta: Mapping[str, Any], d: Display | None = None) -> dict[str, Any]:
    """The findings delta (service.compare): appeared, disappeared, unverifiable."""
    d = d or Display()
    out: dict[str, Any] = {}
    for k in ("appeared", "disappeared", "unverifiable"):
        out[k] = [[d.term(f.get("severity"), "severity"), f.get("target"), d.finding(f)[0],
                   f.get("subject")] for f in delta.get(k) or []]
    out["unchanged"] = delta.get("unchanged", 0)
    return out


def path_map(paths: service.PathsResult, d: Display | None = None) -> dict[str, Any]:
    """The network map of one snapshot: the map as SVG (when Graphviz is there) and the edges
    listed by kind."""
    d = d or Display()
    g = paths.json
    by_kind: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for e in g["edges"]:
        by_kind[str(e.get("kind"))].append(e)
    svg = map_svg(paths.dot(), d)
    return {"nodes": len(g["nodes"]), "edges": len(g["edges"]), "svg": svg,
            "kinds": [(d.term(k, "edge"), _edge_rows(v, d)) for k, v in sorted(by_kind.items())]}


def map_svg(dot: str, d: Display) -> str | None:
    """The map laid out by Graphviz `dot` as inline SVG (its own words in the report's
    language); None when Graphviz is not installed or fails."""
    import re
    import shutil
    import subprocess

    exe = shutil.which("dot")
    if exe is None:
        return None
    external = "extern" if d.lang == "de" else "external"
    dot = dot.replace("\\n(external)", f"\\n({external})").replace(
        'label="route ', f'label="{d.term("route", "edge")} ').replace(
        "label=lldp", f'label="{d.term("lldp", "edge")}"')
    try:
        proc = subprocess.run([exe, "-Tsvg"], input=dot.encode(), capture_output=True,
                              timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    svg = proc.stdout.decode("utf-8", "replace")
    svg = svg[svg.find("<svg"):]  # no XML declaration or doctype inside HTML
    return re.sub(r"<!--.*?-->", "", svg, flags=re.S)


MAX_ACCESS = 150  # rows of the access matrix, and of each list of the access delta


def _grant_row(g: Mapping[str, Any], d: Display | None = None) -> list[str]:
    d = d or Display()
    return [str(g["principal"]), str(g["resource"]), d.rights(g["rights"]),
            d.phrases(via_text(g["via"]))]


def _change_text(c: Mapping[str, Any], d: Display) -> str:
    """What changed in a kept grant: "password required → no password"."""
    group = f"sudo-{c['condition']}"
    return f"{d.term(c['before'], group)} → {d.term(c['after'], group)}"


def access_changes(delta: Mapping[str, Any], d: Display | None = None) -> dict[str, Any]:
    """The access delta (service.compare): who gained and who lost which rights on what,
    through which chain (each list cut at MAX_ACCESS, with the number left out), and what could
    not be compared."""
    out: dict[str, Any] = {}
    for k in ("gained", "lost"):
        out[k] = [_grant_row(g, d) for g in delta[k][:MAX_ACCESS]]
        out[f"{k}_omitted"] = max(0, len(delta[k]) - MAX_ACCESS)
    # grants kept whose condition changed (a sudo rule's password): what changed, last
    dd = d or Display()
    changed = delta.get("changed", [])
    out["changed"] = [[*_grant_row(g, dd), _change_text(g["change"], dd)]
                      for g in changed[:MAX_ACCESS]]
    out["changed_omitted"] = max(0, len(changed) - MAX_ACCESS)
    out["unverifiable"] = [[u["target"], u["reason"]] for u in delta["unverifiable"]]
    return out


def access_matrix(doc: service.Documentation, sid: str, d: Display | None = None
                  ) -> dict[str, Any]:
    """principal -> resource -> rights of one snapshot, one row per pair with the chains the
    rights come through, cut at MAX_ACCESS; and the shares whose share-level ACL was not read
    (their folders carry NTFS rights only)."""
    d = d or Display()
    rows, total = [], 0  # streamed: only the rows shown are held
    for r in doc.iter_access_matrix():
        total += 1
        if total <= MAX_ACCESS:
            rows.append([r["principal"], r["resource"], d.rights(r["rights"]),
                         d.phrases("; ".join(r["via"]))])
    return {"rows": rows,
            "total": total, "omitted": max(0, total - MAX_ACCESS), "id": sid[:12],
            "share_gaps": [[g["target"], g["share"], g["reason"]] for g in doc.share_gaps]}


def timestamp_info(store: EvidenceStore, sid: str) -> dict[str, Any] | None:
    """The RFC 3161 token of a snapshot (service.timestamp)."""
    info = service.timestamp(store, sid)
    if info is None:
        return None
    if not info.ok:
        return {"ok": False, "error": info.error}
    return {"ok": True, "time": info.time, "tsa": info.tsa}


ROLE_ORDER = ("before", "after", "control", "control-after")


def engagement_view(eng: Mapping[str, Any]) -> dict[str, Any]:
    links = eng.get("links") or {}
    items = []
    for i in eng.get("items") or []:
        items.append({
            "label": i.get("label"), "from": i.get("received_from"),
            "received": i.get("received_at"), "due": i.get("due"), "state": i.get("state"),
            "overdue": i.get("overdue"),
            "events": [{"time": e.get("time"), "event": e.get("event"), "person": e.get("person"),
                        "reason": e.get("reason"), "technician": e.get("technician")}
                       for e in i.get("events") or []],
        })
    control = None
    if links.get("control") and links.get("control-after"):
        control = (links["control"], links["control-after"])
    return {
        "id": eng.get("id"), "title": eng.get("title"), "customer": eng.get("customer"),
        "technician": eng.get("technician"), "opened": eng.get("opened"),
        "closed": eng.get("closed"), "close_reason": eng.get("close_reason"),
        "notes": eng.get("notes") or [],
        "links": sorted(links.items(), key=lambda kv: (
            ROLE_ORDER.index(kv[0]) if kv[0] in ROLE_ORDER else 9, kv[0])),
        "items": items, "control": control, "entries": len(eng.get("entries") or []),
    }


def drift_view(chk: service.DriftCheck, changes: Sequence[Change]) -> dict[str, Any]:
    """The drift check (service.drift_check): the window the changes happened in, the
    engagements of the customer it was held against (each with its window and whether it
    overlaps), and per target the changes that fall outside every engagement's window."""
    cover = {g.id for g in chk.covering}
    alerted = {f.target for f in chk.alerts}
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for c in changes:
        if c.target in alerted:
            per[c.target][c.kind] += 1
    engs = chk.nearest()
    return {
        "checked": chk.checked, "reason": chk.reason, "start": chk.start, "end": chk.end,
        "customer": chk.customer, "changes": chk.changes, "outside": chk.outside,
        "engagements": [{"id": g.id, "title": g.title, "opened": g.opened, "closed": g.closed,
                         "covers": g.id in cover} for g in engs],
        "engagements_omitted": len(chk.engagements) - len(engs),
        "targets": [{"target": t, "added": n["added"], "removed": n["removed"],
                     "changed": n["changed"], "total": sum(n.values())}
                    for t, n in sorted(per.items())],
    }


# -- the two reports --------------------------------------------------------------------------

def _unique(snaps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for s in snaps:
        if all(s["id"] != o["id"] for o in out):
            out.append(s)
    return out


def _targets_of(ma: Manifest, mb: Manifest) -> list[dict[str, Any]]:
    ta, tb = ma.by_name, mb.by_name
    out = []
    for name in sorted(ta.keys() | tb.keys()):
        x, y = ta.get(name), tb.get(name)
        out.append({"name": name, "type": (y.type if y else None) or (x.type if x else None),
                    "status_a": x.status if x else None, "status_b": y.status if y else None})
    return out


def _hash_modes(ma: Manifest, mb: Manifest, lang: str) -> list[dict[str, Any]]:
    """Per target, table and side: how the SHA-256 column was filled (full hash or hashes
    reused with --trust-metadata, with that mode's blind spot), in the report's language."""
    out = []
    for side, m in (("before", ma), ("after", mb)):
        for t in m.targets:
            for table, ref in sorted(t.tables.items()):
                rec = hashmode.record_of(ref.extra)
                if rec is not None or table == "files":
                    out.append({"target": t.name, "table": table, "side": side,
                                "mode": (rec or {}).get("mode"),
                                "text": hashmode.describe(rec, lang)})
    out.sort(key=lambda h: (h["target"], h["table"], h["side"] != "before"))
    return out


def evidence(store: EvidenceStore, a: str, b: str, engagement: str | None,
             d: Display | None = None) -> dict[str, Any]:
    d = d or Display()
    cmp = service.compare(store, a, b, engagement=engagement, drift=False)
    drift = drift_view(service.drift_check(store, cmp.a, cmp.b, cmp.diff.changes),
                       cmp.diff.changes)
    ia, ib = snapshot_info(store, a, cmp.a), snapshot_info(store, b, cmp.b)
    res = cmp.diff
    ev = engagement_view(cmp.engagement.to_json()) if cmp.engagement else None
    control: dict[str, Any] | None = None
    ambient: set[str] = set()
    if cmp.control is not None:
        ca = snapshot_info(store, cmp.control.a.id, cmp.control.a)
        cb = snapshot_info(store, cmp.control.b.id, cmp.control.b)
        cres = cmp.control.diff
        ambient = cmp.control.ambient
        control = {"a": ca, "b": cb, "summary": summary_rows(cres),
                   "changes": len(cres.changes), "volatile": len(cres.volatile)}
    groups = change_groups(res, ambient, d)
    vd = cmp.views
    assert vd is not None
    changed_targets = sorted({c.target for c in res.changes})
    return {
        "kind": "evidence",
        "a": ia, "b": ib,
        "snapshots": _unique([ia, ib] + ([control["a"], control["b"]] if control else [])),
        "customer": (ev or {}).get("customer") or ib["customer"] or ia["customer"],
        "job": (ev or {}).get("title"),
        "technician": (ev or {}).get("technician") or ib["technician"],
        "targets": _targets_of(cmp.a.manifest, cmp.b.manifest),
        "hashes": _hash_modes(cmp.a.manifest, cmp.b.manifest, d.lang),
        "summary": summary_rows(res),
        "n_changes": len(res.changes),
        "n_changed_targets": len(changed_targets),
        "n_ambient": sum(1 for c in res.changes if _triple(c.target, c.table, c.key) in ambient),
        "unverifiable": [u.to_json() for u in res.unverifiable],
        "groups": groups,
        "unchanged": [u.to_json() for u in res.unchanged],
        "unchanged_rows": sum(u.rows for u in res.unchanged),
        "findings": findings_of(vd.findings_a, d),
        "findings_delta": findings_changes(vd.findings, d),
        "paths": paths_changes(vd.paths, d),
        "access": access_changes(vd.access, d),
        "volatile": volatile_annex(res, d),
        "engagement": ev,
        "control": control,
        "drift": drift,
        "key": ib["key"],
    }


# Tables whose rows are too many to print: written to a CSV beside the report.
LONG_TABLES = ("packages", "files", "services", "firewall_rules", "sysctl")


def _first(rows: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    return rows[0] if rows else {}


def data_sheet(snap: SnapshotReader, t: TargetEntry) -> dict[str, Any]:
    """One target's data sheet: the tables a reader looks for, and every other table's size."""
    def rows(name: str) -> list[dict[str, Any]]:
        return snap.rows(t, name)

    def count(name: str) -> int | None:
        ref = t.tables.get(name)
        return ref.rows if ref is not None else None

    os_row, dmi, mem = _first(rows("os")), _first(rows("dmi")), _first(rows("memory"))
    cpus = rows("cpu")
    services = rows("services")
    users = rows("users")
    groups = rows("groups")
    fw = rows("firewall_rules")
    dev = _first(rows("device_facts"))  # a switch, router or firewall (netdev)
    dev_os = [(k, fmt_value(dev.get(k))) for k in ("hostname", "platform", "os_version",
                                                   "image", "uptime", "changed_by")
              if dev.get(k) is not None]
    dev_hw = [(k, fmt_value(dev.get(k))) for k in ("vendor", "model", "serial")
              if dev.get(k) is not None]
    return {
        "name": t.name, "type": t.type, "status": t.status,
        "reason": t.reason, "facts": dict(t.facts),
        "os": [(k, fmt_value(os_row.get(k))) for k in
               ("hostname", "os_name", "kernel_release", "arch", "timezone", "machine_id")
               if os_row.get(k) is not None] + dev_os,
        "hardware": dev_hw + [(k, fmt_value(v)) for k, v in (
            ("sys_vendor", dmi.get("sys_vendor")), ("product_name", dmi.get("product_name")),
            ("product_serial", dmi.get("product_serial")),
            ("bios_version", dmi.get("bios_version")),
            ("cpu", cpus[0].get("model_name") if cpus else None),
            ("cpus", len(cpus) if cpus else None),
            ("memory_kb", mem.get("total_kb"))) if v is not None],
        "addresses": [[r.get("interface"), r.get("address"), r.get("scope")]
                      for r in rows("addresses")],
        "listening": [[r.get("proto"), r.get("address"), r.get("port"),
                       fmt_value(r.get("processes"))] for r in rows("listening")],
        "filesystems": [[r.get("target"), r.get("source"), r.get("fstype"), r.get("size")]
                        for r in rows("filesystems")],
        "services_running": [[r.get("name"), r.get("enabled"), r.get("description") or ""]
                             for r in services if r.get("sub") == "running"],
        "services_total": len(services),
        "services_failed": [r.get("name") for r in services if r.get("active") == "failed"],
        "packages": count("packages"),
        "files": count("files"),
        "users": [[r.get("name"), r.get("uid"), r.get("shell"), r.get("password_state")]
                  for r in users],
        "groups": [[r.get("name"), r.get("gid"), fmt_value(r.get("members"))]
                   for r in groups if r.get("members")],
        "groups_total": len(groups),
        "firewall_policies": [[r.get("source"), r.get("family"), r.get("table"),
                               r.get("chain"), r.get("rule")]
                              for r in fw if r.get("kind") == "policy"],
        "firewall_rules": sum(1 for r in fw if r.get("kind") == "rule"),
        "tables": [{"name": n, "rows": tab.rows, "root": tab.root}
                   for n, tab in sorted(t.tables.items())],
        "unverifiable": [{"table": n, "status": u.status, "reason": u.reason}
                         for n, u in sorted(t.unverifiable.items())],
        "sheets": [{"titles": dict(s.titles), "columns": list(s.columns),
                    "rows": [[fmt_value(v) for v in r] for r in s.rows]}
                   for s in service.data_sheets(snap, t)],
    }


def side_tables(store: EvidenceStore, snap: SnapshotReader
                ) -> dict[str, tuple[list[str], Iterator[list[Any]]]]:
    """The long tables of every target that has rows in them, with a target column first (for
    CSV/XLSX). The rows are streamed from the store as the caller writes them, never held."""
    out: dict[str, tuple[list[str], Iterator[list[Any]]]] = {}
    for name in LONG_TABLES:
        having = [t for t in snap.targets if name in t.tables and t.tables[name].rows]
        if not having:
            continue
        # in the order of the table's declaration, stored with the snapshot
        schema = snap.schema(having[0], name)
        cols = list(schema.column_names) if schema is not None else []
        out[name] = (["target", *cols], _side_rows(snap, having, name, cols))
    return out


def _side_rows(snap: SnapshotReader, targets: list[TargetEntry], name: str, cols: list[str]
               ) -> Iterator[list[Any]]:
    for t in targets:
        for r in snap.iter_rows(t, name):
            yield [t.name, *(r.get(c) for c in cols)]


def documentation(store: EvidenceStore, a: str, d: Display | None = None) -> dict[str, Any]:
    d = d or Display()
    doc = service.document(store, a)
    snap = doc.snapshot
    ia = snapshot_info(store, a, snap)
    kinds = Counter(t.type for t in snap.targets)
    return {
        "kind": "docs",
        "a": ia, "snapshots": [ia],
        "customer": ia["customer"], "job": None, "technician": ia["technician"],
        "kinds": sorted(kinds.items()),
        "targets": [data_sheet(snap, t) for t in snap.targets],
        "findings": findings_of(doc.findings, d),
        "paths": path_map(doc.paths, d),
        "access": access_matrix(doc, a, d),
        "key": ia["key"],
    }
