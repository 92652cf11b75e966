"""Masking and transcript records of large answers: this checkout vs an older one, side by side.

The client's cost per answer between the transport and the store, as a scan pays it
(scan.record.mask_answer, then scan.record.transcript_record; the store's own compression and
hashing is not part of it), with the workspace's Keys as keyed hash:

    mask     mask_bytes of stdout (what the scan stores in place of secrets)
    record   the keyed hash of the raw answer's record + the masked transcript record's bytes

and, for the tree's `files` table built from those answers, scan.record.prepare_rows (the
canonical key and row bytes of every row, sorted: what the tree builder is fed).

Answers: the real `files_meta` and `files_text` queries of the Linux collector over a generated
tree of N small text files (bench/fim.py's tree: words such as "whiskey" hold the keyword
"key"), and `files_text` over /etc (real configuration, real secrets to mask). The older code
is scan/masking.py and scan/record.py of REV (`git show`), run in this same process on the same
bytes; the outputs are checked equal (masked bytes, transcript bytes, hmac) before timing.
Each variant runs R times, alternated; the minimum is printed (the machine is shared).

    python bench/masking.py [--files 100000] [--runs 5] [--before 6ba432a]
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

BASE = "6ba432a"  # the commit before the one-pass masking and the kept record bytes


def old_modules(rev: str, tmp: Path) -> tuple[ModuleType, ModuleType]:
    """scan/masking.py and scan/record.py as they were at `rev` (record's default masking is
    passed in explicitly: its import would find this checkout's)."""
    out = []
    for name in ("masking", "record"):
        src = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:src/proofshot/scan/{name}.py"],
                             capture_output=True, check=True).stdout
        path = tmp / f"old_{name}.py"
        path.write_bytes(src)
        spec = importlib.util.spec_from_file_location(f"old_{name}", path)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        out.append(mod)
    return out[0], out[1]


def answers(tmp: Path, n: int) -> list[tuple[str, bytes]]:
    import fim

    from proofshot.collectors.linux.queries import queries

    tree = tmp / "tree"
    t0 = time.perf_counter()
    fim.make_tree(tree, n, random.Random(42))
    print(f"masking: {n:,} files generated in {time.perf_counter() - t0:.1f}s under {tmp}")
    out = []
    for roots, qids in (([str(tree)], ("files_meta", "files_text")), (["/etc"], ("files_text",))):
        qs = {q.id: q for q in queries(roots)}
        for qid in qids:
            p = subprocess.run(list(qs[qid].argv), capture_output=True)
            out.append((f"{qid} {'tree' if roots[0] != '/etc' else '/etc'}", p.stdout))
    return out


def best(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times = []
    res = None
    for _ in range(runs):
        t0 = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t0)
    return min(times), res


