"""Diff at scale: proofshot's tree diff vs DuckDB FULL OUTER JOIN on Parquet, and vs DeepDiff.

One table of N rows (a file inventory: int id key + path, sha256, mode, owner, group, size, mtime)
is written three times into a proofshot store through the real APIs (Store.create, store.writer(),
TreeBuilder fed with canonical rows in key order, manifest_body, Store.commit):

    A       the base
    B100    A with 100 rows modified
    Bchurn  A with 0.1% of the rows modified, 0.05% added, 0.05% removed

The same rows go into Parquet files (pyarrow, in a second process while the store is built; not
timed). Each diff runs in a fresh subprocess whose peak RSS comes from wait4(): proofshot
(`diff_snapshots` reading the store through `Store.get_many`, as the CLI does) and DuckDB
(FULL OUTER JOIN producing the changed, added and removed rows, fetched into Python). Wall
time is the whole subprocess (interpreter start, imports, open, diff); "in-proc" is the diff
call alone. Median of 3, the two tools alternated.

At the small tier DeepDiff (a dict id -> row dict per side, in memory) is timed against
proofshot's in-process diff.

    python bench/diff_scale.py            # tiers 1M and 10M, DeepDiff at 100k
    python bench/diff_scale.py --quick    # tiers 100k and 300k, DeepDiff at 20k
    python bench/diff_scale.py --sizes 1000000 --deepdiff 100000

The rivals are not dependencies of proofshot: `pip install -e '.[bench]'` (duckdb, pyarrow,
deepdiff) installs them. A rival that is not installed is skipped with a message, and
proofshot's own figures are still printed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import importlib.util
import json
import multiprocessing
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BLOCK = 65536
BASE_ID = 1_000_000_000  # ids are fixed-width, so canonical key bytes sort like the numbers
OWNERS = ("root", "www-data", "alice", "bob", "backup")
COLUMNS = ("id", "path", "sha256", "mode", "owner", "group", "size", "mtime")
REPS = 3
GIB = 1 << 30

Row = tuple[int, str, str, str, str, str, int, int]


# -- data ---------------------------------------------------------------------------------------
class Churn:
    """Which base rows are modified / removed, and after which base rows a new row is added."""

    def __init__(self, n: int, scenario: str) -> None:
        rng = random.Random(f"{scenario}-{n}")
        if scenario == "A":
            mod, rem, add = 0, 0, 0
        elif scenario == "B100":
            mod, rem, add = min(100, n), 0, 0
        elif scenario == "Bchurn":
            mod, rem, add = n // 1000, n // 2000, n // 2000
        else:
            raise ValueError(scenario)
        picked = rng.sample(range(n), mod + rem)
        self.mod = set(picked[:mod])
        self.rem = set(picked[mod:])
        self.add = set(rng.sample(range(n), add))
        self.expected = {"changed": mod, "removed": rem, "added": add}


def _sha(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def block_rows(b: int, n: int, ch: Churn) -> list[Row]:
    """The rows (in key order) that base indices [b*BLOCK, (b+1)*BLOCK) produce."""
    start = b * BLOCK
    stop = min(start + BLOCK, n)
    hx = random.Random(b).randbytes(32 * BLOCK).hex()  # realistic, incompressible hashes
    out: list[Row] = []
    mod, rem, add = ch.mod, ch.rem, ch.add
    for i in range(start, stop):
        id_ = BASE_ID + 2 * i
        if i not in rem:
            o = OWNERS[i % 5]
            path = f"/srv/share/d{(i >> 12) % 1000:03d}/s{(i >> 6) % 64:02d}/file_{id_}.dat"
            size = (id_ * 2654435761) % 10_000_000
            mtime = 1_600_000_000 + (id_ * 40503) % 100_000_000
            j = 64 * (i - start)
            if i in mod:
                out.append((id_, path, _sha(id_, 1), "0644" if i % 7 == 0 else "0600", o, o,
                            size + 17, mtime + 3600))
            else:
                out.append((id_, path, hx[j:j + 64], "0755" if i % 7 == 0 else "0644", o, o,
                            size, mtime))
        if i in add:
            nid = id_ + 1
            out.append((nid, f"/srv/share/new/file_{nid}.dat", _sha(nid), "0640", "alice",
                        "alice", nid % 100_000, 1_700_000_000))
    return out


def iter_rows(n: int, ch: Churn) -> Iterator[Row]:
    for b in range((n + BLOCK - 1) // BLOCK):
        yield from block_rows(b, n, ch)


def canonical_row(r: Row) -> bytes:
    """psc1 canonical bytes of the row dict (sorted keys, no spaces; all values are ASCII)."""
    return (f'{{"group":"{r[5]}","id":{r[0]},"mode":"{r[3]}","mtime":{r[7]},"owner":"{r[4]}",'
            f'"path":"{r[1]}","sha256":"{r[2]}","size":{r[6]}}}').encode()


def inventory_table() -> Any:
    from proofshot.model.table import col, table

    return table("inventory", "Synthetic file inventory for the diff benchmark.", ["id"], [
        col("id", "int", "key"), col("path"), col("sha256"), col("mode"), col("owner"),
        col("group"), col("size", "int"), col("mtime", "int"),
    ], collector="bench")


# -- writing ------------------------------------------------------------------------------------
def build_store(root: str, n: int, scenarios: list[str]) -> dict[str, Any]:
    """Create the store and commit one snapshot per scenario; returns timings."""
    from proofshot.model.canonical import canonical
    from proofshot.scan.record import manifest_body
    from proofshot.store.embedded import Store
    from proofshot.store.tree import TreeBuilder

    decl = inventory_table()
    # The fast row encoder must be byte-identical to the real canonical form.
    for r in block_rows(0, min(n, 50), Churn(n, "Bchurn"))[:50]:
        assert canonical_row(r) == canonical(dict(zip(COLUMNS, r, strict=True))), r
        assert f"[{r[0]}]".encode() == canonical([r[0]])
    store = Store.create(Path(root))
    times = {}
    for sc in scenarios:
        t0 = time.perf_counter()
        w = store.writer()
        tb = TreeBuilder(w.put)
        add = tb.add
        for r in iter_rows(n, Churn(n, sc)):
            add(f"[{r[0]}]".encode(), canonical_row(r))
        root_id, rows = tb.finish()
        entry = {
            "name": "bench", "type": "synthetic", "collector": {"name": "bench", "version": "1"},
            "status": "ok", "reason": "", "facts": {}, "started": "", "duration_ms": 0,
            "coverage": [], "unverifiable": {},
            "tables": {"inventory": {"root": root_id, "rows": rows,
                                     "schema": w.put_json(decl.to_data()), "queries": [],
                                     "note": ""}},
        }
        scope_oid = w.put_json({"scope": "bench"})
        body = manifest_body(sc, [entry], "0" * 64, scope_oid, None, "bench", {"bench": "1"})
        store.commit(body, w)
        times[sc] = time.perf_counter() - t0
    store.close()
    return times


def write_parquet(dirpath: str, n: int, scenarios: list[str]) -> dict[str, float]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("id", pa.int64()), ("path", pa.string()), ("sha256", pa.string()),
                        ("mode", pa.string()), ("owner", pa.string()), ("group", pa.string()),
                        ("size", pa.int64()), ("mtime", pa.int64())])
    times = {}
    for sc in scenarios:
        t0 = time.perf_counter()
        ch = Churn(n, sc)
        with pq.ParquetWriter(os.path.join(dirpath, f"{sc}.parquet"), schema) as pw:
            for b in range((n + BLOCK - 1) // BLOCK):
                cols = list(zip(*block_rows(b, n, ch), strict=True))
                if cols:
                    pw.write_table(pa.table([list(c) for c in cols], schema=schema))
        times[sc] = time.perf_counter() - t0
    return times


# -- workers (run in subprocesses) --------------------------------------------------------------
def worker_proofshot(store: str, a: str, b: str) -> dict[str, Any]:
    from collections import Counter

    from proofshot.diff.engine import diff_snapshots
    from proofshot.store.embedded import Store

    st = Store.open(Path(store))
    ia, ib = st.resolve(a), st.resolve(b)
    ma, mb = st.manifest(ia), st.manifest(ib)
    t0 = time.perf_counter()
    res = diff_snapshots(st.get, ia, ma, ib, mb, st.get_many)
    t = time.perf_counter() - t0
    return {"inproc": t, "kinds": dict(Counter(c.kind for c in res.changes))}


DUCKDB_SQL = """
SELECT CASE WHEN a.id IS NULL THEN 'added' WHEN b.id IS NULL THEN 'removed' ELSE 'changed' END
       AS kind, a.*, b.*
