"""The file inventory's row pipeline, step by step, per row: before (the record-by-record parser,
json canonical bytes) and now (column-wise parser, msgspec canonical bytes), side by side in one
run, on N synthetic `find -printf` records shaped like bench/fim.py's tree (the same bytes as a
scan would parse; no I/O in the timed part).

    parse     files.files(meta, sha256, text)      record readers  vs  column-wise / regex
    validate  Table.validate + key_of per row      (unchanged: scan/runner.py, model/table.py)
    encode    row_pair: canonical key + row bytes  json            vs  msgspec
    tree      TreeBuilder.add + finish             (unchanged; put = sha256 of the chunk)

Each step is timed `--repeat` times alternating old and new (CPU time of this process); the
median is printed in microseconds per row, with the ratio old/new and the process's peak RSS.

    python bench/rows.py [--rows 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

from proofshot.collectors.linux.parsers import files as fp
from proofshot.collectors.linux.parsers.common import files_lines
from proofshot.collectors.linux.tables import FILES
from proofshot.model.canonical import canonical
from proofshot.scan.rows import row_pair
from proofshot.store.tree import TreeBuilder

WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
         "juliet", "kilo", "lima")


def answers(n: int, rng: random.Random) -> tuple[str, str, str]:
    meta, sha, text = [], [], []
    for i in range(n):
        path = f"/tmp/tree/d{i % 100:02d}/s{i // 100 % 20:02d}/f{i:06d}.txt"
        body = " ".join(rng.choices(WORDS, k=rng.randint(3, 9))) + "\n"
        fields = ("f", path, "644", "root", "root", str(len(body)), "",
                  f"{1732900000 + rng.random():.10f}")
        meta.append("".join(f + "\x00" for f in fields))
        sha.append(f"{hashlib.sha256(body.encode()).hexdigest()}  {path}\x00")
        text.append(f"{path}\x00{body}")
    return "".join(meta), "".join(sha), "".join(text)


def old_text(text: str) -> dict[str, str]:
    """parse_text as it was: common.files_lines (a generator over the records), then joins."""
    return {p: "".join(ln + "\n" for ln in lines) for p, lines in files_lines(text).items()}


def old_parse(meta: str, sha: str, text: str) -> list[dict[str, Any]]:
    """files.files with the record-by-record readers (what every answer took before)."""
    saved = fp._parse_meta_columns, fp._SHA_ALL_RE, fp.parse_text
    fp._parse_meta_columns = lambda fields: None  # type: ignore[assignment]
    fp._SHA_ALL_RE = re.compile("(?!)")  # never matches: the per-record loop
    fp.parse_text = old_text
    try:
        return fp.files(meta, sha, text, 65536)
    finally:
        fp._parse_meta_columns, fp._SHA_ALL_RE, fp.parse_text = saved


def old_pair(row: dict[str, Any]) -> tuple[bytes, bytes]:
    return canonical([row[k] for k in FILES.key]), canonical(row)


def timed(fn: Callable[[], object]) -> float:
    """CPU seconds of this process (the machine is shared: wall time would count others)."""
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    n = args.rows
    meta, sha, text = answers(n, random.Random(15))
    rows = fp.files(meta, sha, text, 65536)
    assert len(rows) == n and rows == old_parse(meta, sha, text)
    assert fp._parse_meta_columns(meta.split("\x00")) is not None
    valid = [FILES.validate(r) for r in rows]
    pairs = sorted(row_pair(FILES, r, str) for r in valid)
    assert pairs == sorted(old_pair(r) for r in valid)

    def validate() -> None:
        for r in rows:
            FILES.key_of(FILES.validate(r))

    def tree() -> None:
        tb = TreeBuilder(lambda raw: hashlib.sha256(raw).hexdigest())
        for k, v in pairs:
            tb.add(k, v)
        tb.finish()

    steps: dict[str, tuple[Callable[[], object], Callable[[], object] | None]] = {
        "parse": (lambda: old_parse(meta, sha, text), lambda: fp.files(meta, sha, text, 65536)),
        "validate": (validate, None),
        "encode": (lambda: [old_pair(r) for r in valid],
                   lambda: [row_pair(FILES, r, str) for r in valid]),
        "tree": (tree, None),
    }
    print(f"{n} rows of the files table, median of {args.repeat}, microseconds per row")
    print(f"{'step':<10} {'before':>8} {'now':>8} {'before/now':>11}")
    tot_old = tot_new = 0.0
    for name, (old, new) in steps.items():
        t_old: list[float] = []
        t_new: list[float] = []
        for _ in range(args.repeat):
            t_old.append(timed(old))
            t_new.append(timed(new) if new else t_old[-1])
        o, w = statistics.median(t_old) / n * 1e6, statistics.median(t_new) / n * 1e6
        tot_old += o
        tot_new += w
        print(f"{name:<10} {o:>8.2f} {w:>8.2f} {o / w:>10.2f}x")
    print(f"{'total':<10} {tot_old:>8.2f} {tot_new:>8.2f} {tot_old / tot_new:>10.2f}x")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
