"""NTFS ACLs of a large share over SMB: proofshot's walker against `smbcacls`.

    PROOFSHOT_LAB_PREFIX=... python -m bench.acl_scale [--dirs 10000 100000] [--sample 300]

For each size a share `benchN` is generated in the lab's file server (tests/lab/samba.py) as a
tree 20 x 50 x N/1000 directories (depth 3), once. Then, each in a fresh process so peak memory
is its own:

* scan: the whole job, `proofshot scan` of an smb target declaring that share, into a fresh
  store (walk streamed to disk, rows sorted on disk, transcript pieces and trees written, the
  snapshot signed and committed): directories/s and peak RSS - the figure the issue asks for;
* walker: SMBTransport.walk alone (16 requests in flight on one session) streaming every line
  to a file while the pure parser turns each line into rows and drops them: the ceiling;
* smbcacls: one process per directory, as a shell loop over the server's directory list would
  run it (`find ... | while read d; do smbcacls //host/share "$d"; done`): timed over the first
  --sample directories (the whole tree would take hours), its peak RSS per process.

Prints one JSON object per size and a summary table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WALK = r"""
import asyncio, json, resource, sys, time
from proofshot.collectors.smb import parsers as P
from proofshot.transports.smb import SMBTransport
host, share, depth, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
t = SMBTransport("bench", host=host, user="audit", password=sys.stdin.read().strip())
asyncio.run(t.open())
n = rows = 0
t0 = time.monotonic()
with open(out, "wb") as fh:
    def sink(line):
        global n, rows
        fh.write(line)
        n += 1
        lines = line.decode().splitlines()
        rows += sum(1 for _ in P.dirs(share, lines)) + sum(1 for _ in P.acl(share, lines))
    err = t.walk(share, depth, sink)
