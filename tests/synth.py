"""Building snapshots from rows written in a test, through the real store and record code.

Used where a test is about the store or the diff, not about collecting (no transport involved).
"""

from __future__ import annotations

from typing import Any

from proofshot.model.table import Table, col, table
from proofshot.scan.record import manifest_body, merkle_root, write_table
from proofshot.store.embedded import Store
from proofshot.store.timestamp import stamp_after_commit

ITEMS = table(
    "items", "Synthetic rows for store and diff tests.", ["id"],
    [
        col("id", "int", "row key"),
        col("name", "text", "a name"),
        col("mode", "text", "a file mode"),
        col("text", "text", "file text", lines=True),
        col("uptime", "int", "moves by itself", volatile=True),
        col("secret", "text", "a sensitive value", sensitive=True),
    ],
    collector="synthetic",
)


def row(i: int, **over: Any) -> dict[str, Any]:
    r: dict[str, Any] = {"id": i, "name": f"item{i}", "mode": "0644", "text": None,
                         "uptime": 1000, "secret": None}
    r.update(over)
    return ITEMS.validate(r)


def commit(store: Store, label: str, targets: dict[str, dict[str, list[dict[str, Any]]]],
           status: dict[str, str] | None = None, tables: dict[str, Table] | None = None,
           unverifiable: dict[str, dict[str, Any]] | None = None,
           customer: str | None = None) -> str:
    """targets: name -> table name -> rows. status: target -> status (default ok)."""
    w = store.writer()
    entries = []
    for name, tabs in targets.items():
        st = (status or {}).get(name, "ok")
        entry: dict[str, Any] = {
            "name": name, "type": "synthetic", "collector": {"name": "synthetic", "version": "1"},
            "status": st, "reason": "" if st == "ok" else "test says so", "facts": {},
            "started": "", "duration_ms": 0, "coverage": [], "tables": {},
            "unverifiable": dict((unverifiable or {}).get(name, {})),
        }
        if st in ("ok", "partial"):
            for tname, rows in tabs.items():
                decl = (tables or {}).get(tname, ITEMS)
                root, n = write_table(w, decl, rows, store.keys.keyed_hash)
                entry["tables"][tname] = {"root": root, "rows": n,
                                          "schema": w.put_json(decl.to_data()),
                                          "queries": [], "note": ""}
        entries.append(entry)
    scope_oid = w.put_json({"scope": "synthetic"})
    body = manifest_body(label, entries, "0" * 64, scope_oid, customer, "tester",
                         {"synthetic": "1"})
    assert body["merkle_root"] == merkle_root(entries, scope_oid)
    sid = store.commit(body, w)
    stamp_after_commit(store, sid)  # as the scan service does after a commit
    return sid
