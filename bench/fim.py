"""File integrity: proofshot (local target with `files: [TREE]`) vs AIDE on a generated tree.

A tree of 200k small files of random text (100 dirs x 20 subdirs x 100 files) is generated in a
temp dir. Side by side, one run each (the tree is in the page cache for both):

    phase 1  `proofshot scan SCOPE --label before` (fresh temp store)  vs  `aide --init`
    plant    40 files modified, 30 chmod 0600, 15 added, 15 deleted (100 changes)
    phase 2  `proofshot scan SCOPE --label after` + `proofshot diff before after --json`
             vs  `aide --check`
    phase 2t the same with `scan --trust-metadata` (on a copy of the store as phase 1 left it,
             so it reuses the hashes of the `before` snapshot: only files whose identity
             changed, and new ones, are read)  vs  the same `aide --check`

SCOPE is one target {type: local, files: [TREE]}. aide.conf is minimal: sha256 + perms, owner,
group and size for regular files, perms/owner/group for directories, databases in the temp dir
(uncompressed), AIDE's default single worker. Changes found: proofshot = changes of the `files`
table whose path is under TREE; AIDE = its summary (and the paths it lists, compared as sets).
proofshot's local scan also collects every other table of this machine: a scan of the same scope
with an empty tree is timed as well, to show that part of the cost.
Goal: proofshot at least 5x faster than AIDE in every phase, finding the same 100 changes.

    python bench/fim.py            # 200k files
    python bench/fim.py --quick    # 20k files
    python bench/fim.py --files N
    python bench/fim.py --quick --before /tmp/base/src   # also phase 1 with an older src/
                                   # (git archive <rev> src | tar -x -C /tmp/base), side by side
    python bench/fim.py --profile DIR   # also cProfile each proofshot scan into DIR/*.prof

AIDE comes from the Debian package `aide` (apt-get install aide); it is not part of CI.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_VOCAB = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
          "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee "
          "zulu server config value enabled disabled port host path user group mode level "
          "cache timeout retry backup daily weekly monthly report queue worker")
WORDS = _VOCAB.split()
N_DIRS, N_SUB = 100, 20


def proofshot_cmd() -> list[str]:
    exe = shutil.which("proofshot")
    return [exe] if exe else [sys.executable, "-c", "from proofshot.cli.app import main; main()"]


CPU: dict[str, float] = {}
MEM: dict[str, float] = {}  # peak RSS in MB of the largest process of the run (wait4's ru_maxrss)


def run(cmd: list[str], ok: tuple[int, ...] = (0,), name: str = "",
        env: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall seconds and the completed process; CPU seconds (user+sys of the process and its
    waited children, from wait4) go to CPU[name]."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        _, status, ru = os.wait4(proc.pid, 0)
        t = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        p = subprocess.CompletedProcess(cmd, proc.returncode, out.read().decode(errors="replace"),
                                        err.read().decode(errors="replace"))
    if name:
        CPU[name] = ru.ru_utime + ru.ru_stime
        MEM[name] = ru.ru_maxrss / 1024
    if p.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd[:3])}... exited {p.returncode}:\n{p.stdout[-1500:]}\n"
                         f"{p.stderr[-1500:]}")
    return t, p


def text(rng: random.Random) -> str:
    return "".join(" ".join(rng.choices(WORDS, k=rng.randint(3, 7))) + "\n"
                   for _ in range(rng.randint(1, 3)))


def make_tree(tree: Path, n: int, rng: random.Random) -> list[Path]:
    per_dir = -(-n // (N_DIRS * N_SUB))
    files: list[Path] = []
    for d in range(N_DIRS):
        for s in range(N_SUB):
            sub = tree / f"d{d:02d}" / f"s{s:02d}"
            sub.mkdir(parents=True)
            for _ in range(per_dir):
                if len(files) >= n:
                    break
                p = sub / f"f{len(files):06d}.txt"
                p.write_text(text(rng))
                files.append(p)
    return files


def plant(files: list[Path], rng: random.Random) -> dict[str, set[str]]:
    picked = rng.sample(files, 40 + 30 + 15)
    modified, chmodded, deleted = picked[:40], picked[40:70], picked[70:]
    for p in modified:
        p.write_text(p.read_text() + "changed " + text(rng))
    for p in chmodded:
        p.chmod(0o600)
    for p in deleted:
        p.unlink()
    added = []
    for k in range(15):
        p = rng.choice(files).parent / f"new{k:02d}.txt"
        p.write_text(text(rng))
        added.append(p)
    return {"changed": {str(p) for p in modified + chmodded}, "removed": {str(p) for p in deleted},
            "added": {str(p) for p in added}}


def aide_conf(tmp: Path, tree: Path) -> Path:
    conf = tmp / "aide.conf"
    conf.write_text(
        f"database_in=file:{tmp}/aide.db\n"
        f"database_out=file:{tmp}/aide.db.new\n"
        "gzip_dbout=no\n"
        "report_url=stdout\n"
        "database_attrs=sha256\n"
        "FILEREG = p+u+g+s+sha256\n"
        "DIRS = p+u+g\n"
        f"{tree} f FILEREG\n"
        f"{tree} d DIRS\n"
    )
    return conf


def aide_changes(report: str) -> dict[str, int | set[str]]:
    out: dict[str, int | set[str]] = {}
    for kind, label in (("added", "Added"), ("removed", "Removed"), ("changed", "Changed")):
        m = re.search(rf"^\s*{label} entries:\s*(\d+)", report, re.M)
        out[kind] = int(m.group(1)) if m else 0
    section = None
    paths: dict[str, set[str]] = {"added": set(), "removed": set(), "changed": set()}
    for line in report.splitlines():
        m = re.match(r"^(Added|Removed|Changed) entries:$", line)
        if m:
            section = m.group(1).lower()
            continue
        if line.startswith("Detailed information") or line.startswith("The attributes"):
            section = None
        m = re.match(r"^[a-zA-Z!?][^:]*: (/.*)$", line)
        if section and m:
            paths[section].add(m.group(1))
    for kind, ps in paths.items():
        out[kind + "_paths"] = ps
    return out


def proofshot_changes(diff_json: str, tree: Path) -> tuple[dict[str, set[str]], int]:
    res = json.loads(diff_json)
    found: dict[str, set[str]] = {"added": set(), "removed": set(), "changed": set()}
    other = 0
    for c in res["changes"]:
        path = c["key"].get("path", "") if c["table"] == "files" else ""
        if path.startswith(str(tree) + "/"):
            found[c["kind"]].add(path)
        else:
            other += 1
    return found, other


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20k files")
    ap.add_argument("--files", type=int, help="number of files")
    ap.add_argument("--before", help="src/ of an older checkout: phase 1 is also run with it")
    ap.add_argument("--profile", help="directory: also run each proofshot scan under cProfile "
                    "(after the timed runs, into DIR/phase1.prof, phase2.prof, phase2t.prof)")
    args = ap.parse_args()
    n = args.files or (20_000 if args.quick else 200_000)
    aide = shutil.which("aide")
    if not aide:
        raise SystemExit("aide not found (apt-get install aide)")
    rng = random.Random(42)
    tmp = Path(tempfile.mkdtemp(prefix="proofshot-bench-fim-"))
    try:
        tree, store, empty = tmp / "tree", tmp / "store", tmp / "empty"
        empty.mkdir()
        t0 = time.perf_counter()
        files = make_tree(tree, n, rng)
        gen = time.perf_counter() - t0
        scope, scope0 = tmp / "scope.yaml", tmp / "scope-empty.yaml"
        for path, root in ((scope, tree), (scope0, empty)):
            path.write_text("defaults:\n  timeout: 600\ntargets:\n  - name: fim\n    type: local\n"
                            f"    files: [{json.dumps(str(root))}]\n")
        conf = aide_conf(tmp, tree)
        ps = proofshot_cmd()
        print(f"fim: {n:,} files in {N_DIRS * N_SUB:,} dirs generated in {gen:.1f}s; temp {tmp}; "
              f"{os.cpu_count()} CPUs")

        # baseline: the same local scan with an empty tree (the other tables of this machine)
        t_base, _ = run([*ps, "scan", str(scope0), "--store", str(tmp / "store0"), "--label", "x"], ok=(0, 3),
                        name="base")
        shutil.rmtree(tmp / "store0")

        # phase 1
        t_ps1, p = run([*ps, "scan", str(scope), "--store", str(store), "--label", "before"], ok=(0, 3),
                       name="ps1")
        t_ai1, _ = run([aide, "--init", "-c", str(conf)], name="ai1")
        os.replace(tmp / "aide.db.new", tmp / "aide.db")
        t_old1 = 0.0
        if args.before:
            old_env = {**os.environ, "PYTHONPATH": str(Path(args.before).resolve())}
            old_cmd = [sys.executable, "-c", "from proofshot.cli.app import main; main()"]
            t_old1, _ = run([*old_cmd, "scan", str(scope), "--store", str(tmp / "store-old"),
                             "--label", "before"], ok=(0, 3), name="old1", env=old_env)
            t_new1, _ = run([*ps, "scan", str(scope), "--store", str(tmp / "store-new"),
                             "--label", "before"], ok=(0, 3), name="new1")

        # a copy of the store as phase 1 left it: the --trust-metadata rescan reuses `before`
        shutil.copytree(store, tmp / "store-t")
        truth = plant(files, rng)

        # phase 2 (default: every file read)
        t_scan2, _ = run([*ps, "scan", str(scope), "--store", str(store), "--label", "after"], ok=(0, 3),
                         name="scan2")
        t_diff, p = run([*ps, "diff", "before", "after", "--json", "--store", str(store)],
                        name="diff")
        t_ps2 = t_scan2 + t_diff
        t_ai2, pa = run([aide, "--check", "-c", str(conf)], ok=tuple(range(8)), name="ai2")

        # phase 2t (--trust-metadata: hashes of files with unchanged identity reused)
        t_scan2t, pt = run([*ps, "scan", str(scope), "--store", str(tmp / "store-t"), "--label",
                            "after", "--trust-metadata", "--json"], ok=(0, 3), name="scan2t")
        t_difft, pdt = run([*ps, "diff", "before", "after", "--json", "--store",
                            str(tmp / "store-t")], name="difft")
        t_ps2t = t_scan2t + t_difft
        reuse = trust_record(tmp / "store-t", json.loads(pt.stdout)["snapshot"])

        if args.profile:
            prof = Path(args.profile)
            prof.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(tmp / "store-p", ignore_errors=True)
            pcmd = [sys.executable, "-m", "cProfile", "-o"]
            for name, extra in (("phase1", []), ("phase2", []), ("phase2t", ["--trust-metadata"])):
                if name == "phase2t":
                    shutil.rmtree(tmp / "store-p", ignore_errors=True)
                    shutil.copytree(tmp / "store-t", tmp / "store-p")
                run([*pcmd, str(prof / f"{name}.prof"), "-m", "proofshot", "scan", str(scope),
                     "--store", str(tmp / "store-p"), "--label", name, *extra], ok=(0, 3))
            print(f"  profiles in {prof}: python -m pstats {prof}/phase1.prof")

        found, other = proofshot_changes(p.stdout, tree)
        found_t, other_t = proofshot_changes(pdt.stdout, tree)
        ac = aide_changes(pa.stdout)
        store_mb = sum(f.stat().st_size for f in store.rglob("*") if f.is_file()) / 1e6
        aide_mb = (tmp / "aide.db").stat().st_size / 1e6
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    n_ps = sum(len(v) for v in found.values())
    n_ai = sum(int(ac[k]) for k in ("added", "removed", "changed"))  # type: ignore[call-overload]
    same_ps = found == truth
    same_ai = all(ac[k + "_paths"] == truth[k] for k in truth)
    print(f"  planted: {len(truth['changed'])} changed (40 content + 30 chmod), "
          f"{len(truth['added'])} added, {len(truth['removed'])} removed")
    print(f"  phase 1 (baseline)  proofshot scan {t_ps1:7.2f}s   aide --init  {t_ai1:7.2f}s   "
          f"ratio {t_ps1 / t_ai1:.2f}x")
    print(f"  phase 2 (check)     proofshot scan+diff {t_ps2:7.2f}s (scan {t_scan2:.2f}s + diff "
          f"{t_diff:.2f}s)   aide --check {t_ai2:7.2f}s   ratio {t_ps2 / t_ai2:.2f}x")
    print(f"  phase 2t (--trust-metadata) scan+diff {t_ps2t:7.2f}s (scan {t_scan2t:.2f}s + diff "
          f"{t_difft:.2f}s)   aide --check {t_ai2:7.2f}s   ratio {t_ps2t / t_ai2:.2f}x; "
          f"{reuse}")
    c = CPU
    print(f"  CPU user+sys (incl. children; steadier on a busy machine): phase 1 proofshot "
          f"{c['ps1']:.2f}s vs aide {c['ai1']:.2f}s (ratio {c['ps1'] / c['ai1']:.2f}x); phase 2 "
          f"proofshot {c['scan2'] + c['diff']:.2f}s (scan {c['scan2']:.2f}s + diff {c['diff']:.2f}s)"
          f" vs aide {c['ai2']:.2f}s (ratio {(c['scan2'] + c['diff']) / c['ai2']:.2f}x); "
          f"phase 2t proofshot {c['scan2t'] + c['difft']:.2f}s (scan {c['scan2t']:.2f}s + diff "
          f"{c['difft']:.2f}s, ratio {(c['scan2t'] + c['difft']) / c['ai2']:.2f}x); "
          f"empty-tree scan {c['base']:.2f}s")
    if args.before:
        print(f"  phase 1 side by side with {args.before}: before {t_old1:.2f}s (CPU "
              f"{c['old1']:.2f}s, peak {MEM['old1']:.0f} MB), now {t_new1:.2f}s (CPU "
              f"{c['new1']:.2f}s, peak {MEM['new1']:.0f} MB): now/before wall "
              f"{t_new1 / t_old1:.2f}x, CPU {c['new1'] / c['old1']:.2f}x")
    print(f"  of proofshot's scan time, the other tables of this machine (same scan, empty tree): "
          f"{t_base:.2f}s")
    print(f"  proofshot found {n_ps} under the tree (added {len(found['added'])}, removed "
          f"{len(found['removed'])}, changed {len(found['changed'])}) "
          f"{'= planted' if same_ps else '!= planted'}; {other} other changes on this machine")
    n_pt = sum(len(v) for v in found_t.values())
    same_pt = found_t == truth
    print(f"  proofshot --trust-metadata found {n_pt} under the tree (added {len(found_t['added'])}"
          f", removed {len(found_t['removed'])}, changed {len(found_t['changed'])}) "
          f"{'= planted' if same_pt else '!= planted'}; {other_t} other changes on this machine")
    print(f"  AIDE found {n_ai} (added {ac['added']}, removed {ac['removed']}, changed "
          f"{ac['changed']}) {'= planted' if same_ai else '!= planted'}")
    m = MEM
    print(f"  peak RSS: phase 1 proofshot {m['ps1']:.0f} MB vs aide {m['ai1']:.0f} MB; phase 2 "
          f"proofshot scan {m['scan2']:.0f} MB, diff {m['diff']:.0f} MB vs aide {m['ai2']:.0f} MB; "
          f"phase 2t scan {m['scan2t']:.0f} MB, diff {m['difft']:.0f} MB")
    print(f"  on disk: proofshot store {store_mb:.1f} MB (2 snapshots, with file text); "
          f"AIDE db {aide_mb:.1f} MB")
    met1, met2, met2t = t_ps1 * 5 <= t_ai1, t_ps2 * 5 <= t_ai2, t_ps2t * 5 <= t_ai2
    ok = same_ps and same_pt and same_ai and n_ps == 100
    print(f"  goal >= 5x faster: phase 1 {'met' if met1 else 'NOT met'} "
          f"(speedup {t_ai1 / t_ps1:.2f}x), phase 2 {'met' if met2 else 'NOT met'} "
          f"(speedup {t_ai2 / t_ps2:.2f}x), phase 2t {'met' if met2t else 'NOT met'} "
          f"(speedup {t_ai2 / t_ps2t:.2f}x); same 100 changes: {'yes' if ok else 'NO'} -> goal "
          f"{'MET' if met1 and met2 and met2t and ok else 'NOT MET'}")


def trust_record(store: Path, sid: str) -> str:
    """What the trust scan's manifest says of its files table (mode, hashes reused/read)."""
    from proofshot.store.api import open_store
    from proofshot.store.reader import read_manifest

    st = open_store(store)
    try:
        entry = read_manifest(st, sid).target("fim")
        h = dict(entry.tables["files"].extra.get("hashes") or {}) if entry else {}
        before = read_manifest(st, st.resolve("before")).target("fim")
        ref = before.tables.get("files") if before else None
        why = "" if ref is None or ref.status == "ok" else (
            f" (the before snapshot's files table is {ref.status}: {ref.reason})")
    finally:
        st.close()
    if h.get("mode") != "trust-metadata":
        return f"mode {h.get('mode')}: {h.get('note')}{why}"
    return (f"mode {h.get('mode')}, {h.get('reused')} hashes reused from "
            f"{str(h.get('reused_from'))[:12]}, {h.get('read')} files read")

if __name__ == "__main__":
    main()
