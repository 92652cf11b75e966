"""SSH at scale: `proofshot scan` of N lab hosts vs `ansible all -m setup`, side by side.

The hosts are the test lab's (tests/lab: network namespaces with their own sshd, 10.200.0.x);
the lab is brought up for the run (default 20 hosts) and torn down at the end unless it was
already up. Both tools run as CLI subprocesses, alternated, `--reps` times each:

    proofshot scan SCOPE --store TMP/store-K --label b   (N `type: ssh` targets, user audit,
        the lab's key, sudo: true; a fresh store each run, so host keys are pinned each time)
    ansible all -i INVENTORY -m setup -a gather_subset=all --tree TMP/tree
        (ansible_user=audit, the same key, become=true, pipelining on, forks=N,
        host_key_checking off, ansible_python_interpreter=/usr/bin/python3 so no discovery
        round trip; ControlMaster=no, so every ssh process is a waited-for child and its CPU
        is counted: a daemonized ControlPersist master would hide the client's crypto)

Figures per tool (median over the runs): peak RSS (wait4: the command or its largest waited-for
child), wall time, hosts/s, client CPU per host (user+sys of
the finished child processes, from resource.getrusage(RUSAGE_CHILDREN) around the run: the part
that carries over to real remote hosts, where the targets' CPU is not ours), facts per host:
proofshot = rows x columns over all tables of the host (from `proofshot show latest --json`),
Ansible = leaf values of the host's `ansible_facts` (from --tree), empty lists/dicts counting 0.
Goal (issues 3 and 15): proofshot >= 5x Ansible's hosts/s and >= 5x its facts per host, with
client CPU <= 45 ms per host.

Also printed: machine CPU per host (/proc/stat busy time over the run, divided by N): the client
plus what the lab hosts spend answering (sshd, sudo, the commands) plus the kernel's network
path, plus anything else that runs on the machine meanwhile (check the load average printed).
The lab hosts share this machine's CPUs with the client, so on a small machine hosts/s is
bounded by the targets' own work, which on real hosts runs on their own CPUs.

    python bench/ssh_scale.py [--hosts N] [--reps R] [--ansible PATH] [--split]

`--split`: one more scan, in a child Python that adds up its own CPU time (process_time) per
step, printed per host: start-up (imports, scope, store) before the scan, SSH I/O (the asyncio
loop: connections, channels, framing, asyncssh's crypto) apart from the two steps that run in
it, masking of the answers, rows (parse, validate), the commit (row encoding, transcripts, trees,
compression, packs), the end (summary, exit). Steps a refactor renamed are left out, not
guessed.

Ansible is the rival only, never a dependency of proofshot: install it beside the project for
the bench, e.g. `python -m venv /tmp/ansible && /tmp/ansible/bin/pip install ansible-core`, then
pass `--ansible /tmp/ansible/bin/ansible` (or put it on PATH). Without it the bench still runs
and prints proofshot's own figures, and says that the rival was skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.lab from the repo

from tests.lab import Lab, unavailable_reason


@dataclass
class Run:
    wall: float
    cpu: float  # client CPU seconds (user + sys of waited-for children)
    machine: float  # CPU seconds of the whole machine (client, lab hosts, kernel, anything else)
    peak_mb: float = 0.0  # peak RSS of the command or its largest waited-for child (wait4)


def machine_busy() -> float:
    """Busy CPU seconds of the whole machine since boot (/proc/stat, all but idle and iowait)."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def proofshot_cmd() -> list[str]:
    exe = shutil.which("proofshot")
    return [exe] if exe else [sys.executable, "-m", "proofshot"]


def measured(cmd: list[str], env: dict[str, str] | None = None
             ) -> tuple[Run, subprocess.CompletedProcess[str]]:
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    m0 = machine_busy()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        p = subprocess.CompletedProcess(cmd, proc.returncode, out.read().decode(errors="replace"),
                                        err.read().decode(errors="replace"))
    m1 = machine_busy()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return Run(wall, cpu, m1 - m0, ru.ru_maxrss / 1024), p