FROM read_parquet('{a}') a FULL OUTER JOIN read_parquet('{b}') b ON a.id = b.id
WHERE a.id IS NULL OR b.id IS NULL
   OR a.path IS DISTINCT FROM b.path OR a.sha256 IS DISTINCT FROM b.sha256
   OR a.mode IS DISTINCT FROM b.mode OR a.owner IS DISTINCT FROM b.owner
   OR a."group" IS DISTINCT FROM b."group" OR a.size IS DISTINCT FROM b.size
   OR a.mtime IS DISTINCT FROM b.mtime
"""


def worker_duckdb(pa_path: str, pb_path: str) -> dict[str, Any]:
    from collections import Counter

    import duckdb

    con = duckdb.connect()
    t0 = time.perf_counter()
    rows = con.execute(DUCKDB_SQL.format(a=pa_path, b=pb_path)).fetchall()
    t = time.perf_counter() - t0
    return {"inproc": t, "kinds": dict(Counter(r[0] for r in rows)),
            "threads": con.execute("SELECT current_setting('threads')").fetchone()[0]}


def worker_deepdiff(n: int, scenario: str) -> dict[str, Any]:
    from deepdiff import DeepDiff

    def as_dict(ch: Churn) -> dict[int, dict[str, Any]]:
        return {r[0]: dict(zip(COLUMNS, r, strict=True)) for r in iter_rows(n, ch)}

    da, db = as_dict(Churn(n, "A")), as_dict(Churn(n, scenario))
    t0 = time.perf_counter()
    dd = DeepDiff(da, db)
    t = time.perf_counter() - t0
    kinds: dict[str, set[str]] = {"added": set(), "removed": set(), "changed": set()}
    for kind, field in (("added", "dictionary_item_added"), ("removed", "dictionary_item_removed"),
                        ("changed", "values_changed"), ("changed", "type_changes")):
        for path in dd.get(field, ()):
            kinds[kind].add(re.match(r"root\[(\d+)\]", str(path)).group(1))  # type: ignore[union-attr]
    return {"inproc": t, "kinds": {k: len(v) for k, v in kinds.items() if v}}


def run_worker(args: list[str]) -> dict[str, Any]:
    """Run this script as a worker subprocess; wall time and peak RSS (ru_maxrss) from wait4()."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, "--worker", *args], stdout=out,
                                stderr=err)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"worker {args} failed: {err.read().decode()[-2000:]}")
        res: dict[str, Any] = json.loads(out.read().decode().strip().splitlines()[-1])
    res["wall"] = wall
    res["rss"] = ru.ru_maxrss * 1024
    return res


