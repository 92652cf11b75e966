"""100 replayed network devices scanned at once from one process (the netdev transport).

The replay server (tests/collectors/netdev/replay.py: real recorded sessions of IOS, NX-OS,
ASA, EOS, FortiOS, AOS-CX, VyOS, Junos, RouterOS, OPNsense, pfSense devices) runs in a
subprocess of its own, so that only the client is measured: devices/s, client CPU per device,
peak memory, and the spread of per-device times against the slowest single device scanned
alone. Goal: <= 50 ms client CPU per device; all 100 within 2x the slowest single device.

Oxidized itself cannot run here (no Ruby gems): its documented default (one thread per device,
`threads: 30`) is printed beside ours for context only, not measured.

    python bench/netdev_scale.py [--devices 100] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.collectors.netdev.cases import CASES  # noqa: E402
from tests.collectors.netdev.replay import PASSWORD  # noqa: E402

from proofshot.collectors.netdev.collector import COLLECTOR  # noqa: E402
from proofshot.collectors.netdev.platforms import platform  # noqa: E402
from proofshot.scan.runner import run_target  # noqa: E402
from proofshot.transports.netdev import NetdevTransport  # noqa: E402


async def scan_one(port: int, user: str, plat: str, kh: str) -> tuple[float, str]:
    """One device: connect, log in, learn the prompt, run its commands, build its rows."""
    p = platform(plat)
    assert p is not None
    t = NetdevTransport(user, "127.0.0.1", port, dialect=p.dialect_for_scan(), user=user,
                        password=PASSWORD, known_hosts_path=kh, accept_new_key=True,
                        command_timeout=60, login_timeout=30)
    t0 = time.monotonic()
    res = await run_target(user, "netdev", t, COLLECTOR, {"platform": plat})
    return time.monotonic() - t0, res.status


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=100)
    ap.add_argument("--quick", action="store_true", help="20 devices")
    ap.add_argument("--servers", type=int, default=1,
                    help="replay server processes (the devices' side; not measured)")
    args = ap.parse_args()
    n = 20 if args.quick else args.devices
    names = sorted(CASES)
    if not names:
        sys.exit("no recordings in ../shared/recordings/devices")
    chosen = [names[i % len(names)] for i in range(n)]
    tmp = Path(tempfile.mkdtemp(prefix="netdev-bench-"))
    k = max(1, args.servers)
    # device i is served by server i % k as its user dev<i // k>
    servers = []
    for j in range(k):
        mine = chosen[j::k]
        servers.append(subprocess.Popen(
            [sys.executable, "-m", "tests.collectors.netdev.replay", str(tmp / f"port{j}"),
             *mine], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}))
    try:
        ports = []
        for j in range(k):
            pf = tmp / f"port{j}"
            for _ in range(300):
                if pf.exists() and pf.read_text():
                    break
                time.sleep(0.05)
            ports.append(int(pf.read_text()))
        kh = str(tmp / "known_hosts")

        def where(i: int) -> tuple[int, str]:
            return ports[i % k], f"dev{i // k}"

        async def singles() -> list[float]:
            out = []
            for i, name in enumerate(chosen[:len(names)]):
                dt, _ = await scan_one(*where(i), CASES[name].platform, kh)
                out.append(dt)
            return out

        single = asyncio.run(singles())
        slowest = max(single)

        async def together() -> list[tuple[float, str]]:
            return list(await asyncio.gather(*(scan_one(*where(i), CASES[name].platform, kh)
                                               for i, name in enumerate(chosen))))

        cpu0 = time.process_time()
        t0 = time.monotonic()
        got = asyncio.run(together())
        wall = time.monotonic() - t0
        cpu = time.process_time() - cpu0
    finally:
        for srv in servers:
            srv.terminate()
            srv.wait(10)
    server_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    ok = sum(1 for _, st in got if st == "ok")
    worst = max(dt for dt, _ in got)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"devices: {n} ({len(set(chosen))} distinct recordings), ok: {ok}")
    print(f"wall: {wall:.2f} s -> {n / wall:.1f} devices/s")
    print(f"client CPU: {cpu:.2f} s -> {1000 * cpu / n:.1f} ms per device (goal <= 50 ms)")
    print(f"slowest single device alone: {slowest:.2f} s; slowest of the {n} together: "
          f"{worst:.2f} s = {worst / slowest:.2f}x (goal <= 2x)")
    print(f"peak client memory (RSS): {peak:.0f} MiB")
    print(f"replay servers' CPU (the devices' side, whole run): "
          f"{server_cpu.ru_utime + server_cpu.ru_stime:.2f} s on {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print("Oxidized (context, not measured here): one thread per device, default 'threads: 30'"
          f" -> {n} devices in {-(-n // 30)} waves of up to 30 sessions")


if __name__ == "__main__":
    main()
