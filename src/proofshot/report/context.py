"""What the templates show, gathered from the store, the diff, the views and the job record.

Nothing here decides what changed: that is the diff's result (and the views'), regrouped for
reading. Values are turned into display text here so the templates stay plain.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from proofshot.diff.engine import diff_snapshots
from proofshot.diff.model import Change, DiffResult
from proofshot.model.table import Table
from proofshot.report import probe
from proofshot.report.display import Display
from proofshot.store.embedded import Store
from proofshot.store.tree import iter_rows

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

def snapshot_info(store: Store, sid: str) -> dict[str, Any]:
    """Manifest facts for the integrity page. `store.manifest` checks id and signature and
    raises on a mismatch, so a report is never rendered from an altered snapshot."""
    body = store.manifest(sid)
    return {
        "id": sid, "seq": body.get("seq"), "label": body.get("label") or "",
        "created": body.get("created"), "host": body.get("host"),
        "technician": body.get("technician"), "prev": body.get("prev"),
        "merkle_root": body.get("merkle_root"), "key": body.get("key"),
        "tool": (body.get("tool") or {}).get("version"),
        "customer": (body.get("scope") or {}).get("customer"),
        "engagement": body.get("engagement"),
        "signature_ok": True, "timestamp": timestamp_info(store, sid),
        "targets": [{"name": t["name"], "type": t.get("type"), "status": t.get("status"),
                     "reason": t.get("reason") or ""} for t in body.get("targets", [])],
        "body": body,
    }


def table_rows(store: Store, target: Mapping[str, Any], table: str) -> list[dict[str, Any]]:
    tab = target.get("tables", {}).get(table)
    if not tab:
        return []
    return [json.loads(r) for r in iter_rows(store.get, tab["root"])]


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
    return json.dumps([target, table, key], sort_keys=True, default=str)


def summary_rows(res: DiffResult) -> list[dict[str, Any]]:
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for c in res.changes:
        counts[(c.target, c.table)][c.kind] += 1
    return [{"target": t, "table": tb, "added": n["added"], "removed": n["removed"],
             "changed": n["changed"], "total": sum(n.values())}
            for (t, tb), n in sorted(counts.items())]


def change_groups(res: DiffResult, ambient: set[str], d: Display | None = None
                  ) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[ChangeView]] = defaultdict(list)
    for c in res.changes:
        groups[(c.target, c.table)].append(
            change_view(c, _triple(c.target, c.table, c.key) in ambient, d))
    return [{"target": t, "table": tb, "changes": cs} for (t, tb), cs in groups.items()]


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


# -- views and job record, found by probing (built beside the report; absent -> omitted) ---

def _views_snapshot(store: Store, sid: str) -> Any | None:
    """One snapshot with the tables the views read (not the whole inventory)."""
    mod = probe.optional_module("proofshot.views.snapshot")
    if mod is None:
        return None
    need: set[str] = set()
    for name in ("proofshot.views.paths", "proofshot.views.access"):
        view = probe.optional_module(name)
        need |= set(getattr(view, "TABLES", ()) if view is not None else ())
    findings = probe.optional_module("proofshot.views.findings")
    if findings is not None:
        need |= set(findings.tables_needed())
    return mod.load(store, sid, need)


def _views_pair(store: Store, a: str, b: str) -> tuple[Any, Any, Any, Any]:
    """(a, b, a for access, b for access) through `proofshot.views.pair.load_pair`, which
    does not read the ACL tables when none changed; else the two snapshots, each twice."""
    mod = probe.optional_module("proofshot.views.pair")
    if mod is None:
        sa, sb = _views_snapshot(store, a), _views_snapshot(store, b)
        return sa, sb, sa, sb
    p = mod.load_pair(store, a, b)
    return p.a, p.b, p.access_a, p.access_b


def evaluate_findings(store: Store, snap: Any | None) -> list[Any] | None:
    """Findings of one snapshot through `proofshot.views.findings.evaluate` (None when the
    views or the snapshot are absent)."""
    mod = probe.optional_module("proofshot.views.findings")
    if mod is None or snap is None:
        return None
    return list(mod.evaluate(snap, store.keys.keyed_hash))


def findings_of(found: list[Any] | None, d: Display | None = None
                ) -> list[dict[str, Any]] | None:
    """Findings (from `evaluate_findings`) as rows for the report: severity, title and remedy
    in the report's language."""
    if found is None:
        return None
    d = d or Display()
    rows = [dict(probe.plain(f)) for f in found]
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


