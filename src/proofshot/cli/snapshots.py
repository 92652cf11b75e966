"""proofshot snapshots: list the store's snapshots, oldest first."""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table as RichTable

from proofshot.cli.common import JsonOpt, StoreOpt, open_store, out, short
from proofshot.store.reader import read_manifest


def snapshots(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """List snapshots: id, sequence, label, time, targets and their status."""
    st = open_store(store)
    rows: list[dict[str, Any]] = []
    for info in st.snapshots():
        body = read_manifest(st, info.id, check=False)
        statuses = [t.status for t in body.targets]
        rows.append({
            "id": info.id, "seq": info.seq, "label": info.label, "created": info.created,
            "targets": len(statuses),
            "not_ok": sum(1 for s in statuses if s != "ok"),
        })
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    t = RichTable(show_edge=False, header_style="bold")
    for c in ("#", "id", "label", "created (UTC)", "targets", "not ok"):
        t.add_column(c)
    for r in rows:
        t.add_row(str(r["seq"]), short(r["id"]), r["label"], r["created"], str(r["targets"]),
                  str(r["not_ok"]) if r["not_ok"] else "")
    out.print(t)
