"""The files rules in one pass per target: `findings` and `diff --json` of two 100k-file snapshots,
today's rules (one pass over `files` per target, shared through `Context.kept`) vs one pass per
rule (the rival: what the rules did before; `Context.kept` without its memo, so each of the
three files rules re-reads the table, which above LAZY_ROWS rows streams from the store again).

The store is planted through the store API as bench/memory.py plants it (two snapshots `before`
and `after` of one Linux target whose `files` table holds N rows). Each command runs as a CLI
subprocess, alternated between the two variants, N runs each: median wall and CPU (user + sys of
the child, from wait4). The two variants' outputs must be byte-for-byte equal.

    python bench/files_rules.py [--rows 100000] [--runs 3]
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

COMMANDS = {"findings": ["findings", "before", "--json"],
            "diff-json": ["diff", "before", "after", "--json"]}
VARIANTS = ("per-rule", "one-pass")


def child(variant: str, argv: list[str]) -> None:
    """Run the CLI in this process; `per-rule` drops the memo (one pass per rule)."""
    if variant == "per-rule":
        from proofshot.views.rules.base import Context

        def kept(self: Context, t: object, table: str, keep: object) -> list[object]:
            return [r for r in t.rows(table) if keep(r)]  # type: ignore[attr-defined,operator]

        Context.kept = kept  # type: ignore[assignment,method-assign]
    from proofshot.cli.fast import main
    main(argv)


def run(variant: str, args: list[str], store: Path, out: Path) -> tuple[float, float, bytes]:
    """(wall s, CPU s, stdout) of one CLI run."""
    argv = [sys.executable, __file__, "--child", variant, "--", *args, "--store", str(store)]
    with open(out, "wb") as so, open(out.with_suffix(".err"), "wb") as se:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=so, stderr=se)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 3):
        sys.exit(f"{variant} {' '.join(args)}: exit {proc.returncode}\n"
                 f"{out.with_suffix('.err').read_text()[-2000:]}")
    return wall, ru.ru_utime + ru.ru_stime, out.read_bytes()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    ap.add_argument("argv", nargs="*", help=argparse.SUPPRESS)
    opts = ap.parse_args()
    if opts.child:
        child(opts.child, opts.argv)
        return
    tmp = Path(tempfile.mkdtemp(prefix="proofshot-bench-files-rules-"))
    try:
        store = tmp / "store"
        print(f"{opts.rows:,} files rows x 2 snapshots planted in {plant(store, opts.rows):.1f} s")
        res: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(opts.runs):
            for name, args in COMMANDS.items():
                outs = []
                for v in VARIANTS:
                    wall, cpu, text = run(v, args, store, tmp / f"{name}-{v}.out")
                    res.setdefault((name, v), []).append((wall, cpu))
                    outs.append(text)
                if outs[0] != outs[1]:
                    sys.exit(f"{name}: the two variants' outputs differ")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"median of {opts.runs} run(s); outputs byte-for-byte equal")
    for name in COMMANDS:
        med = {v: (statistics.median(w for w, _ in res[(name, v)]),
                   statistics.median(c for _, c in res[(name, v)])) for v in VARIANTS}
        for v in VARIANTS:
            print(f"  {name:10s} {v:9s} wall {med[v][0]:6.2f} s  cpu {med[v][1]:6.2f} s")
        print(f"  {name:10s} per-rule / one-pass: wall {med['per-rule'][0] / med['one-pass'][0]:.2f}x"
              f"  cpu {med['per-rule'][1] / med['one-pass'][1]:.2f}x")


if __name__ == "__main__":
    main()
