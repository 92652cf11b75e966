"""Start-up: `proofshot --help` / `version` / `snapshots` against the bare interpreter.

Side by side, alternated, N runs each (median wall time, and peak RSS of the child):

    python -c pass                        the floor: what any Python command costs
    proofshot --help                      goal <= 5x the floor
    proofshot version                     goal <= 5x
    proofshot snapshots --store S         goal <= 8x (S: a temp store with 3 local snapshots)
    typer ...                             the same three through the full typer app (no fast path)

Both sides run as subprocesses of this script with the same environment (PYTHONDONTWRITEBYTECODE
as the caller has it: set it to 1 to see the cost when no bytecode cache can be written).

    python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOALS = {"--help": 5.0, "version": 5.0, "snapshots": 8.0}


def proofshot_cmd() -> list[str]:
    exe = shutil.which("proofshot") or str(Path(sys.executable).with_name("proofshot"))
    return [exe] if Path(exe).exists() else [sys.executable, "-m", "proofshot"]


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run of cmd."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {os.waitstatus_to_exitcode(status)}")
    return wall, ru.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    ps = proofshot_cmd()
    full = [sys.executable, "-c", "import sys; from proofshot.cli.app import main; main(sys.argv[1:])"]
    with tempfile.TemporaryDirectory() as tmp:
        store = str(Path(tmp) / "store")
        for label in ("a", "b", "c"):
            subprocess.run([*ps, "scan", "--store", store, "--label", label], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "--help": [*ps, "--help"],
            "version": [*ps, "version"],
            "snapshots": [*ps, "snapshots", "--store", store],
            # the same commands through the full typer app (what they cost before cli/fast.py)
            "typer --help": [*full, "--help"],
            "typer version": [*full, "version"],
            "typer snapshots": [*full, "snapshots", "--store", store],
        }
        walls: dict[str, list[float]] = {k: [] for k in cases}
        rss: dict[str, float] = dict.fromkeys(cases, 0.0)
        for _ in range(args.runs):
            for name, cmd in cases.items():
                w, m = timed(cmd)
                walls[name].append(w)
                rss[name] = max(rss[name], m)
    floor = statistics.median(walls["python -c pass"])
    print(f"{'command':<17} {'median ms':>10} {'x python':>9} {'goal':>6} {'peak MB':>8}")
    for name, ws in walls.items():
        med = statistics.median(ws)
        ratio = med / floor
        goal = GOALS.get(name)
        mark = "" if goal is None else ("ok" if ratio <= goal else "MISSED")
        print(f"{name:<17} {med * 1000:>10.1f} {ratio:>8.1f}x {'' if goal is None else f'{goal:.0f}x':>6}"
              f" {rss[name]:>8.1f} {mark}")


if __name__ == "__main__":
    main()
