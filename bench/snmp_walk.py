"""Benchmark: proofshot's SNMP walk vs Net-SNMP `snmpbulkwalk` on the same snmpd and tree.

    python bench/snmp_walk.py [--agents 8] [--rounds 3]

Starts N snmpd on 127.0.0.1 (ports 11261..), then measures OIDs/s for
  1. `snmpbulkwalk -Cr50` of the whole tree (.1.3.6.1) on one agent (reference),
  2. proofshot's SNMPTransport walking the same tree (one subprocess, parsed by parsers.py),
  3. the full collector plan (18 declared subtrees) against one agent,
  4. the same walk against N agents at once (scaling),
and prints the ratios. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.collectors.snmp.agents import Snmpd, client_env

from proofshot.collectors.snmp.collector import COLLECTOR
from proofshot.collectors.snmp.parsers import parse_walk
from proofshot.model.transcript import Query
from proofshot.scan.runner import run_target
from proofshot.transports.snmp import SNMPAuth, SNMPTransport

TREE = ".1.3.6.1"
COMMUNITY = "bench-comm-01"


def ref_walk(tmp: Path, port: int) -> tuple[int, float]:
    t0 = time.perf_counter()
    r = subprocess.run(["snmpbulkwalk", "-v2c", "-c", COMMUNITY, "-On", "-Oe", "-Ox", "-Cr50",
                        f"127.0.0.1:{port}", TREE], capture_output=True, env=client_env(tmp),
                       check=True)
    dt = time.perf_counter() - t0
    return sum(1 for line in r.stdout.split(b"\n") if line.startswith(b".")), dt


async def ps_walk(port: int) -> tuple[int, float]:
    t0 = time.perf_counter()
    tr = SNMPTransport("bench", host="127.0.0.1", port=port,
                       auth=SNMPAuth(version="2c", community=COMMUNITY))
    await tr.open()
    try:
        ans = await tr.run(Query("tree", ("snmpbulkwalk", TREE)))
    finally:
        await tr.close()
    n = len(parse_walk(ans.text).varbinds)
    return n, time.perf_counter() - t0


async def ps_plan(port: int) -> tuple[int, float]:
    t0 = time.perf_counter()
    tr = SNMPTransport("bench", host="127.0.0.1", port=port,
                       auth=SNMPAuth(version="2c", community=COMMUNITY))
    res = await run_target("bench", "snmp", tr, COLLECTOR, {})
    n = sum(len(parse_walk(a.text).varbinds) for a in res.answers.values())
    return n, time.perf_counter() - t0


async def ps_many(ports: list[int]) -> tuple[int, float]:
    t0 = time.perf_counter()
    got = await asyncio.gather(*(ps_walk(p) for p in ports))
    return sum(n for n, _ in got), time.perf_counter() - t0


def best(results: list[tuple[int, float]]) -> tuple[int, float]:
    return max(results, key=lambda r: r[0] / r[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ps-bench-snmp-") as d:
        tmp = Path(d)
        agents = []
        try:
            for i in range(args.agents):
                (tmp / f"a{i}").mkdir()
                agents.append(Snmpd(tmp / f"a{i}", 11261 + i, community=COMMUNITY).start())
            ports = [a.port for a in agents]
            for p in ports:  # warm the agents' caches (hrSWInstalled etc.)
                ref_walk(tmp, p)
            ref = best([ref_walk(tmp, ports[0]) for _ in range(args.rounds)])
            one = best([asyncio.run(ps_walk(ports[0])) for _ in range(args.rounds)])
            plan = best([asyncio.run(ps_plan(ports[0])) for _ in range(args.rounds)])
            refs_many = []
            for _ in range(args.rounds):  # reference: N snmpbulkwalk processes at once
                t0 = time.perf_counter()
                procs = [subprocess.Popen(
                    ["snmpbulkwalk", "-v2c", "-c", COMMUNITY, "-On", "-Oe", "-Ox", "-Cr50",
                     f"127.0.0.1:{p}", TREE], stdout=subprocess.PIPE, env=client_env(tmp))
                    for p in ports]
                n = sum(sum(1 for line in pr.communicate()[0].split(b"\n")
                            if line.startswith(b".")) for pr in procs)
                refs_many.append((n, time.perf_counter() - t0))
            ref_many = best(refs_many)
            many = best([asyncio.run(ps_many(ports)) for _ in range(args.rounds)])
        finally:
            for a in agents:
                a.stop()

    def rate(r: tuple[int, float]) -> float:
        return r[0] / r[1]

    print(f"tree {TREE}, {ref[0]} OIDs per agent, best of {args.rounds}")
    print(f"snmpbulkwalk, 1 agent        : {rate(ref):9.0f} OIDs/s ({ref[1]*1000:.0f} ms)")
    print(f"proofshot walk, 1 agent      : {rate(one):9.0f} OIDs/s ({one[1]*1000:.0f} ms)"
          f"  ratio {rate(one) / rate(ref):.2f}x (incl. open/probe and parsing)")
    print(f"proofshot collector plan     : {rate(plan):9.0f} OIDs/s ({plan[1]*1000:.0f} ms, "
          f"{plan[0]} OIDs in 18 subtrees)  ratio {rate(plan) / rate(ref):.2f}x")
    print(f"snmpbulkwalk, {args.agents} agents       : {rate(ref_many):9.0f} OIDs/s "
          f"({ref_many[1]*1000:.0f} ms)  scaling {rate(ref_many) / rate(ref):.2f}x")
    print(f"proofshot walk, {args.agents} agents     : {rate(many):9.0f} OIDs/s "
          f"({many[1]*1000:.0f} ms)  scaling {rate(many) / rate(one):.2f}x of 1 agent, "
          f"ratio {rate(many) / rate(ref_many):.2f}x of snmpbulkwalk x{args.agents}")


if __name__ == "__main__":
    main()