dt = time.monotonic() - t0
asyncio.run(t.close())
print(json.dumps({"dirs": n, "rows": rows, "seconds": dt, "error": err,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_tree(root: Path, n: int) -> int:
    marker = root / ".generated"
    if marker.exists():
        return int(marker.read_text())
    a, b = 20, 50
    c = max(1, n // (a * b))
    count = 1
    for i in range(a):
        for j in range(b):
            for k in range(c):
                (root / f"d{i:02d}" / f"e{j:02d}" / f"f{k:03d}").mkdir(parents=True, exist_ok=True)
            count += c + 1
        count += 1
    marker.write_text(str(count))
    return count


SCAN = r"""
import json, os, resource, sys, time
from pathlib import Path
from proofshot.cli.app import main
store, scope = sys.argv[1], sys.argv[2]
t0 = time.monotonic()
try:
    main(["scan", scope, "--label", "bench", "--store", store])
except SystemExit as exc:
    code = exc.code
dt = time.monotonic() - t0
from proofshot.store.embedded import Store
st = Store.open(Path(store))
body = st.manifest(st.latest().id)
t = body["targets"][0]
print(json.dumps({"dirs": t["tables"]["smb_dirs"]["rows"], "acl_rows": t["tables"]["smb_acl"]["rows"],
                  "status": t["status"], "exit": code, "seconds": dt,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_scan(host: str, share: str, password: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        scope = Path(tmp) / "scope.yaml"
        scope.write_text(f"targets:\n  - name: files\n    type: smb\n    host: {host}\n"
                         f"    shares: [{share}]\n    depth: 3\n    user: audit\n"
                         f"    password: env:BENCH_SMB_PASSWORD\n    timeout: 3600\n")
        env = {**os.environ, "BENCH_SMB_PASSWORD": password}
        subprocess.run([sys.executable, "-m", "proofshot", "init", "--store", f"{tmp}/store"],
                       env=env, check=True, capture_output=True)
        proc = subprocess.run([sys.executable, "-c", SCAN, f"{tmp}/store", str(scope)],
                              capture_output=True, text=True, timeout=7200, check=False, env=env)
    if proc.returncode:
        raise SystemExit(proc.stderr[-2000:])
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def run_walker(host: str, share: str, password: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-c", WALK, host, share, "3", f"{tmp}/walk.jsonl"],
                              input=password, capture_output=True, text=True, timeout=3600,
                              check=False)
    if proc.returncode:
        raise SystemExit(proc.stderr[-2000:])
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


SMBCACLS = r"""
import json, resource, subprocess, sys, time
host, share, authfile = sys.argv[1:4]
dirs = sys.stdin.read().splitlines()
t0 = time.monotonic()
ok = 0
for d in dirs:
    proc = subprocess.run(["smbcacls", f"//{host}/{share}", d, "-A", authfile],
                          capture_output=True, check=False, timeout=60)
    ok += proc.returncode == 0
print(json.dumps({"dirs": len(dirs), "ok": ok, "seconds": time.monotonic() - t0,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def run_smbcacls(host: str, share: str, root: Path, authfile: Path, sample: int
                 ) -> dict[str, float]:
    """In a child of its own, so the peak is that of the smbcacls processes only."""
    dirs = sorted(str(p.relative_to(root)) for p, _ in zip(
        (p for p in root.rglob("*") if p.is_dir()), range(sample), strict=False))
    proc = subprocess.run([sys.executable, "-c", SMBCACLS, host, share, str(authfile)],
                          input="\n".join(dirs), capture_output=True, text=True, check=True,
                          timeout=3600)
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dirs", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--no-walker", action="store_true",
                    help="skip the walker-alone run (a size where only the scan matters)")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.lab.lab import Lab
    from tests.lab.samba import start_files

    lab = Lab()
    fs = start_files(lab)
    results = []
    for n in args.dirs:
        share = f"bench{n}"
        root = fs.add_share(share)
        t0 = time.monotonic()
        count = make_tree(root, n)
        gen = time.monotonic() - t0
        sc = run_smbcacls(fs.ip, share, root, fs.authfile(), args.sample)
        wk = ({"dirs": 0, "rows": 0, "seconds": 1.0, "peak_rss_mb": 0.0} if args.no_walker
              else run_walker(fs.ip, share, fs.password))
        sn = run_scan(fs.ip, share, fs.password)
        sc_rate = sc["dirs"] / sc["seconds"]
        res = {"directories": count, "generate_s": round(gen, 1),
               "scan": sn | {"dirs_per_s": round(sn["dirs"] / sn["seconds"], 1)},
               "walker": wk | {"dirs_per_s": round(wk["dirs"] / wk["seconds"], 1)},
               "smbcacls": sc | {"dirs_per_s": round(sc_rate, 1)}}
        res["speedup"] = round(res["scan"]["dirs_per_s"] / sc_rate, 1)
        results.append(res)
        print(json.dumps(res), flush=True)
    print(f"\n{'dirs':>8} {'scan dirs/s':>12} {'peak MB':>8} {'walker dirs/s':>14} "
          f"{'peak MB':>8} {'smbcacls dirs/s':>16} {'peak MB':>8} {'scan/smbcacls':>14}")
    for r in results:
        p, w, s = r["scan"], r["walker"], r["smbcacls"]
        print(f"{r['directories']:>8} {p['dirs_per_s']:>12} {p['peak_rss_mb']:>8.1f} "
              f"{w['dirs_per_s']:>14} {w['peak_rss_mb']:>8.1f} "
              f"{s['dirs_per_s']:>16} {s['peak_rss_mb']:>8.1f} {r['speedup']:>14}")
    if len(results) > 1:
        a, b = results[0], results[-1]
        print(f"scan peak memory {a['scan']['peak_rss_mb']:.0f} -> {b['scan']['peak_rss_mb']:.0f}"
              f" MB for {a['directories']} -> {b['directories']} directories "
              f"({b['scan']['peak_rss_mb'] / a['scan']['peak_rss_mb']:.2f}x for "
              f"{b['directories'] / a['directories']:.0f}x the directories)")
    if os.environ.get("PROOFSHOT_BENCH_OUT"):
        Path(os.environ["PROOFSHOT_BENCH_OUT"]).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
