"""`diff --json` of two large file inventories: the access delta narrowed to the changed files
rows (views/pair.py) vs over both whole trees (the rival: what it did before, `pair_of` without
the row diff's changes).

The store is planted as bench/memory.py plants it (two snapshots `before` and `after` of one
Linux target whose `files` table holds N rows, 0.2% of them changed, the other access tables
the same). Each run is a CLI subprocess, the two variants alternated, N runs each: median wall
and CPU (user + sys, from wait4) and peak RSS. The two variants' outputs must be byte-for-byte
equal.

    python bench/diff_views.py [--rows 100000 1000000] [--runs 3]
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from memory import plant  # bench/ holds scripts, not a package

VARIANTS = ("whole", "narrowed")


def child(variant: str, argv: list[str]) -> None:
    """Run the CLI in this process; `whole` computes the access delta over both trees."""
    if variant == "whole":
        from proofshot.service import _compare
        from proofshot.views.pair import pair_of

        _compare.pair_of = lambda a, b, changes=None: pair_of(a, b)  # type: ignore[assignment]
    from proofshot.cli.fast import main
    main(argv)


def run(variant: str, store: Path, out: Path) -> tuple[float, float, float, bytes]:
    """(wall s, CPU s, peak RSS MB, stdout) of one CLI run."""
    argv = [sys.executable, __file__, "--child", variant, "--", "diff", "before", "after",
            "--json", "--store", str(store)]
    with open(out, "wb") as so, open(out.with_suffix(".err"), "wb") as se:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=so, stderr=se)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        sys.exit(f"{variant}: exit {code}\n{out.with_suffix('.err').read_text()[-2000:]}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, out.read_bytes()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    ap.add_argument("argv", nargs="*", help=argparse.SUPPRESS)
    opts = ap.parse_args()
    if opts.child:
        child(opts.child, opts.argv)
        return
    for n in opts.rows:
        tmp = Path(tempfile.mkdtemp(prefix="proofshot-bench-diff-views-"))
        try:
            store = tmp / "store"
            print(f"{n:,} files rows x 2 snapshots planted in {plant(store, n):.1f} s")
            res: dict[str, list[tuple[float, float, float]]] = {v: [] for v in VARIANTS}
            for _ in range(opts.runs):
                outs = []
                for v in VARIANTS:
                    wall, cpu, rss, text = run(v, store, tmp / f"{v}.out")
                    res[v].append((wall, cpu, rss))
                    outs.append(text)
                if outs[0] != outs[1]:
                    sys.exit("the two variants' outputs differ")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        med = {v: tuple(statistics.median(x[i] for x in res[v]) for i in range(3))
               for v in VARIANTS}
        print(f"  median of {opts.runs} run(s); outputs byte-for-byte equal")
        for v in VARIANTS:
            print(f"  {v:9s} wall {med[v][0]:6.2f} s  cpu {med[v][1]:6.2f} s  "
                  f"peak {med[v][2]:6.0f} MB")
        print(f"  whole / narrowed: wall {med['whole'][0] / med['narrowed'][0]:.2f}x  "
              f"cpu {med['whole'][1] / med['narrowed'][1]:.2f}x")


if __name__ == "__main__":
    main()
