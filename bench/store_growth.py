"""Store growth: 10 snapshots of a 1M-row table, 0.1% churn each (0.05% modified, 0.025% added,
0.025% removed), written through the real store APIs (Store.create, store.writer(), TreeBuilder
fed canonical rows in key order, manifest_body, Store.commit).

Figure: bytes on disk of the store (apparent size of packs/*.pack + snapshots/*.json) after 10
snapshots vs after 1; goal at most 1.2x. Also the increment of every snapshot, the number of new
objects it wrote, and (for reference) the SQLite index size, which is not counted.

With the sweep (default in a full run) the same 10 snapshots are written again with other
content-defined chunk sizes: proofshot.store.tree.LEAF_TARGET / NODE_TARGET (and their *_MAX =
16x target) are monkeypatched inside this process only; the defaults are not changed.

    python bench/store_growth.py             # 1M rows, defaults + sweep
    python bench/store_growth.py --quick     # 100k rows, defaults + a short sweep
    python bench/store_growth.py --no-sweep
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import proofshot.store.tree as tree
from proofshot.model.canonical import canonical
from proofshot.model.table import col, table
from proofshot.scan.record import manifest_body
from proofshot.store.embedded import Store
from proofshot.store.packs import read_records

SNAPSHOTS = 10
BASE_ID = 1_000_000_000  # ids are BASE_ID + 1000*i (+ k for added rows): fixed width, sorted
OWNERS = ("root", "www-data", "alice", "bob", "backup")
GOAL = 1.2

DECL = table("inventory", "Synthetic file inventory for the growth benchmark.", ["id"], [
    col("id", "int", "key"), col("path"), col("sha256"), col("mode"), col("owner"),
    col("group"), col("size", "int"), col("mtime", "int"),
], collector="bench")


def row_bytes(id_: int, ver: int) -> bytes:
    """psc1 canonical bytes of the row dict (sorted keys, no spaces; ASCII values)."""
    h = hashlib.blake2b(b"%d:%d" % (id_, ver), digest_size=32).hexdigest()
    o = OWNERS[id_ % 5]
    size = (id_ * 2654435761 + ver) % 10_000_000
    mtime = 1_600_000_000 + (id_ * 40503) % 100_000_000 + 3600 * ver
    mode = "0755" if id_ % 7 == 0 else ("0600" if ver % 2 else "0644")
    path = f"/srv/share/d{(id_ >> 14) % 1000:03d}/s{(id_ >> 8) % 64:02d}/file_{id_}.dat"
    return (f'{{"group":"{o}","id":{id_},"mode":"{mode}","mtime":{mtime},"owner":"{o}",'
            f'"path":"{path}","sha256":"{h}","size":{size}}}').encode()


class Evolving:
    """The table's current rows: sorted ids and the version of every modified row."""

    def __init__(self, n: int) -> None:
        self.ids = [BASE_ID + 1000 * i for i in range(n)]
        self.ver: dict[int, int] = {}
        self.rng = random.Random(f"growth-{n}")

    def churn(self, frac: float = 0.001) -> dict[str, int]:
        n = len(self.ids)
        c = max(4, round(n * frac))
        mod, add, rem = c // 2, c // 4, c - c // 2 - c // 4
        picked = self.rng.sample(range(n), mod + rem)
        for i in picked[:mod]:
            self.ver[self.ids[i]] = self.ver.get(self.ids[i], 0) + 1
        gone = {self.ids[i] for i in picked[mod:]}
        have = set(self.ids)
        new: set[int] = set()
        while len(new) < add:
            cand = self.rng.choice(self.ids) + self.rng.randrange(1, 1000)
            if cand not in have:
                new.add(cand)
        self.ids = sorted([i for i in self.ids if i not in gone] + list(new))
        return {"modified": mod, "added": add, "removed": rem}

    def rows(self) -> list[tuple[bytes, bytes]]:
        ver = self.ver
        return [(b"[%d]" % i, row_bytes(i, ver.get(i, 0))) for i in self.ids]


