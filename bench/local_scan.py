"""Local scan: `proofshot scan` of this machine vs `ansible localhost -m setup -c local`.

Both run as CLI subprocesses, alternated, 3 times each (median wall time):

    proofshot scan --store TMP/store-K --label b          (a fresh temp store each run)
    ansible localhost -i localhost, -c local -m setup -a gather_subset=all --tree TMP/tree
        (ANSIBLE_CONFIG points to an empty file in TMP; ANSIBLE_HOME/LOCAL_TEMP in TMP)

Facts: proofshot = sum over tables of rows x columns, read back with
`proofshot show latest --json --store DIR`; Ansible = leaf (scalar) values of `ansible_facts`
in the --tree JSON, empty lists/dicts counting 0. Non-null counts are printed for both too.
Goal (issue): proofshot at most 0.5x Ansible's time while collecting at least 5x more facts.

For the analysis it also times each CLI doing nothing (`proofshot --help`, `ansible --version`)
and prints proofshot's own target time (the collection, from the scan's summary table).

    python bench/local_scan.py [--quick] [--ansible PATH]   # --quick: 1 run each instead of 3

Ansible is the rival only, never a dependency of proofshot: install it beside the project for
the bench, e.g. `python -m venv /tmp/ansible && /tmp/ansible/bin/pip install ansible-core`, then
pass `--ansible /tmp/ansible/bin/ansible` (or put it on PATH). Without it the bench prints
proofshot's own figures and says that the rival was skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def proofshot_cmd() -> list[str]:
    exe = shutil.which("proofshot")
    return [exe] if exe else [sys.executable, "-c", "from proofshot.cli.app import main; main()"]


def ansible_env(tmp: Path) -> dict[str, str]:
    cfg = tmp / "ansible.cfg"
    cfg.write_text("")
    env = dict(os.environ)
    env.update({
        "ANSIBLE_CONFIG": str(cfg),
        "ANSIBLE_HOME": str(tmp / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-tmp"),
        "ANSIBLE_REMOTE_TEMP": str(tmp / "ansible-rtmp"),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        # the system's python3 when there is one (as the ssh bench does): no discovery round,
        # and never a version-manager shim that may point at an uninstalled version
        "ANSIBLE_PYTHON_INTERPRETER": "/usr/bin/python3" if Path("/usr/bin/python3").exists()
        else "auto_silent",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
    })
    return env


Completed = subprocess.CompletedProcess[str]
PEAK: dict[str, float] = {}  # command name -> largest peak RSS (MB) of one process it ran


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, Completed, float]:
    """(wall seconds, completed process, CPU seconds user+sys of it and its waited children)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        name = Path(cmd[0]).name if cmd[0] != sys.executable else "proofshot"
        PEAK[name] = max(PEAK.get(name, 0.0), ru.ru_maxrss / 1024)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        p = subprocess.CompletedProcess(cmd, proc.returncode, out.read().decode(errors="replace"),
                                        err.read().decode(errors="replace"))
    return wall, p, ru.ru_utime + ru.ru_stime


def leaves(x: Any, nonnull: bool = False) -> int:
    if isinstance(x, dict):
        return sum(leaves(v, nonnull) for v in x.values())
    if isinstance(x, list):
        return sum(leaves(v, nonnull) for v in x)
    return 0 if (nonnull and x is None) else 1


def proofshot_facts(store: Path) -> dict[str, Any]:
    p = subprocess.run([*proofshot_cmd(), "show", "latest", "--json", "--store", str(store)],
                       capture_output=True, text=True, check=True)
    snap = json.loads(p.stdout)
    cells = nonnull = rows = tables = 0
    per_table = {}
    for t in snap["targets"]:
        for name, trows in t["tables"].items():
            tables += 1
            rows += len(trows)
            c = sum(len(r) for r in trows)  # rows x columns (every declared column is present)
            cells += c
            nonnull += sum(1 for r in trows for v in r.values() if v is not None)
            per_table[name] = (len(trows), len(trows[0]) if trows else 0)
        target_facts = len(t.get("facts", {}))
        unverifiable = sorted(t.get("unverifiable", {}))
    return {"cells": cells, "nonnull": nonnull, "rows": rows, "tables": tables,
            "per_table": per_table, "target_facts": target_facts, "unverifiable": unverifiable}


RIVAL_MISSING = (
    "ansible not found: the rival is skipped, only proofshot is measured. For the side-by-side "
    "figures install it beside the project (never as its dependency): python -m venv "
    "/tmp/ansible && /tmp/ansible/bin/pip install ansible-core, then --ansible "
    "/tmp/ansible/bin/ansible")