def files_rows(data: list[tuple[str, bytes]], old_record: ModuleType, record: ModuleType,
               kh: Callable[[str], str], runs: int) -> tuple[float, float]:
    """prepare_rows of the tree's files table (built from its answers as a scan builds it),
    older vs this checkout, alternated; the same pairs checked."""
    from proofshot.collectors.linux.collector import LinuxCollector
    from proofshot.model.transcript import Answer

    spec = next(s for s in LinuxCollector().plan({"files": ["/x"]}).specs
                if s.table.name == "files")
    raw = {name.split()[0]: b for name, b in data if name.endswith("tree")}
    answers = {q: Answer(q, ["sh"], 0, raw.get(q, b""), b"", 1.0) for q in spec.queries}
    rows = spec.table.validate_many(list(spec.build(answers)))
    assert old_record.prepare_rows(spec.table, rows, kh) == \
        record.prepare_rows(spec.table, rows, kh), "row bytes differ"
    t_old = t_new = 9e9
    for _ in range(2):
        t_old = min(t_old, best(lambda: old_record.prepare_rows(spec.table, rows, kh), runs)[0])
        t_new = min(t_new, best(lambda: record.prepare_rows(spec.table, rows, kh), runs)[0])
    return t_old, t_new


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--before", default=BASE, help=f"git revision of the older code ({BASE})")
    args = ap.parse_args()

    from proofshot.model.transcript import Answer
    from proofshot.scan import masking, record
    from proofshot.store.keys import Keys, create_keys

    tmp = Path(tempfile.mkdtemp(prefix="proofshot-bench-masking-"))
    try:
        old_masking, old_record = old_modules(args.before, tmp)
        create_keys(tmp / "keys")
        keys = Keys(tmp / "keys")
        assert keys.salt  # read now: the directory goes below
        kh = keys.keyed_hash
        data = answers(tmp, args.files)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def no_put(_: bytes) -> str:
        raise AssertionError("not streamed")

    def pipeline(rec_mod: ModuleType, mask: Callable[..., bytes]) -> Callable[[Answer],
                                                                          tuple[bytes, str]]:
        def run(ans: Answer) -> tuple[bytes, str]:
            masked, hmac = rec_mod.mask_answer(ans, kh, mask)
            return rec_mod.transcript_record(masked, no_put), hmac
        return run

    old_run = pipeline(old_record, old_masking.mask_bytes)
    new_run = pipeline(record, masking.mask_bytes)
    tot = {"old": [0.0, 0.0], "new": [0.0, 0.0]}  # the tree's answers (one FIM scan's)
    print(f"  {'answer':<16} {'MB':>6}  {'mask old':>9} {'mask new':>9}  "
          f"{'mask+record old':>15} {'new':>7}  {'ratio':>6}  masked lines")
    for name, raw in data:
        ans = Answer(name, ["sh", "-c", "..."], 0, raw, b"", 1.0)
        m_old, m_new = old_masking.mask_bytes(raw, kh), masking.mask_bytes(raw, kh)
        assert m_old == m_new, f"{name}: masked bytes differ"
        assert old_run(ans) == new_run(ans), f"{name}: transcript or hmac differ"
        changed = sum(a != b for a, b in zip(raw.split(b"\n"), m_new.split(b"\n"), strict=True))
        t = {}
        for _ in range(2):  # alternated: old, new, old, new
            for label, mask_fn, run_fn in (("old", old_masking.mask_bytes, old_run),
                                           ("new", masking.mask_bytes, new_run)):
                tm, _ = best(lambda f=mask_fn, r=raw: f(r, kh), args.runs)  # type: ignore[misc]
                tr, _ = best(lambda f=run_fn, a=ans: f(a), args.runs)  # type: ignore[misc]
                prev = t.get(label, (9e9, 9e9))
                t[label] = (min(prev[0], tm), min(prev[1], tr))
        for label in ("old", "new") if name.endswith("tree") else ():
            tot[label][0] += t[label][0]
            tot[label][1] += t[label][1]
        print(f"  {name:<16} {len(raw) / 1e6:6.1f}  {t['old'][0] * 1e3:7.1f}ms {t['new'][0] * 1e3:7.1f}ms"
              f"  {t['old'][1] * 1e3:13.1f}ms {t['new'][1] * 1e3:5.1f}ms  {t['old'][1] / t['new'][1]:5.1f}x"
              f"  {changed}")
    rows_old, rows_new = files_rows(data, old_record, record, kh, args.runs)
    print(f"  files table rows (prepare_rows: canonical key and row bytes, sorted): "
          f"{rows_old * 1e3:.0f} -> {rows_new * 1e3:.0f} ms ({rows_old / rows_new:.1f}x)")
    o, n = tot["old"], tot["new"]
    print(f"  the tree's answers ({args.files:,} files): mask {o[0] * 1e3:.0f} -> "
          f"{n[0] * 1e3:.0f} ms, mask+record {o[1] * 1e3:.0f} -> {n[1] * 1e3:.0f} ms "
          f"({o[1] / n[1]:.1f}x); best of "
          f"{2 * args.runs} runs each, old = {args.before}, same bytes checked")


if __name__ == "__main__":
    main()
