"""Where a local file-inventory scan spends its CPU: proofshot's own process vs the commands it
runs (find, sha256sum, grep, getfacl...), for this checkout and, side by side, an older src/.

A tree of N small files (bench/fim.py's generator) is scanned `--runs` times per side,
alternated, each into a fresh temp store; the scan runs in a child Python that reports its own
and its children's user+sys CPU (getrusage) at exit. Medians are printed with before/now.

    git archive <rev> src | tar -x -C /tmp/base
    python bench/scan_cpu.py --before /tmp/base/src [--files 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import fim  # the tree generator

CHILD = """
import atexit, json, resource, sys
def report():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print("CPU " + json.dumps([s.ru_utime + s.ru_stime, c.ru_utime + c.ru_stime, s.ru_maxrss]),
          file=sys.stderr)
atexit.register(report)
from proofshot.cli.app import main
main(sys.argv[1:])
"""


def scan(src: Path, scope: Path, store: Path) -> tuple[float, float, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    p = subprocess.run([sys.executable, "-c", CHILD, "scan", str(scope), "--store", str(store),
                        "--label", "x"], env=env, capture_output=True, text=True, check=False)
    line = [ln for ln in p.stderr.splitlines() if ln.startswith("CPU ")]
    if p.returncode not in (0, 3) or not line:
        raise SystemExit(f"scan with {src} failed ({p.returncode}): {p.stderr[-1500:]}")
    own, children, rss = json.loads(line[-1][4:])
    return own, children, rss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, help="src/ of the older checkout")
    ap.add_argument("--files", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    sides = {"before": Path(args.before).resolve(), "now": Path(__file__).parents[1] / "src"}
    tmp = Path(tempfile.mkdtemp(prefix="proofshot-bench-scancpu-"))
    try:
        fim.make_tree(tmp / "tree", args.files, random.Random(42))
        scope = tmp / "scope.yaml"
        scope.write_text(f"targets:\n  - name: fim\n    type: local\n    files: [{tmp / 'tree'}]\n")
        res: dict[str, list[tuple[float, float, float]]] = {k: [] for k in sides}
        for i in range(args.runs):
            for name, src in sides.items():
                res[name].append(scan(src, scope, tmp / f"store-{name}-{i}"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"local scan of {args.files:,} files, {args.runs} run(s) per side, medians "
          f"(CPU seconds user+sys)")
    med = {k: [statistics.median(r[j] for r in v) for j in range(3)] for k, v in res.items()}
    print(f"{'':8}{'proofshot':>10}{'commands':>10}{'total':>8}{'peak MB':>9}")
    for k, (own, ch, rss) in med.items():
        print(f"{k:<8}{own:>10.2f}{ch:>10.2f}{own + ch:>8.2f}{rss:>9.0f}")
    b, n = med["before"], med["now"]
    print(f"now/before: proofshot's own CPU {n[0] / b[0]:.2f}x, total {(n[0] + n[1]) / (b[0] + b[1]):.2f}x;"
          f" per file now: {n[0] / args.files * 1e6:.0f} us own + {n[1] / args.files * 1e6:.0f} us "
          "in the commands")


if __name__ == "__main__":
    main()