def proofshot_only(reps: int) -> None:
    """The scan alone (no rival): wall and CPU medians, facts."""
    tmp = Path(tempfile.mkdtemp(prefix="proofshot-bench-local-"))
    try:
        runs = []
        store = tmp / "store-0"
        for k in range(reps):
            store = tmp / f"store-{k}"
            t, p, cpu = timed([*proofshot_cmd(), "scan", "--store", str(store), "--label", "b"])
            if p.returncode not in (0, 3):
                raise SystemExit(f"proofshot scan failed ({p.returncode}): {p.stderr[-2000:]}")
            runs.append((t, cpu))
        pf = proofshot_facts(store)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"local_scan: {reps} run(s), proofshot only (ansible not installed: see --help)")
    print(f"  proofshot scan      wall median {statistics.median(r[0] for r in runs):6.2f}s  "
          f"CPU median {statistics.median(r[1] for r in runs):.2f}s  "
          f"runs {[round(r[0], 2) for r in runs]}")
    print(f"  proofshot facts (rows x columns): {pf['cells']:,} in {pf['tables']} tables, "
          f"{pf['rows']:,} rows; goal time <= 0.5x Ansible: not measured")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one run each instead of three")
    ap.add_argument("--ansible", default=None,
                    help="the ansible command (default: `ansible` on PATH)")
    args = ap.parse_args()
    reps = 1 if args.quick else 3
    ansible = shutil.which(args.ansible or "ansible")
    if not ansible:
        print(RIVAL_MISSING, file=sys.stderr)
        proofshot_only(reps)
        return
    tmp = Path(tempfile.mkdtemp(prefix="proofshot-bench-local-"))
    try:
        env = ansible_env(tmp)
        ans_cmd = [ansible, "localhost", "-i", "localhost,", "-c", "local", "-m", "setup",
                   "-a", "gather_subset=all", "--tree", str(tmp / "tree")]
        ps_times: list[float] = []
        ans_times: list[float] = []
        ps_cpu: list[float] = []
        ans_cpu: list[float] = []
        collect_times: list[float] = []
        store = tmp / "store-0"
        for k in range(reps):
            store = tmp / f"store-{k}"
            t, p, cpu = timed([*proofshot_cmd(), "scan", "--store", str(store), "--label", "b"])
            ps_cpu.append(cpu)
            if p.returncode not in (0, 3):
                raise SystemExit(f"proofshot scan failed ({p.returncode}): {p.stderr[-2000:]}")
            ps_times.append(t)
            m = re.search(r"localhost\s*\S\s*(\w+)\s*\S\s*(\d+)/(\d+)\s*\S\s*(\d+)\s*\S\s*([\d.]+)s",
                          p.stderr)
            if m:
                collect_times.append(float(m.group(5)))
            shutil.rmtree(tmp / "tree", ignore_errors=True)
            t, p, cpu = timed(ans_cmd, env)
            ans_cpu.append(cpu)
            if p.returncode != 0:
                raise SystemExit(f"ansible failed ({p.returncode}): {p.stdout[-1000:]} {p.stderr[-1000:]}")
            ans_times.append(t)
        pf = proofshot_facts(store)
        facts = json.loads((tmp / "tree" / "localhost").read_text())["ansible_facts"]
        af, af_nonnull = leaves(facts), leaves(facts, nonnull=True)
        idle_p = [timed([*proofshot_cmd(), "--help"]) for _ in range(reps)]
        idle_a = [timed([ansible, "--version"], env) for _ in range(reps)]
        ps_idle = (statistics.median(x[0] for x in idle_p), statistics.median(x[2] for x in idle_p))
        ans_idle = (statistics.median(x[0] for x in idle_a), statistics.median(x[2] for x in idle_a))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    pt, at = statistics.median(ps_times), statistics.median(ans_times)
    pc, ac = statistics.median(ps_cpu), statistics.median(ans_cpu)
    print(f"local_scan: {reps} run(s) each, alternated; {os.cpu_count()} CPUs")
    print(f"  proofshot scan      wall median {pt:6.2f}s  runs {[round(x, 2) for x in ps_times]}")
    if collect_times:
        print(f"    of which target collection (scan summary) median "
              f"{statistics.median(collect_times):.2f}s; CLI start alone (`proofshot --help`) "
              f"{ps_idle[0]:.2f}s wall, {ps_idle[1]:.2f}s CPU")
    print(f"  ansible setup       wall median {at:6.2f}s  runs {[round(x, 2) for x in ans_times]}")
    print(f"    CLI start alone (`ansible --version`) {ans_idle[0]:.2f}s wall, "
          f"{ans_idle[1]:.2f}s CPU")
    print(f"  time ratio proofshot/ansible: {pt / at:.2f}x (wall, the goal's measure); CPU "
          f"user+sys median proofshot {pc:.2f}s, ansible {ac:.2f}s, ratio {pc / ac:.2f}x "
          "(steadier on a busy machine)")
    print("  peak RSS of one process: " + ", ".join(f"{k} {v:.0f} MB" for k, v in sorted(PEAK.items()))
          + " (wait4: the largest of the command and its waited children)")
    print(f"  proofshot facts (rows x columns): {pf['cells']:,} in {pf['tables']} tables, "
          f"{pf['rows']:,} rows ({pf['nonnull']:,} non-null; plus {pf['target_facts']} target facts)")
    print("    " + ", ".join(f"{n} {r}x{c}" for n, (r, c) in sorted(pf["per_table"].items())))
    if pf["unverifiable"]:
        print(f"    not collected here: {', '.join(pf['unverifiable'])}")
    print(f"  ansible facts (leaf values):     {af:,} ({af_nonnull:,} non-null)")
    print(f"  facts ratio proofshot/ansible: {pf['cells'] / af:.1f}x")
    met_t, met_f = pt <= 0.5 * at, pf["cells"] >= 5 * af
    print(f"  goal time <= 0.5x Ansible: {'met' if met_t else 'NOT met'}; "
          f"facts >= 5x Ansible: {'met' if met_f else 'NOT met'} -> goal "
          f"{'MET' if met_t and met_f else 'NOT MET'}")


if __name__ == "__main__":
    main()