SPLIT_CHILD = r"""
import atexit, importlib, json, resource, sys, time
T = time.process_time
acc = {}
def wrap(path, key):
    mod_name, _, attr = path.rpartition(".")
    owner, _, meth = attr.partition(":")
    try:
        holder = getattr(importlib.import_module(mod_name), owner) if meth else \
            importlib.import_module(mod_name)
        f = getattr(holder, meth or owner)
    except (ImportError, AttributeError):
        return
    def w(*a, **k):
        t = T()
        try:
            return f(*a, **k)
        finally:
            acc[key] = acc.get(key, 0.0) + T() - t
    setattr(holder, meth or owner, w)
for path, key in [("proofshot.scan.service.scan", "scan"), ("asyncio.run", "loop"),
                  ("proofshot.scan.service.mask_answer", "masking"),
                  ("proofshot.scan.runner.build_table", "rows"),
                  ("proofshot.collectors.linux.parsers.files.files", "rows: files table"),
                  ("proofshot.scan.sorter.table_pairs", "commit: row encoding"),
                  ("proofshot.scan.service._record", "commit"),
                  ("proofshot.scan.record.write_table", "commit: table trees"),
                  ("proofshot.scan.record.transcript_record", "commit: transcripts"),
                  ("proofshot.store.packs.PackWriter:add", "commit: compression")]:
    wrap(path, key)
def report():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    acc["total"] = s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime
    print("SPLIT " + json.dumps(acc), file=sys.stderr)
atexit.register(report)
from proofshot.cli.app import main
main(sys.argv[1:])
"""


def split(scope: Path, store: Path, n: int) -> list[str]:
    """One scan with its CPU added up per step (SPLIT_CHILD): lines to print, per host."""
    p = subprocess.run([sys.executable, "-c", SPLIT_CHILD, "scan", str(scope), "--store",
                        str(store), "--label", "split"], capture_output=True, text=True)
    line = [ln for ln in p.stderr.splitlines() if ln.startswith("SPLIT ")]
    if p.returncode not in (0, 3) or not line:
        return [f"  split: scan failed ({p.returncode}): {p.stderr[-800:]}"]
    a = json.loads(line[-1][6:])
    ms = {k: v * 1000 / n for k, v in a.items()}
    inner = ms.get("masking", 0) + ms.get("rows", 0)
    parts = [("start-up and end", ms["total"] - ms.get("scan", 0)),
             ("SSH I/O and loop", ms.get("loop", 0) - inner), ("masking", ms.get("masking", 0)),
             ("rows (parse, validate)", ms.get("rows", 0)),
             ("  of it the files table's parse", ms.get("rows: files table", 0)),
             ("commit", ms.get("commit", 0)),
             ("  of it row encoding", ms.get("commit: row encoding", 0)),
             ("  of it transcripts", ms.get("commit: transcripts", 0)),
             ("  of it table trees", ms.get("commit: table trees", 0)),
             ("  of it compression", ms.get("commit: compression", 0)),
             ("rest of scan()", ms.get("scan", 0) - ms.get("loop", 0) - ms.get("commit", 0))]
    return [f"  client CPU split, ms/host (one more scan, CPU time per step): total "
            f"{ms['total']:.0f}"] + [f"    {name:32}{v:6.1f}" for name, v in parts]


def leaves(x: Any) -> int:
    if isinstance(x, dict):
        return sum(leaves(v) for v in x.values())
    if isinstance(x, list):
        return sum(leaves(v) for v in x)
    return 1


def write_scope(path: Path, lab: Lab, n: int) -> None:
    lines = ["customer: proofshot bench", "targets:"]
    for h in lab.hosts[:n]:
        lines += [f"  - name: {h.name}", "    type: ssh", f"    host: {h.ip}",
                  "    user: audit", f"    key: {lab.client_key}", "    sudo: true"]
    path.write_text("\n".join(lines) + "\n")