def worker_main(argv: list[str]) -> None:
    kind, rest = argv[0], argv[1:]
    if kind == "proofshot":
        res = worker_proofshot(*rest)
    elif kind == "duckdb":
        res = worker_duckdb(*rest)
    elif kind == "deepdiff":
        res = worker_deepdiff(int(rest[0]), rest[1])
    else:
        raise SystemExit(f"unknown worker {kind}")
    print(json.dumps(res))


# -- reporting ----------------------------------------------------------------------------------
def med(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def fmt_mib(b: float) -> str:
    return f"{b / (1 << 20):7.0f} MiB"


def dir_size(path: str) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def have(*modules: str) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in modules)


RIVAL_MISSING = ("DuckDB (and pyarrow) not installed: the rival is skipped; "
                 "pip install -e '.[bench]' (or pip install duckdb pyarrow) to compare")


def bench_tier(tmp: str, n: int, goals: bool) -> list[str]:
    verdicts = []
    sdir = os.path.join(tmp, f"store-{n}")
    pdir = os.path.join(tmp, f"parquet-{n}")
    os.makedirs(pdir)
    scen = ["A", "B100", "Bchurn"]
    print(f"\n=== N = {n:,} rows ===")
    if not have("duckdb", "pyarrow"):
        print(RIVAL_MISSING)
        build_store(sdir, n, scen)
        for sc in ("B100", "Bchurn"):
            ps = [run_worker(["proofshot", sdir, "A", sc]) for _ in range(REPS)]
            print(f"  {sc}: proofshot wall {med(ps, 'wall'):.3f}s, in-proc "
                  f"{med(ps, 'inproc'):.3f}s, peak RSS {fmt_mib(max(r['rss'] for r in ps))}; "
                  f"changes {ps[0]['kinds']}")
        return [f"N={n:,}: no rival (DuckDB not installed), no verdict"]
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as ex:
        fs = ex.submit(build_store, sdir, n, scen)
        fp = ex.submit(write_parquet, pdir, n, scen)
        st_times, pq_times = fs.result(), fp.result()
    gen = time.perf_counter() - t0
    print(f"generation (store and Parquet in parallel): {gen:.1f} s wall")
    print("  store snapshots  " + "  ".join(f"{k} {v:.1f}s" for k, v in st_times.items())
          + f"   store on disk {dir_size(sdir) / 1e6:.0f} MB")
    print("  parquet files    " + "  ".join(f"{k} {v:.1f}s" for k, v in pq_times.items())
          + f"   parquet on disk {dir_size(pdir) / 1e6:.0f} MB")
    for sc in ("B100", "Bchurn"):
        ps, dk = [], []
        for _ in range(REPS):
            ps.append(run_worker(["proofshot", sdir, "A", sc]))
            dk.append(run_worker(["duckdb", f"{pdir}/A.parquet", f"{pdir}/{sc}.parquet"]))
        exp = Churn(n, sc).expected
        exp = {k: v for k, v in exp.items() if v}
        ok = all(r["kinds"] == exp for r in ps + dk)
        pw, dw, pi, di = med(ps, "wall"), med(dk, "wall"), med(ps, "inproc"), med(dk, "inproc")
        prss, drss = max(r["rss"] for r in ps), max(r["rss"] for r in dk)
        print(f"\n  {sc}: expected {exp}; proofshot {ps[0]['kinds']}; duckdb {dk[0]['kinds']}"
              f" -> {'same changes' if ok else 'MISMATCH'}  (duckdb threads={dk[0]['threads']})")
        print(f"    {'':10} {'wall (med)':>11} {'in-proc':>9} {'peak RSS':>11}")
        print(f"    {'proofshot':10} {pw:10.3f}s {pi:8.3f}s {fmt_mib(prss)}")
        print(f"    {'duckdb':10} {dw:10.3f}s {di:8.3f}s {fmt_mib(drss)}")
        print(f"    ratio proofshot/duckdb: wall {pw / dw:.3f}x, in-proc {pi / di:.3f}x, "
              f"RSS {prss / drss:.2f}x")
        if goals:
            if sc == "B100":
                met = pw <= 0.1 * dw and prss < 0.5 * GIB and ok
                goal = "<= 0.1x DuckDB wall and < 0.5 GiB"
            else:
                met = pw <= dw and prss < 1.0 * GIB and ok
                goal = "<= 1.0x DuckDB wall and < 1 GiB"
            v = f"N={n:,} {sc}: goal {goal}: {'MET' if met else 'NOT MET'}"
            print("    " + v)
            verdicts.append(v)
    return verdicts


