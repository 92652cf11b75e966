"""Target-side CPU of the file inventory: the declared queries files_meta, files_sha256,
files_text and getfacl, run as the local transport runs them (sh, LC_ALL=C, as this user), on a
generated tree (bench/fim.py's: 100 dirs x 20 subdirs of small text files), best of N runs.

With --before SRC (the src/ of an older checkout: `git archive REV src | tar -x -C DIR`) the
older queries run side by side on the same tree: before the walker read ACLs and text, its
answer held metadata and hashes only, and files_text (find + grep -I) and getfacl walked the
tree again. Run as root: the walker keeps the text only as root not reached through sudo.
The walker's own parts (without ACLs, without text) are timed too.

    python bench/files_walk.py --files 100000 --before /tmp/base/src
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

QIDS = ("files_meta", "files_sha256", "files_text", "getfacl")
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # the local transport's


def load(src: str) -> ModuleType:
    """proofshot.collectors.linux.queries of the given src/ (a fresh import)."""
    for name in [m for m in sys.modules if m == "proofshot" or m.startswith("proofshot.")]:
        del sys.modules[name]
    sys.path.insert(0, src)
    try:
        return importlib.import_module("proofshot.collectors.linux.queries")
    finally:
        sys.path.remove(src)


def cpu(argv: list[str]) -> tuple[float, int]:
    """user+sys seconds of the command and its children, and the bytes it printed."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL,
                                env={"PATH": PATH, "LC_ALL": "C"})
        _, _, ru = os.wait4(proc.pid, 0)
        return ru.ru_utime + ru.ru_stime, out.tell()


def best(argv: list[str], n: int) -> tuple[float, int]:
    return min((cpu(argv) for _ in range(n)), key=lambda r: r[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--before", help="src/ of an older checkout, run side by side")
    args = ap.parse_args()
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    import fim

    tmp = Path(tempfile.mkdtemp(prefix="proofshot-bench-walk-"))
    try:
        tree = tmp / "tree"
        fim.make_tree(tree, args.files, random.Random(42))
        print(f"files_walk: {args.files:,} files; euid {os.geteuid()}; best of {args.runs}")
        sides = [("before", args.before)] if args.before else []
        sides.append(("now", str(here.parent / "src")))
        totals = {}
        for label, src in sides:
            q = load(src)
            declared = {x.id: x for x in q.queries([str(tree)])}
            total = 0.0
            for qid in QIDS:
                t, size = best(list(declared[qid].argv), args.runs)
                total += t
                print(f"  {label:6s} {qid:12s} CPU {t:5.2f}s  answer {size / 1e6:5.1f} MB")
            totals[label] = total
            print(f"  {label:6s} target CPU, all four: {total:.2f}s")
        if "before" in totals:
            print(f"  now/before target CPU: {totals['now'] / totals['before']:.2f}x")
        q = load(str(here.parent / "src"))
        prog = q.FILES_WALK_PY
        no_acl = prog.replace('LX = getattr(os, "listxattr", None)', "LX = None")
        for name, p, tx in (("walker alone, metadata+hashes", no_acl, "-"),
                            ("  + ACLs", prog, "-"), ("  + text", no_acl, "65536"),
                            ("  + ACLs + text", prog, "65536")):
            py = shutil.which("python3", path=PATH) or "python3"
            t, _ = best([py, "-I", "-S", "-c", p, "--hash", tx, "", "", str(tree)],
                        args.runs)
            print(f"  {name:32s} CPU {t:5.2f}s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