def paths_changes(a_snap: Any | None, b_snap: Any | None, d: Display | None = None
                  ) -> dict[str, Any] | None:
    """Through `proofshot.views.delta.paths_delta`: new, lost, newly exposed, blocked."""
    mod = probe.optional_module("proofshot.views.delta")
    if mod is None or a_snap is None or b_snap is None:
        return None
    delta = mod.paths_delta(a_snap, b_snap)
    return {k: _edge_rows(delta.get(k) or [], d) for k in
            ("new_edges", "lost_edges", "newly_exposed", "blocked", "unverifiable")}


def findings_changes(a_snap: Any | None, b_snap: Any | None, fa: list[Any] | None,
                     fb: list[Any] | None, d: Display | None = None) -> dict[str, Any] | None:
    """Through `proofshot.views.delta.findings_delta`, over findings from `evaluate_findings`."""
    mod = probe.optional_module("proofshot.views.delta")
    if mod is None or a_snap is None or b_snap is None or fa is None or fb is None:
        return None
    d = d or Display()
    delta = mod.findings_delta(a_snap, b_snap, fa, fb)
    out = {}
    for k in ("appeared", "disappeared", "unverifiable"):
        out[k] = [[d.term(f.get("severity"), "severity"), f.get("target"), d.finding(f)[0],
                   f.get("subject")] for f in delta.get(k) or []]
    out["unchanged"] = delta.get("unchanged", 0)
    return out


def path_map(snap: Any | None, d: Display | None = None) -> dict[str, Any] | None:
    """The network map of one snapshot through `proofshot.views.paths`: the map as SVG (when
    Graphviz is there) and the edges listed by kind."""
    mod = probe.optional_module("proofshot.views.paths")
    if mod is None or snap is None:
        return None
    d = d or Display()
    graph = mod.build(snap)
    g = mod.to_json(graph)
    by_kind: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for e in g["edges"]:
        by_kind[str(e.get("kind"))].append(e)
    svg = map_svg(mod.to_dot(graph), d) if hasattr(mod, "to_dot") else None
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


def _grant_row(mod: Any, g: Mapping[str, Any], d: Display | None = None) -> list[str]:
    d = d or Display()
    return [str(g["principal"]), str(g["resource"]), d.rights(g["rights"]),
            d.phrases(mod.via_text(g["via"]))]


def access_changes(a_snap: Any | None, b_snap: Any | None, d: Display | None = None
                   ) -> dict[str, Any] | None:
    """Through `proofshot.views.access.access_delta`: who gained and who lost which rights on
    what, through which chain (each list cut at MAX_ACCESS, with the number left out), and
    what could not be compared."""
    mod = probe.optional_module("proofshot.views.access")
    if mod is None or a_snap is None or b_snap is None:
        return None
    delta = mod.access_delta(a_snap, b_snap)
    out: dict[str, Any] = {}
    for k in ("gained", "lost"):
        out[k] = [_grant_row(mod, g, d) for g in delta[k][:MAX_ACCESS]]
        out[f"{k}_omitted"] = max(0, len(delta[k]) - MAX_ACCESS)
    out["unverifiable"] = [[u["target"], u["reason"]] for u in delta["unverifiable"]]
    return out


def access_matrix(snap: Any | None, sid: str, d: Display | None = None
                  ) -> dict[str, Any] | None:
    """Through `proofshot.views.access`: principal -> resource -> rights of one snapshot, one
    row per pair with the chains the rights come through, cut at MAX_ACCESS; and the shares
    whose share-level ACL was not read (their folders carry NTFS rights only)."""
    mod = probe.optional_module("proofshot.views.access")
    if mod is None or snap is None:
        return None
    d = d or Display()
    rows = mod.matrix(mod.grants(snap))
    return {"rows": [[r["principal"], r["resource"], d.rights(r["rights"]),
                      d.phrases("; ".join(r["via"]))]
                     for r in rows[:MAX_ACCESS]],
            "total": len(rows), "omitted": max(0, len(rows) - MAX_ACCESS), "id": sid[:12],
            "share_gaps": [[g["target"], g["share"], g["reason"]]
                           for g in mod.share_gaps(snap)]}


