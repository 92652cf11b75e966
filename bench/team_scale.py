"""Issue 17's benchmark: the team store on PostgreSQL against the directory stores it replaces.

N snapshots of C customers are made by W workers, each in its own directory store (synthetic
scans through the real record and store code: the lab is not the bottleneck), then pushed
concurrently by the W workers into one PostgreSQL store (a throw-away cluster started here,
as the tests do). Printed, side by side in one run:

    push throughput            snapshots/s into the team store (W concurrent pushes)
    scan throughput            snapshots/s of W site workers committing scans straight into
                               the team store vs into one directory store, and the statements
                               one scan sends (the writer asks which objects exist per batch)
    size                       the team database's growth vs the directory stores' total
    diff latency               one diff of two snapshots, team store vs a directory store
    snapshots latency          listing every snapshot, team store vs a directory store:
                               backend.snapshots(), open + the listing in process, and the
                               whole `proofshot snapshots` command (process start to exit)
    statements per command     what the team store's server logged for one `snapshots` and
                               one `diff` (log_statement = all)

Goal (issue 17): team store within 1.5x the directory store's latency and 1.2x its size.

    python bench/team_scale.py            # 1,000 snapshots, 200 customers, 8 workers
    python bench/team_scale.py --quick    # 80 snapshots, 20 customers, 4 workers
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.store.pg import PASSWORD, start_cluster  # noqa: E402
from tests.synth import commit, row  # noqa: E402

from proofshot.diff.engine import diff_snapshots  # noqa: E402
from proofshot.store.embedded import Store  # noqa: E402


def make_laptop(args: tuple[Path, int, int, int, int]) -> list[str]:
    """One worker's directory store: its share of the snapshots, rows per customer."""
    root, worker, per_worker, customers, rows = args
    store = Store.create(root)
    ids = []
    for n in range(per_worker):
        cust = (worker * per_worker + n) // 2 % customers  # before/after pairs per customer
        items = [row(k, name=f"c{cust}-{k}" + ("-new" if n % 2 and k % 40 == 0 else ""))
                 for k in range(rows)]
        ids.append(commit(store, f"w{worker}-{n}", {f"host-{cust}": {"items": items}},
                          customer=f"customer-{cust}"))
    store.close()
    return ids


def scan_many(args: tuple[str, dict[str, str], int, int, int, int]) -> int:
    """One site worker's scans committed straight into a store (the record and store code of
    a scan, synthetic rows): its share of the snapshots."""
    location, env, worker, count, customers, rows = args
    os.environ.update(env)
    store = Store.open(location)
    for n in range(count):
        cust = (worker * count + n) % customers
        items = [row(k, name=f"s{cust}-{k}" + ("-new" if n % 2 and k % 40 == 0 else ""))
                 for k in range(rows)]
        commit(store, f"site{worker}-{n}", {f"host-{cust}": {"items": items}},
               customer=f"customer-{cust}")
    store.close()
    return count


def scans_per_s(location: str, env: dict[str, str], workers: int, count: int, customers: int,
                rows: int) -> float:
    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers) as ex:
        done = sum(ex.map(scan_many, [(location, env, w, count, customers, rows)
                                      for w in range(workers)]))
    return done / (time.perf_counter() - t0)


def push_one(args: tuple[Path, str, dict[str, str]]) -> float:
    laptop, url, env = args
    os.environ.update(env)
    from proofshot.store.push import push

    store = Store.open(laptop)
    t0 = time.perf_counter()
    res = push(store, url)
    dt = time.perf_counter() - t0
    store.close()
    assert len(res.sent) > 0
    return dt


def listing(location: Path | str) -> int:
    from proofshot.cli.fast import snapshot_rows

    st = Store.open(location)
    try:
        return len(snapshot_rows(st))
    finally:
        st.close()


def command(args: list[str], store: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "proofshot", *args, "--store", store], check=True,
                   capture_output=True, env={**os.environ, **env})


