"""`proofshot push ssh://` vs `scp -r` of the store directory, side by side, into a lab host.

A laptop store of N snapshots (synthetic rows, each snapshot one changed row in each of a few
tables, as scans over time are) is moved to a directory store on lab host 1 (tests/lab: a
network namespace with its own OpenSSH sshd), three times: the first time, again with nothing
new, and after one more snapshot. The rival is the plain way to put a store on another
machine: `scp -r` of the laptop's store directory (OpenSSH, same key, same host), which sends
everything each time and neither checks nor chains anything. proofshot's push sends only what
the store there lacks, appends each snapshot to that store's chain under its lock and reads
what it pushed back there (every object of the pushed snapshots, every sent pack hashed).

Figures: wall time per step (median over --reps runs, alternated), bytes each tool sends
(push: its own count of pack and manifest bytes; scp: the directory's size), and the ratio
scp/push per step (> 1: push is faster).

    python bench/push_ssh.py [--snapshots N] [--reps R]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.* from the repo

from tests.lab import Lab, unavailable_reason
from tests.lab.lab import AUDIT_UID
from tests.synth import commit, row

from proofshot.store.embedded import Store


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    t = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:4]} failed: {proc.stderr}")
    return time.perf_counter() - t, proc.stdout


def chown(path: Path) -> None:
    for p in [path, *path.rglob("*")]:
        os.chown(p, AUDIT_UID, AUDIT_UID, follow_symlinks=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--snapshots", type=int, default=40)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    reason = unavailable_reason()
    if reason:
        raise SystemExit(f"lab unavailable: {reason}")
    lab = Lab()
    was_up = bool(lab.hosts) and lab.hosts[0].sshd_up(0.3)
    lab.up(1)
    h = lab.host(1)
    tmp = Path(tempfile.mkdtemp(prefix="bench-push-"))
    ps = [sys.executable, "-m", "proofshot"]
    key = str(lab.client_key)
    ssh_opts = ["-i", key, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                "-o", f"UserKnownHostsFile={tmp / 'scp_known_hosts'}"]
    steps = ("first", "again", "one-more")
    times: dict[str, dict[str, list[float]]] = {"push": {s: [] for s in steps},
                                                 "scp": {s: [] for s in steps}}
    sent: dict[str, dict[str, int]] = {"push": {}, "scp": {}}
    try:
        for rep in range(args.reps):
            laptop = Store.create(tmp / f"laptop-{rep}")
            for i in range(args.snapshots):
                commit(laptop, f"s{i}", {f"t{t}": {"items": [row(k, name=f"v{i}") if k == i else row(k)
                                                             for k in range(2000)]}
                                         for t in range(4)})
            name = f"bench-team-{secrets.token_hex(4)}"
            team = Store.create(h.dir / "home" / "audit" / name)
            team.close()
            subprocess.run([*ps, "key", "trust", str(laptop.root / "keys" / "signing.pub"),
                            "--store", str(team.root)], check=True, capture_output=True)
            chown(team.root)
            url = f"ssh://audit@{h.ip}/home/audit/{name}"
            remote = f"/home/audit/scp-{name}"
            for step in steps:
                if step == "one-more":
                    commit(laptop, "last", {"t0": {"items": [row(k, name="last") if k == 0 else row(k)
                                                    for k in range(2000)]}})
                wall, out = timed([*ps, "push", url, "--key", key, "--store", str(laptop.root),
                                   "--json"])
                times["push"][step].append(wall)
                sent["push"][step] = json.loads(out)["bytes"]
                h.exec(["rm", "-rf", remote])
                wall, _ = timed(["scp", "-q", "-r", *ssh_opts, str(laptop.root),
                                 f"audit@{h.ip}:{remote}"])
                times["scp"][step].append(wall)
                sent["scp"][step] = sum(p.stat().st_size for p in laptop.root.rglob("*")
                                        if p.is_file())
            laptop.close()
            h.exec(["rm", "-rf", f"/home/audit/{name}", remote])
        print(f"{args.snapshots} snapshots (4 tables x 2000 rows each, one row changed per "
              f"snapshot), lab host {h.ip}, median of {args.reps}")
        print(f"{'step':10} {'push s':>8} {'push bytes':>11} {'scp -r s':>9} {'scp bytes':>10} "
              f"{'scp/push':>9}")
        for step in steps:
            p = statistics.median(times["push"][step])
            s = statistics.median(times["scp"][step])
            print(f"{step:10} {p:8.2f} {sent['push'][step]:11d} {s:9.2f} "
                  f"{sent['scp'][step]:10d} {s / p:9.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if not was_up:
            lab.down()


if __name__ == "__main__":
    main()