def store_bytes(root: Path) -> tuple[int, int]:
    """(packs + manifests, index.sqlite incl. WAL), apparent sizes."""
    data = sum(p.stat().st_size for p in (root / "packs").glob("*.pack"))
    data += sum(p.stat().st_size for p in (root / "snapshots").glob("*.json"))
    idx = sum(p.stat().st_size for p in root.glob("index.sqlite*"))
    return data, idx


def commit_snapshot(store: Store, label: str, rows: list[tuple[bytes, bytes]],
                    previous: str | None = None) -> dict[str, Any]:
    """Commit one snapshot as a scan does (new chunks as deltas against the chunks of the
    previous snapshot's tree); return the new objects it wrote and their bytes in the packs
    (record header + compressed object), by kind: leaves, nodes, other (schema, scope)."""
    w = store.writer()
    tb = tree.TreeBuilder(w.put, tree.Bases(store.get, previous)) if previous \
        else tree.TreeBuilder(w.put)
    for key, row in rows:
        tb.add(key, row)
    root, n = tb.finish()
    entry: dict[str, Any] = {
        "name": "bench", "type": "synthetic", "collector": {"name": "bench", "version": "1"},
        "status": "ok", "reason": "", "facts": {}, "started": "", "duration_ms": 0,
        "coverage": [], "unverifiable": {},
        "tables": {"inventory": {"root": root, "rows": n, "schema": w.put_json(DECL.to_data()),
                                 "queries": [], "note": ""}},
    }
    scope_oid = w.put_json({"scope": "bench"})
    body = manifest_body(label, [entry], "0" * 64, scope_oid, None, "bench", {"bench": "1"})
    store.commit(body, w)
    out: dict[str, Any] = {"objects": 0, "leaf": 0, "node": 0, "other": 0, "root": root}
    for pack, _ in w.sealed:
        for oid, _off, comp in read_records(store.packs_dir / f"{pack}.pack"):
            magic = store.get(oid)[:3]
            kind = "leaf" if magic == tree.LEAF_MAGIC else "node" if magic == tree.NODE_MAGIC \
                else "other"
            out[kind] += 36 + len(comp)
            out["objects"] += 1
    return out