def statements(log: Path) -> int:
    """Statements the server logged (log_statement = all): simple and extended protocol."""
    text = log.read_text(errors="replace")
    return text.count("LOG:  statement:") + text.count("LOG:  execute")


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def timed(fn: object, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def paired(fa: object, fb: object, repeat: int = 9) -> tuple[float, float]:
    """Medians of fa and fb run alternately (a, b, a, b, ...): side by side under the same load
    of a shared machine."""
    ta, tb = [], []
    for _ in range(repeat):
        for fn, out in ((fa, ta), (fb, tb)):
            t0 = time.perf_counter()
            fn()  # type: ignore[operator]
            out.append(time.perf_counter() - t0)
    return statistics.median(ta), statistics.median(tb)


def diff_latency(store: Store, a: str, b: str) -> tuple[float, float]:
    """(first run, median of the next ones): the first reads from a freshly opened store."""
    ma, mb = store.manifest(a), store.manifest(b)
    t0 = time.perf_counter()
    diff_snapshots(store.get, a, ma, b, mb, store.get_many)
    first = time.perf_counter() - t0
    return first, timed(lambda: diff_snapshots(store.get, a, ma, b, mb, store.get_many))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--snapshots", type=int)
    ap.add_argument("--customers", type=int)
    ap.add_argument("--workers", type=int)
    ap.add_argument("--rows", type=int, default=1000)
    a = ap.parse_args()
    snaps = a.snapshots or (80 if a.quick else 1000)
    customers = a.customers or (20 if a.quick else 200)
    workers = a.workers or (4 if a.quick else 8)
    per_worker = snaps // workers
    tmp = Path(tempfile.mkdtemp(prefix="proofshot-bench-team-"))
    laptops = [tmp / f"laptop{w}" for w in range(workers)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers) as ex:
        list(ex.map(make_laptop, [(p, w, per_worker, customers, a.rows)
                                  for w, p in enumerate(laptops)]))
    print(f"made {per_worker * workers} snapshots of {customers} customers in {workers} "
          f"directory stores ({time.perf_counter() - t0:.1f} s)")
    gen = start_cluster()
    cluster = next(gen)
    try:
        db = cluster.new_db()
        url = cluster.url(db)
        owner_ws = tmp / "owner"
        env = {"PGPASSWORD": PASSWORD, "PROOFSHOT_WORKSPACE": str(owner_ws)}
        os.environ.update(env)
        team = Store.create(url)
        from proofshot.store.trust import enroll

        for p in laptops:
            enroll(team, (p / "keys" / "signing.pub").read_text().strip(), p.name)
        t0 = time.perf_counter()
        with ProcessPoolExecutor(workers) as ex:
            list(ex.map(push_one, [(p, url, {**env, "PROOFSHOT_WORKSPACE": str(p)})
                                   for p in laptops]))
        wall = time.perf_counter() - t0
        total = per_worker * workers
        conn = team.backend.conn  # type: ignore[attr-defined]
        conn.execute("VACUUM ANALYZE")
        size = conn.execute(
            "SELECT sum(pg_total_relation_size(c)) FROM unnest(ARRAY['packs', 'objects', "
            "'manifests', 'chain', 'vals']::regclass[]) AS c").fetchone()[0]
        size = int(size)
        dirs = sum(du(p) for p in laptops)
        print(f"push: {total} snapshots by {workers} concurrent workers in {wall:.1f} s = "
              f"{total / wall:.1f} snapshots/s")
        print(f"size: team store tables {size / 1e6:.2f} MB (after VACUUM; indexes and TOAST "
              f"included) vs directory stores {dirs / 1e6:.2f} MB (files, SQLite index "
              f"included): ratio {size / dirs:.2f} (goal <= 1.2)")
        local = Store.open(laptops[0])
        la, lb = local.snapshots()[0], local.snapshots()[1]
        by_label = {s.label: s.id for s in team.snapshots()}
        team.close()
        team = Store.open(url)  # nothing cached from the push
        (f_dir, d_dir) = diff_latency(local, la.id, lb.id)
        (f_team, d_team) = diff_latency(team, by_label[la.label], by_label[lb.label])
        print(f"diff ({a.rows} rows, {a.rows // 40} changed), first run: directory "
              f"{f_dir * 1e3:.1f} ms, team {f_team * 1e3:.1f} ms: ratio {f_team / f_dir:.2f}; "
              f"median of 7 more: directory {d_dir * 1e3:.1f} ms, team {d_team * 1e3:.1f} ms: "
              f"ratio {d_team / d_dir:.2f} (goal <= 1.5)")
        local.close()
        # listing: a directory store holding as many snapshots as the team store
        one = tmp / "one-laptop"
        make_laptop((one, 0, total, customers, 20))
        team.close()
        team = Store.open(url)
        big = Store.open(one)
        t0 = time.perf_counter()
        n_dir = len(big.snapshots())
        c_dir = time.perf_counter() - t0
        t0 = time.perf_counter()
        n_team = len(team.snapshots())
        c_team = time.perf_counter() - t0
        s_dir = timed(big.snapshots)
        s_team = timed(team.snapshots)
        print(f"backend.snapshots() ({n_dir} vs {n_team}), first call: directory "
              f"{c_dir * 1e3:.2f} ms, team {c_team * 1e3:.2f} ms: ratio {c_team / c_dir:.2f}; "
              f"median of 7 more (team: the list is kept while the chain's head stays): "
              f"directory {s_dir * 1e3:.2f} ms, team {s_team * 1e3:.2f} ms: ratio "
              f"{s_team / s_dir:.2f}")
        big.close()
        team.close()
        # what `proofshot snapshots` does in process: open the store, list with the counts
        o_dir, o_team = paired(lambda: listing(one), lambda: listing(url))
        print(f"snapshots in process (open + the listing's rows, median of 9 fresh opens, "
              f"alternating): "
              f"directory {o_dir * 1e3:.1f} ms, team {o_team * 1e3:.1f} ms: ratio "
              f"{o_team / o_dir:.2f} (goal <= 1.5)")
        # the whole commands, process start to exit, and the statements the team store got;
        # the floor under the team's: a process that only imports psycopg (libpq, libssl)
        bare, imp = paired(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True),
                           lambda: subprocess.run([sys.executable, "-c", "import psycopg"],
                                                  check=True))
        print(f"python -c pass {bare * 1e3:.0f} ms, python -c 'import psycopg' {imp * 1e3:.0f} "
              f"ms: importing the PostgreSQL driver costs {(imp - bare) * 1e3:.0f} ms per "
              "command")
        log = cluster.dir / "log"
        cluster.psql(f"ALTER DATABASE {db} SET log_statement = 'all'")
        for args in (["snapshots"], ["diff", by_label[la.label], by_label[lb.label], "--json"]):
            local_args = args if args[0] == "snapshots" else ["diff", la.id, lb.id, "--json"]
            where = one if args[0] == "snapshots" else laptops[0]
            mark = statements(log)
            w_dir, w_team = paired(lambda a=local_args, w=where: command(a, str(w), env),
                                   lambda a=args: command(a, url, env))
            time.sleep(0.5)  # the server's log catches up
            sent = (statements(log) - mark) / 9
            print(f"proofshot {args[0]} (whole command, process start to exit, median of 9, "
                  "alternating): "
                  f"directory {w_dir * 1e3:.0f} ms, team {w_team * 1e3:.0f} ms: ratio "
                  f"{w_team / w_dir:.2f} (goal <= 1.5); team statements per command: "
                  f"{sent:.0f}")
        # scans committed straight into a store by concurrent site workers (no push): the
        # team store vs one directory store, and the statements one scan sends
        per = 5 if a.quick else 20
        shared = tmp / "shared-dir"
        Store.create(shared).close()
        dir_rate = scans_per_s(str(shared), env | {"PROOFSHOT_WORKSPACE": str(shared)}, workers,
                               per, customers, a.rows)
        mark = statements(cluster.dir / "log")
        team_rate = scans_per_s(url, env, workers, per, customers, a.rows)
        time.sleep(0.5)
        sent = (statements(cluster.dir / "log") - mark) / (workers * per)
        print(f"scans committed by {workers} concurrent workers ({per} each, {a.rows} rows): "
              f"directory store {dir_rate:.1f} snapshots/s, team store {team_rate:.1f} "
              f"snapshots/s: ratio {team_rate / dir_rate:.2f}; team statements per scan: "
              f"{sent:.0f}")
    finally:
        gen.close()
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


if __name__ == "__main__":
    main()