def timestamp_info(store: Store, sid: str) -> dict[str, Any] | None:
    """The RFC 3161 token of a snapshot through `proofshot.store.timestamp.check`."""
    mod = probe.optional_module("proofshot.store.timestamp")
    if mod is None:
        return None
    try:
        info = mod.check(store, sid)
    except Exception as exc:  # the token is there but does not hold: say so, do not hide it
        return {"ok": False, "error": str(getattr(exc, "message", exc))}
    if info is None:
        return None
    return {"ok": True, "time": getattr(info, "gen_time", None),
            "tsa": getattr(info, "tsa_subject", None)}


def load_engagement(store: Store, eid: str | None) -> dict[str, Any] | None:
    """The job record through `proofshot.engagement.model.load(store, eid)`, when it exists."""
    if not eid:
        return None
    mod = probe.optional_module("proofshot.engagement.model")
    if mod is None:
        return None
    data = probe.plain(mod.load(store, eid))
    return dict(data) if isinstance(data, Mapping) else None


def engagement_naming(store: Store, sids: list[str]) -> str | None:
    """The engagement that links one of these snapshots, through
    `proofshot.engagement.model.naming` (None when there is none)."""
    mod = probe.optional_module("proofshot.engagement.model")
    return None if mod is None else mod.naming(store, sids)


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


# -- the two reports --------------------------------------------------------------------------