def run(tmp: Path, n: int, leaf: int, node: int, snapshots: int, verbose: bool) -> dict[str, Any]:
    saved = (tree.LEAF_TARGET, tree.LEAF_MAX, tree.NODE_TARGET, tree.NODE_MAX)
    tree.LEAF_TARGET, tree.LEAF_MAX = leaf, leaf * 16
    tree.NODE_TARGET, tree.NODE_MAX = node, node * 16
    root = tmp / f"store-{leaf}-{node}"
    try:
        store = Store.create(root)
        ev = Evolving(n)
        sizes: list[int] = []
        parts: list[dict[str, Any]] = []
        prev_root: str | None = None
        t0 = time.perf_counter()
        if verbose:
            print(f"  {'snap':>4} {'rows':>9} {'churn m/a/r':>12} {'new objs':>8} "
                  f"{'store bytes':>12} {'increment':>10} {'incr %':>7} {'leaves B':>10} "
                  f"{'nodes B':>9} {'other B':>8} {'index.sqlite':>12}")
        for k in range(snapshots):
            ch = ev.churn() if k else {"modified": 0, "added": 0, "removed": 0}
            rows = ev.rows()
            new = commit_snapshot(store, f"s{k + 1}", rows, prev_root)
            prev_root = new["root"]
            data, idx = store_bytes(root)
            inc = data - (sizes[-1] if sizes else 0)
            sizes.append(data)
            parts.append(new)
            if verbose:
                churn = f"{ch['modified']}/{ch['added']}/{ch['removed']}" if k else "(base)"
                pct = f"{100 * inc / sizes[0]:6.2f}%" if k else ""
                print(f"  {k + 1:>4} {len(rows):>9,} {churn:>12} {new['objects']:>8,} "
                      f"{data:>12,} {inc:>10,} {pct:>7} {new['leaf']:>10,} {new['node']:>9,} "
                      f"{new['other']:>8,} {idx:>12,}")
        store.close()
        elapsed = time.perf_counter() - t0
        incs = [b - a for a, b in itertools.pairwise(sizes)]
        mean_inc = sum(incs) / len(incs)
        later = parts[1:]
        return {"leaf": leaf, "node": node, "first": sizes[0], "last": sizes[-1],
                "snapshots": snapshots, "mean_inc": mean_inc,
                "ratio10": (sizes[0] + (SNAPSHOTS - 1) * mean_inc) / sizes[0],
                "ratio": sizes[-1] / sizes[0], "time": elapsed / snapshots,
                "inc_leaf": sum(p["leaf"] for p in later) / len(later),
                "inc_node": sum(p["node"] for p in later) / len(later),
                "base_leaf": parts[0]["leaf"], "base_node": parts[0]["node"]}
    finally:
        tree.LEAF_TARGET, tree.LEAF_MAX, tree.NODE_TARGET, tree.NODE_MAX = saved
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100k rows, short sweep")
    ap.add_argument("--rows", type=int, help="rows per snapshot")
    ap.add_argument("--no-sweep", action="store_true", help="defaults only")
    args = ap.parse_args()
    n = args.rows or (100_000 if args.quick else 1_000_000)
    default = (tree.LEAF_TARGET, tree.NODE_TARGET)
    # sanity: the fast row encoder is the real canonical form
    sample = row_bytes(BASE_ID + 7000, 1)
    import json
    assert canonical(json.loads(sample)) == sample
    sweep = [] if args.no_sweep else (
        [(16, 16), (8, 8)] if args.quick else
        [(16, 32), (16, 16), (8, 16), (8, 8), (4, 8), (64, 64)])
    sweep_snaps = 4
    tmp = Path(tempfile.mkdtemp(prefix="proofshot-bench-growth-"))
    print(f"store_growth: {SNAPSHOTS} snapshots of {n:,} rows, 0.1% churn each; temp {tmp}")
    try:
        print(f"\ndefaults LEAF_TARGET={default[0]} NODE_TARGET={default[1]} (bytes: apparent size "
              "of packs + manifests; leaves/nodes/other: new pack records of the snapshot):")
        base = run(tmp, n, *default, snapshots=SNAPSHOTS, verbose=True)
        print(f"\n  after 1: {base['first']:,} B   after {SNAPSHOTS}: {base['last']:,} B   "
              f"ratio {base['ratio']:.3f}x   mean increment {base['mean_inc']:,.0f} B "
              f"({100 * base['mean_inc'] / base['first']:.2f}% of the first snapshot; leaves "
              f"{base['inc_leaf']:,.0f} B, nodes {base['inc_node']:,.0f} B)   "
              f"{base['time']:.1f}s per snapshot")
        print(f"  goal after-10 / after-1 <= {GOAL}x: "
              f"{'MET' if base['ratio'] <= GOAL else 'NOT MET'}")
        if sweep:
            print(f"\nsweep (tree constants monkeypatched in this process, *_MAX = 16 x target; "
                  f"{sweep_snaps} snapshots each, after-10 extrapolated as first + 9 x mean "
                  "increment):")
            print(f"  {'LEAF_T':>6} {'NODE_T':>6} {'after 1':>12} {'incr/snap':>10} {'incr %':>7} "
                  f"{'leaves B':>10} {'nodes B':>10} {'after 10':>12} {'ratio':>7} "
                  f"{'base nodes':>10} {'s/snap':>6}")
            results = [base] + [run(tmp, n, lf, nd, snapshots=sweep_snaps, verbose=False)
                                for lf, nd in sweep]
            for r in results:
                measured = r["snapshots"] == SNAPSHOTS
                last10 = r["last"] if measured else r["first"] + (SNAPSHOTS - 1) * r["mean_inc"]
                ratio10 = r["ratio"] if measured else r["ratio10"]
                print(f"  {r['leaf']:>6} {r['node']:>6} {r['first']:>12,} {r['mean_inc']:>10,.0f} "
                      f"{100 * r['mean_inc'] / r['first']:>6.2f}% {r['inc_leaf']:>10,.0f} "
                      f"{r['inc_node']:>10,.0f} {last10:>12,.0f} {ratio10:>6.3f}x "
                      f"{r['base_node']:>10,} {r['time']:>6.1f}"
                      + ("   (default, measured)" if r is base else ""))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