def bench_deepdiff(tmp: str, n: int) -> list[str]:
    print(f"\n=== DeepDiff vs proofshot, N = {n:,} rows ===")
    if not have("deepdiff"):
        print("DeepDiff not installed: skipped (pip install -e '.[bench]')")
        return []
    sdir = os.path.join(tmp, f"store-dd-{n}")
    build_store(sdir, n, ["A", "B100", "Bchurn"])
    verdicts = []
    for sc in ("B100", "Bchurn"):
        ps = [run_worker(["proofshot", sdir, "A", sc]) for _ in range(REPS)]
        dd = run_worker(["deepdiff", str(n), sc])  # one run: it is the slow side
        exp = {k: v for k, v in Churn(n, sc).expected.items() if v}
        ok = dd["kinds"] == exp and all(r["kinds"] == exp for r in ps)
        pi = med(ps, "inproc")
        ratio = dd["inproc"] / pi
        met = ratio >= 100 and ok
        print(f"  {sc}: proofshot in-proc {pi * 1000:.1f} ms (wall {med(ps, 'wall'):.2f}s, "
              f"RSS {fmt_mib(max(r['rss'] for r in ps)).strip()}); DeepDiff {dd['inproc']:.2f} s "
              f"(RSS incl. both dicts {fmt_mib(dd['rss']).strip()}); DeepDiff/proofshot = "
              f"{ratio:.0f}x; changes {'agree' if ok else 'DIFFER: ' + str(dd['kinds'])}")
        v = f"DeepDiff N={n:,} {sc}: proofshot >= 100x faster: {'MET' if met else 'NOT MET'}"
        print("    " + v)
        verdicts.append(v)
    return verdicts


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    ap.add_argument("--sizes", type=int, nargs="*", help="row counts of the DuckDB tiers")
    ap.add_argument("--deepdiff", type=int, help="row count of the DeepDiff tier (0: skip)")
    args = ap.parse_args()
    sizes = args.sizes or ([100_000, 300_000] if args.quick else [1_000_000, 10_000_000])
    dd_n = args.deepdiff if args.deepdiff is not None else (20_000 if args.quick else 100_000)
    tmp = tempfile.mkdtemp(prefix="proofshot-bench-diff-")
    print(f"diff_scale: tiers {sizes}, DeepDiff at {dd_n}; {os.cpu_count()} CPUs; temp {tmp}")
    verdicts: list[str] = []
    try:
        if dd_n:
            verdicts += bench_deepdiff(tmp, dd_n)
        for i, n in enumerate(sizes):
            verdicts += bench_tier(tmp, n, goals=(i == len(sizes) - 1))
            shutil.rmtree(os.path.join(tmp, f"parquet-{n}"), ignore_errors=True)
            shutil.rmtree(os.path.join(tmp, f"store-{n}"), ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\nSummary (goals judged at the largest tier, on subprocess wall time):")
    for v in verdicts:
        print("  " + v)


if __name__ == "__main__":
    main()
