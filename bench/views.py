"""Views on one snapshot: `proofshot findings` and `proofshot paths` vs `proofshot show --json`.

The rival is reading the same snapshot whole (`show ID --json`: every row of every table,
printed): a view should cost about that, since it reads the tables it needs and computes a
little. Replaces the bound that tests/views/test_lab_views.py::test_timings held (findings and
paths each under 20 s on the lab's three hosts): timing belongs here, not in pytest.

Each command runs as a CLI subprocess, alternated, N times each (median wall time), on a
snapshot taken first with `proofshot scan [SCOPE]` (default: this machine, no scope file; for
the lab's hosts pass the scope that tests/views/test_lab_views.py writes).

    python bench/views.py [--quick] [--scope FILE]       # --quick: 1 run each instead of 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PS = [sys.executable, "-m", "proofshot"]


def timed(args: list[str], store: Path, ok: tuple[int, ...] = (0,)) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([*PS, *args, "--store", str(store)], capture_output=True, text=True,
                          timeout=900, check=False)
    took = time.perf_counter() - t0
    if proc.returncode not in ok:
        sys.exit(f"{' '.join(args)}: exit {proc.returncode}\n{proc.stderr[-2000:]}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--scope", type=Path)
    opts = ap.parse_args()
    runs = 1 if opts.quick else 5
    with tempfile.TemporaryDirectory(prefix="bench-views-") as tmp:
        store = Path(tmp) / "store"
        scope = [str(opts.scope)] if opts.scope else []
        scan = timed(["scan", *scope, "--label", "b"], store, ok=(0, 3))
        commands = {"show": ["show", "b", "--json"], "findings": ["findings", "b", "--json"],
                    "paths": ["paths", "b", "--json"]}
        times: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(runs):
            for name, args in commands.items():
                times[name].append(timed(args, store))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"scan (setup, once): {scan:.2f} s; median of {runs} run(s) each:")
    for name in commands:
        print(f"  {name:9s} {med[name]:7.3f} s")
    for name in ("findings", "paths"):
        print(f"{name} / show = {med[name] / med['show']:.2f}x")


if __name__ == "__main__":
    main()