def _unique(snaps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for s in snaps:
        if all(s["id"] != o["id"] for o in out):
            out.append(s)
    return out


def _targets_of(ia: Mapping[str, Any], ib: Mapping[str, Any]) -> list[dict[str, Any]]:
    ta = {t["name"]: t for t in ia["targets"]}
    tb = {t["name"]: t for t in ib["targets"]}
    out = []
    for name in sorted(ta.keys() | tb.keys()):
        x, y = ta.get(name, {}), tb.get(name, {})
        out.append({"name": name, "type": y.get("type") or x.get("type"),
                    "status_a": x.get("status"), "status_b": y.get("status")})
    return out


def evidence(store: Store, a: str, b: str, engagement: str | None,
             d: Display | None = None) -> dict[str, Any]:
    d = d or Display()
    ia, ib = snapshot_info(store, a), snapshot_info(store, b)
    res = diff_snapshots(store.get, a, ia["body"], b, ib["body"])
    eng = load_engagement(store, engagement or ib["engagement"] or ia["engagement"]
                          or engagement_naming(store, [a, b]))
    ev = engagement_view(eng) if eng else None
    control: dict[str, Any] | None = None
    ambient: set[str] = set()
    if ev and ev["control"]:
        ida, idb = store.resolve(ev["control"][0]), store.resolve(ev["control"][1])
        ca, cb = snapshot_info(store, ida), snapshot_info(store, idb)
        cres = diff_snapshots(store.get, ida, ca["body"], idb, cb["body"])
        ambient = {_triple(c.target, c.table, c.key) for c in cres.changes}
        control = {"a": ca, "b": cb, "summary": summary_rows(cres),
                   "changes": len(cres.changes), "volatile": len(cres.volatile)}
    groups = change_groups(res, ambient, d)
    sa, sb, access_a, access_b = _views_pair(store, store.resolve(a), store.resolve(b))
    fa, fb = evaluate_findings(store, sa), evaluate_findings(store, sb)
    changed_targets = sorted({c.target for c in res.changes})
    return {
        "kind": "evidence",
        "a": ia, "b": ib,
        "snapshots": _unique([ia, ib] + ([control["a"], control["b"]] if control else [])),
        "customer": (ev or {}).get("customer") or ib["customer"] or ia["customer"],
        "job": (ev or {}).get("title"),
        "technician": (ev or {}).get("technician") or ib["technician"],
        "targets": _targets_of(ia, ib),
        "summary": summary_rows(res),
        "n_changes": len(res.changes),
        "n_changed_targets": len(changed_targets),
        "n_ambient": sum(1 for g in groups for c in g["changes"] if c.ambient),
        "unverifiable": [u.to_json() for u in res.unverifiable],
        "groups": groups,
        "unchanged": [u.to_json() for u in res.unchanged],
        "unchanged_rows": sum(u.rows for u in res.unchanged),
        "findings": findings_of(fa, d),
        "findings_delta": findings_changes(sa, sb, fa, fb, d),
        "paths": paths_changes(sa, sb, d),
        "access": access_changes(access_a, access_b, d),
        "volatile": volatile_annex(res, d),
        "engagement": ev,
        "control": control,
        "key": ib["key"],
    }


# Tables whose rows are too many to print: written to a CSV beside the report.
LONG_TABLES = ("packages", "files", "services", "firewall_rules", "sysctl")


def _first(rows: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    return rows[0] if rows else {}


def data_sheet(store: Store, t: Mapping[str, Any]) -> dict[str, Any]:
    """One target's data sheet: the tables a reader looks for, and every other table's size."""
    def rows(name: str) -> list[dict[str, Any]]:
        return table_rows(store, t, name)

    os_row, dmi, mem = _first(rows("os")), _first(rows("dmi")), _first(rows("memory"))
    cpus = rows("cpu")
    services = rows("services")
    users = rows("users")
    groups = rows("groups")
    fw = rows("firewall_rules")
    tables = t.get("tables", {})
    dev = _first(rows("device_facts"))  # a switch, router or firewall (netdev)
    dev_os = [(k, fmt_value(dev.get(k))) for k in ("hostname", "platform", "os_version",
                                                   "image", "uptime", "changed_by")
              if dev.get(k) is not None]
    dev_hw = [(k, fmt_value(dev.get(k))) for k in ("vendor", "model", "serial")
              if dev.get(k) is not None]
    return {
        "name": t["name"], "type": t.get("type"), "status": t.get("status"),
        "reason": t.get("reason") or "", "facts": t.get("facts", {}),
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
        "packages": tables.get("packages", {}).get("rows"),
        "files": tables.get("files", {}).get("rows"),
        "users": [[r.get("name"), r.get("uid"), r.get("shell"), r.get("password_state")]
                  for r in users],
        "groups": [[r.get("name"), r.get("gid"), fmt_value(r.get("members"))]
                   for r in groups if r.get("members")],
        "groups_total": len(groups),
        "firewall_policies": [[r.get("source"), r.get("family"), r.get("table"),
                               r.get("chain"), r.get("rule")]
                              for r in fw if r.get("kind") == "policy"],
        "firewall_rules": sum(1 for r in fw if r.get("kind") == "rule"),
        "tables": [{"name": n, "rows": tab.get("rows"), "root": tab.get("root", "")}
                   for n, tab in sorted(tables.items())],
        "unverifiable": [{"table": n, "status": u.get("status"), "reason": u.get("reason")}
                         for n, u in sorted(t.get("unverifiable", {}).items())],
    }


def side_tables(store: Store, body: Mapping[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The long tables of every target, with a target column first (for CSV/XLSX)."""
    out: dict[str, tuple[list[str], list[list[Any]]]] = {}
    for name in LONG_TABLES:
        cols: list[str] = []
        data: list[list[Any]] = []
        for t in body.get("targets", []):
            tab = t.get("tables", {}).get(name)
            if not tab:
                continue
            if not cols:  # in the order of the table's declaration, stored with the snapshot
                cols = list(Table.from_data(store.get_json(tab["schema"])).column_names)
            for r in table_rows(store, t, name):
                data.append([t["name"], *(r.get(c) for c in cols)])
        if data:
            out[name] = (["target", *cols], data)
    return out


def documentation(store: Store, a: str, d: Display | None = None) -> dict[str, Any]:
    d = d or Display()
    ia = snapshot_info(store, a)
    body = ia["body"]
    kinds = Counter(str(t.get("type")) for t in body.get("targets", []))
    sa = _views_snapshot(store, a)
    return {
        "kind": "docs",
        "a": ia, "snapshots": [ia],
        "customer": ia["customer"], "job": None, "technician": ia["technician"],
        "kinds": sorted(kinds.items()),
        "targets": [data_sheet(store, t) for t in body.get("targets", [])],
        "findings": findings_of(evaluate_findings(store, sa), d),
        "paths": path_map(sa, d),
        "access": access_matrix(sa, a, d),
        "key": ia["key"],
    }
