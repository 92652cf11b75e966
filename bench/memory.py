"""Memory stays flat: peak RSS of the commands that read a whole table, at 10k, 100k and 1M rows.

One store per size is planted through the store API directly (no scan: Store.create, a writer,
TreeBuilder fed with canonical rows in key order, manifest_body, Store.commit): one Linux target
`srv` whose `files` table holds N rows (owners alice, bob and root, a few world-writable files;
users, groups, group_members and sudoers as a small real host has them), twice: `before`, and
`after` with 0.1% of the files changed, 0.05% added and 0.05% removed.

Each command runs as a CLI subprocess (`python -m proofshot ...`, stdout to a file); its peak
RSS comes from wait4() (ru_maxrss). Printed: MB per command and size, and the growth from the
smallest to the largest size (MB per 100k rows). A command whose memory is flat grows by a few
MB at most (the interpreter and the libraries are the same at every size); one that holds the
table grows with it. The rival is the same command at the smallest size.

    python bench/memory.py                         # 10k, 100k, 1M rows
    python bench/memory.py --sizes 10000 100000    # quicker
    python bench/memory.py --only show-table,access
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PS = [sys.executable, "-m", "proofshot"]
USERS = ("root", "alice", "bob", "carol", "backup")
GROUPS = {"root": ["root"], "staff": ["alice", "bob", "carol"], "backup": ["backup"],
          "alice": ["alice"], "bob": ["bob"]}

COMMANDS: dict[str, list[str]] = {
    "show-table": ["show", "before", "--table", "files"],
    "show-json": ["show", "before", "--json"],
    "access": ["access", "before"],
    "access-json": ["access", "before", "--json"],
    "report-docs": ["report", "before", "--out", "{tmp}/docs.html", "--lang", "en"],
    "report-evidence": ["report", "before", "after", "--out", "{tmp}/evidence.html",
                        "--lang", "en"],
    "diff": ["diff", "before", "after"],
    "diff-json": ["diff", "before", "after", "--json"],
}


def _file_row(i: int, changed: bool) -> dict[str, Any]:
    owner = USERS[1 + i % 3] if i % 5 else "root"
    mode = "0666" if i % 997 == 0 else ("0664" if i % 2 else "0644")
    h = random.Random(i).randbytes(32).hex()
    return {"path": f"/srv/share/d{i // 1000:04d}/file_{i:08d}.dat", "type": "file",
            "mode": "0600" if changed else mode, "owner": owner,
            "group": "staff" if owner != "root" else "root", "size": (i * 2654435761) % 10**7,
            "sha256": h if not changed else h[::-1], "link_target": None, "text": None,
            "mtime": 1_600_000_000.0 + i}


def file_rows(n: int, after: bool) -> Iterator[dict[str, Any]]:
    """Rows in key order (fixed-width names: the canonical key bytes sort like the numbers)."""
    rng = random.Random(n)
    picked = rng.sample(range(n), n // 1000 + n // 2000) if after else []
    mod, rem = set(picked[:n // 1000]), set(picked[n // 1000:])
    add = set(rng.sample(range(n), n // 2000)) if after else set()
    for i in range(n):
        if i not in rem:
            yield _file_row(i, i in mod)
        if i in add:
            row = _file_row(i, False)
            row["path"] = row["path"].replace(".dat", ".new")
            yield row


def small_tables() -> dict[str, list[dict[str, Any]]]:
    gids = {g: 1000 + k for k, g in enumerate(GROUPS)}
    return {
        "users": [{"name": u, "uid": 1000 + k, "gid": gids.get(u, 1000), "gecos": "",
                   "home": f"/home/{u}", "shell": "/bin/bash", "password_state": "set",
                   "last_change": 19000, "min_days": 0, "max_days": 99999, "warn_days": 7,
                   "inactive_days": None, "expire": None}
                  for k, u in enumerate(USERS)],
        "groups": [{"name": g, "gid": gids[g], "members": m} for g, m in GROUPS.items()],
        "group_members": [{"group": g, "user": u, "via": "member"}
                          for g, m in GROUPS.items() for u in m],
        "sudoers": [{"file": "/etc/sudoers", "text": "%staff ALL=(ALL) ALL", "n": 1,
                     "kind": "rule", "principal": "%staff", "line": 20}],
    }


def plant(root: Path, n: int) -> float:
    """Create the store with snapshots `before` and `after`; returns seconds taken."""
    from proofshot.collectors.linux import tables as linux_tables
    from proofshot.model.canonical import canonical
    from proofshot.scan.record import manifest_body
    from proofshot.store.embedded import Store
    from proofshot.store.tree import TreeBuilder

    decls = {t.name: t for t in linux_tables.TABLES}
    t0 = time.perf_counter()
    store = Store.create(root)
    for label in ("before", "after"):
        w = store.writer()
        entries: dict[str, Any] = {}
        data: dict[str, Any] = dict(small_tables())
        data["files"] = file_rows(n, label == "after")
        for name, rows in data.items():
            decl = decls[name]
            tb = TreeBuilder(w.put)
            keyed = sorted(((canonical([r[k] for k in decl.key]), canonical(r)) for r in rows),
                           key=lambda kr: kr[0]) if name != "files" else \
                ((canonical([r["path"]]), canonical(r)) for r in rows)
            for key, raw in keyed:
                tb.add(key, raw)
            root_id, count = tb.finish()
            entries[name] = {"root": root_id, "rows": count,
                             "schema": w.put_json(decl.to_data()), "queries": [], "note": ""}
        target = {"name": "srv", "type": "local", "collector": {"name": "linux",
                                                                "version": "bench"},
                  "status": "ok", "reason": "", "facts": {"hostname": "srv"}, "started": "",
                  "duration_ms": 0, "coverage": [], "unverifiable": {}, "tables": entries}
        scope_oid = w.put_json({"scope": "bench"})
        body = manifest_body(label, [target], "0" * 64, scope_oid, None, "bench",
                             {"linux": "bench"})
        store.commit(body, w)
    store.close()
    return time.perf_counter() - t0


def measure(args: list[str], store: Path, tmp: Path, timeout: float) -> tuple[float, float]:
    """(peak RSS in MB, wall seconds) of one CLI run."""
    argv = [*PS, *(a.format(tmp=tmp) for a in args), "--store", str(store)]
    with open(tmp / "stdout", "wb") as out, open(tmp / "stderr", "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env={**os.environ,
                                                                    "COLUMNS": "160"})
        try:
            _, status, ru = _wait(proc, timeout)
        except TimeoutError:
            proc.kill()
            proc.wait()
            return float("nan"), timeout
        wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        sys.exit(f"{' '.join(args)}: exit {code}\n{(tmp / 'stderr').read_text()[-2000:]}")
    return ru.ru_maxrss / 1024, wall


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, int, Any]:
    deadline = time.monotonic() + timeout
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return pid, status, ru
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.02)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--only", help="comma-separated command names: " + ", ".join(COMMANDS))
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per command run")
    opts = ap.parse_args()
    names = opts.only.split(",") if opts.only else list(COMMANDS)
    rss: dict[str, dict[int, tuple[float, float]]] = {c: {} for c in names}
    tmp = Path(tempfile.mkdtemp(prefix="proofshot-bench-memory-"))
    try:
        for n in opts.sizes:
            store = tmp / f"store-{n}"
            took = plant(store, n)
            print(f"N = {n:>9,} files rows: store planted in {took:.1f} s", flush=True)
            for c in names:
                rss[c][n] = measure(COMMANDS[c], store, tmp, opts.timeout)
                mb, wall = rss[c][n]
                print(f"  {c:16s} {mb:8.0f} MB  {wall:7.2f} s", flush=True)
            shutil.rmtree(store, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    lo, hi = min(opts.sizes), max(opts.sizes)
    print("\npeak RSS (MB) per size, and the growth from the smallest to the largest size:")
    print(f"  {'command':16s}" + "".join(f"{n:>10,}" for n in opts.sizes)
          + f"{'growth':>10s}{'MB/100k':>10s}")
    for c in names:
        cells = "".join(f"{rss[c][n][0]:10.0f}" for n in opts.sizes)
        grow = rss[c][hi][0] - rss[c][lo][0]
        per = grow / ((hi - lo) / 100_000) if hi > lo else 0.0
        print(f"  {c:16s}{cells}{grow:10.0f}{per:10.1f}")


if __name__ == "__main__":
    main()