def ansible_setup(tmp: Path, lab: Lab, n: int) -> tuple[Path, dict[str, str]]:
    inv = tmp / "inventory.ini"
    lines = ["[lab]"] + [f"{h.name} ansible_host={h.ip}" for h in lab.hosts[:n]]
    lines += ["", "[lab:vars]", "ansible_user=audit",
              f"ansible_ssh_private_key_file={lab.client_key}", "ansible_become=true",
              "ansible_python_interpreter=/usr/bin/python3"]
    inv.write_text("\n".join(lines) + "\n")
    cfg = tmp / "ansible.cfg"
    cfg.write_text(
        "[defaults]\n"
        f"forks = {n}\n"
        "host_key_checking = False\n"
        "retry_files_enabled = False\n"
        "nocolor = True\n"
        "[ssh_connection]\n"
        "pipelining = True\n"
        "ssh_args = -C -o ControlMaster=no -o UserKnownHostsFile=/dev/null "
        "-o StrictHostKeyChecking=no\n")
    env = dict(os.environ)
    env.update({
        "ANSIBLE_CONFIG": str(cfg),
        "ANSIBLE_HOME": str(tmp / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-tmp"),
        "ANSIBLE_REMOTE_TEMP": "/tmp/.ansible-bench",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
    })
    return inv, env


def proofshot_facts(store: Path) -> tuple[dict[str, int], dict[str, str]]:
    p = subprocess.run([*proofshot_cmd(), "show", "latest", "--json", "--store", str(store)],
                       capture_output=True, text=True, check=True)
    snap = json.loads(p.stdout)
    cells = {t["name"]: sum(len(r) for rows in t["tables"].values() for r in rows)
             for t in snap["targets"]}
    return cells, {t["name"]: t["status"] for t in snap["targets"]}


CPU_GOAL = 0.045  # client CPU seconds per host (issue 15)
RIVAL_MISSING = (
    "ansible not found: the rival is skipped, only proofshot is measured. For the side-by-side "
    "figures install it beside the project (never as its dependency): python -m venv "
    "/tmp/ansible && /tmp/ansible/bin/pip install ansible-core, then --ansible "
    "/tmp/ansible/bin/ansible")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--hosts", type=int, default=20, help="lab hosts (default 20)")
    ap.add_argument("--reps", type=int, default=2, help="runs of each tool (default 2)")
    ap.add_argument("--ansible", default=None,
                    help="the ansible command (default: `ansible` on PATH)")
    ap.add_argument("--split", action="store_true",
                    help="one more scan: the client's CPU per host split into its steps")
    args = ap.parse_args()
    n = args.hosts
    reason = unavailable_reason()
    if reason:
        raise SystemExit(f"lab unavailable: {reason}")
    ansible = shutil.which(args.ansible or "ansible")
    if not ansible:
        print(RIVAL_MISSING, file=sys.stderr)

    load = os.getloadavg()[0]
    lab = Lab()
    was_up = bool(lab.hosts) and any(h.running for h in lab.hosts)
    t0 = time.perf_counter()
    lab.up(n)
    lab_up = time.perf_counter() - t0
    tmp = Path(tempfile.mkdtemp(prefix="proofshot-bench-ssh-"))
    ps_runs: list[Run] = []
    an_runs: list[Run] = []
    try:
        scope = tmp / "scope.yaml"
        write_scope(scope, lab, n)
        inv, env = ansible_setup(tmp, lab, n)
        an_cmd = [ansible or "ansible", "all", "-i", str(inv), "-m", "setup", "-a", "gather_subset=all",
                  "--tree", str(tmp / "tree")]
        store = tmp / "store-0"
        for k in range(args.reps):
            store = tmp / f"store-{k}"
            run, p = measured([*proofshot_cmd(), "scan", str(scope), "--store", str(store),
                               "--label", "b"])
            if p.returncode not in (0, 3):
                raise SystemExit(f"proofshot scan failed ({p.returncode}): {p.stderr[-2000:]}")
            ps_runs.append(run)
            if not ansible:
                continue
            shutil.rmtree(tmp / "tree", ignore_errors=True)
            run, p = measured(an_cmd, env)
            if p.returncode != 0:
                raise SystemExit(f"ansible failed ({p.returncode}): {p.stdout[-1500:]} "
                                 f"{p.stderr[-1500:]}")
            an_runs.append(run)
        ps_cells, ps_status = proofshot_facts(store)
        split_lines = split(scope, tmp / "store-split", n) if args.split else []
        an_leaves = {f.name: leaves(json.loads(f.read_text()).get("ansible_facts", {}))
                     for f in (tmp / "tree").iterdir()} if ansible else {}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if not was_up:
            lab.down()

    def med(runs: list[Run], attr: str) -> float:
        return float(statistics.median(getattr(r, attr) for r in runs))

    pw, pc, pm = med(ps_runs, "wall"), med(ps_runs, "cpu") / n, med(ps_runs, "machine") / n
    pf = statistics.mean(ps_cells.values())
    ok = sum(1 for s in ps_status.values() if s == "ok")
    print(f"ssh_scale: {n} lab hosts (up in {lab_up:.1f}s), {args.reps} run(s) each, "
          f"alternated; {os.cpu_count()} CPUs; load average before the runs {load:.1f}")
    print(f"  {'':22}{'wall s':>8}{'hosts/s':>9}{'client CPU/host':>17}{'facts/host':>12}"
          f"{'peak MB':>9}")
    print(f"  {'proofshot scan':22}{pw:8.2f}{n / pw:9.2f}{pc * 1000:14.0f} ms{pf:12,.0f}"
          f"{max(r.peak_mb for r in ps_runs):9.0f}"
          f"   runs {[round(r.wall, 2) for r in ps_runs]}; {ok}/{n} targets ok")
    met_c = pc <= CPU_GOAL
    if not an_runs:
        print(f"  ansible -m setup: skipped (not installed; see --help). Client CPU/host "
              f"<= {CPU_GOAL * 1000:.0f} ms: {'met' if met_c else 'NOT met'}")
        print(f"  machine CPU/host (client + the lab hosts' sshd, sudo, commands + kernel + "
              f"anything else running): proofshot {pm * 1000:.0f} ms")
    else:
        aw, ac, am = med(an_runs, "wall"), med(an_runs, "cpu") / n, med(an_runs, "machine") / n
        af = statistics.mean(an_leaves.values()) if an_leaves else 0.0
        print(f"  {'ansible -m setup':22}{aw:8.2f}{n / aw:9.2f}{ac * 1000:14.0f} ms{af:12,.0f}"
              f"{max(r.peak_mb for r in an_runs):9.0f}   runs {[round(r.wall, 2) for r in an_runs]}"
              f"; {len(an_leaves)}/{n} hosts answered")
        speed = aw / pw
        facts = pf / af if af else float("inf")
        print(f"  hosts/s proofshot/ansible: {speed:.2f}x; facts/host: {facts:.1f}x; "
              f"client CPU/host: {pc / ac:.2f}x" if ac else "")
        met_s, met_f = speed >= 5, facts >= 5
        print(f"  goal hosts/s >= 5x Ansible: {'met' if met_s else 'NOT met'}; facts/host >= 5x: "
              f"{'met' if met_f else 'NOT met'}; client CPU/host <= {CPU_GOAL * 1000:.0f} ms: "
              f"{'met' if met_c else 'NOT met'} -> goal "
              f"{'MET' if met_s and met_f and met_c else 'NOT MET'}")
        print(f"  machine CPU/host (client + the lab hosts' sshd, sudo, commands + kernel + "
              f"anything else running): proofshot {pm * 1000:.0f} ms, ansible {am * 1000:.0f} ms")
    for line in split_lines:
        print(line)
    if was_up:
        print("  (the lab was already up and is left up: python -m tests.lab down)")


if __name__ == "__main__":
    main()
