"""The web UI under load: 50 concurrent clients on loopback against `proofshot serve`, beside
`proofshot diff --json` for the same diff.

    python bench/web_load.py [--clients 50] [--seconds 30] [--changes 10000] [--quick]

A store is written in a temporary directory (tests/synth: two snapshots whose diff has
--changes changed rows, each with a changed line column, plus a target of 20,000 rows).
`proofshot serve --port 0` starts on 127.0.0.1 (nothing else is contacted); one request warms
the diff (the server keeps a computed diff by snapshot ids). Then --clients clients, each with
its own keep-alive connection, request in turn random pages of the diff page
(/diff/A/B?page=N, 100 changes a page) and the target page (/targets/NAME) for --seconds
(a small keep-alive HTTP/1.1 client on asyncio streams, so the generator leaves the CPU to
the server)
(bounded: the run stops by itself). Printed: p50/p95/max latency per page kind, requests/s,
errors (must be 0), the server's peak RSS; and the CLI's wall time for `proofshot diff A B
--json` (median of 3), with the ratio web p95 / CLI. Goal: p95 under 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_store(root: Path, changes: int) -> None:
    from tests.synth import commit, row

    from proofshot.store.embedded import Store

    st = Store.create(root)
    commit(st, "before", {"app": {"items": [row(i, text=f"port={i}\nmode=a\n")
                                            for i in range(changes)]},
                          "web1": {"items": [row(i) for i in range(20_000)]}})
    commit(st, "after", {"app": {"items": [row(i, name=f"renamed{i}", text=f"port={i}\nmode=b\n")
                                           for i in range(changes)]},
                         "web1": {"items": [row(i) for i in range(20_000)]}})
    st.close()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


class Conn:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams: the load generator shares the
    two cores with the server, so it must cost little per request (httpx costs ~10x more)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookie = ""
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        cookie = f"Cookie: {self.cookie}\r\n" if self.cookie else ""
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{cookie}\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers.setdefault(k.strip().lower(), v.strip())
        if "set-cookie" in headers:
            self.cookie = headers["set-cookie"].split(";", 1)[0]
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                body += await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return status, headers, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def load(base: str, token: str, clients: int, seconds: float, pages: int
               ) -> dict[str, list[float] | int]:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    lat: dict[str, list[float]] = {"diff": [], "target": []}
    errors = 0
    deadline = time.monotonic() + seconds

    async def one(n: int) -> None:
        nonlocal errors
        rnd = random.Random(n)
        c = Conn(host, int(port))
        try:
            status, _h, _b = await c.get(f"/?token={token}")
            if status != 303 or not c.cookie:
                errors += 1
                return
            i = n
            while time.monotonic() < deadline:
                kind = "diff" if i % 2 == 0 else "target"
                path = (f"/diff/before/after?page={rnd.randint(1, pages)}" if kind == "diff"
                        else "/targets/web1")
                t0 = time.perf_counter()
                try:
                    status, _h, body = await c.get(path)
                    ok = status == 200 and len(body) > 1000
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    ok = False
                    c.close()
                    c = Conn(host, int(port))
                lat[kind].append(time.perf_counter() - t0)
                if not ok:
                    errors += 1
                i += 1
        finally:
            c.close()

    await asyncio.gather(*(one(n) for n in range(clients)))
    return {"diff": lat["diff"], "target": lat["target"], "errors": errors}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--changes", type=int, default=10_000)
    ap.add_argument("--quick", action="store_true", help="10 clients, 5 s, 2,000 changes")
    args = ap.parse_args()
    if args.quick:
        args.clients, args.seconds, args.changes = 10, 5.0, 2_000
    args.seconds = min(args.seconds, 120.0)

    with tempfile.TemporaryDirectory(prefix="proofshot-web-load-") as tmp:
        store = Path(tmp) / "store"
        t0 = time.monotonic()
        make_store(store, args.changes)
        print(f"store with a diff of {args.changes:,} changes written in "
              f"{time.monotonic() - t0:.1f}s", file=sys.stderr)

        cli_times = []
        for _ in range(3):
            t0 = time.perf_counter()
            out = subprocess.run([sys.executable, "-m", "proofshot", "diff", "before", "after",
                                  "--json", "--store", str(store)], capture_output=True,
                                 check=True)
            cli_times.append(time.perf_counter() - t0)
        assert len(json.loads(out.stdout)["changes"]) == args.changes
        cli = statistics.median(cli_times)

        proc = subprocess.Popen([sys.executable, "-m", "proofshot", "serve", "--store",
                                 str(store), "--port", "0"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip()
            base, token = url.split("/?token=")
            assert base.startswith("http://127.0.0.1:")
            import httpx

            t0 = time.perf_counter()
            with httpx.Client(base_url=base, timeout=300) as c:
                c.get(f"/?token={token}")
                first = c.get("/diff/before/after")
                assert first.status_code == 200, first.status_code
            cold = time.perf_counter() - t0
            pages = max(1, (args.changes + 99) // 100)
            t0 = time.monotonic()
            cpu0 = cpu_seconds(proc.pid)
            res = asyncio.run(load(base, token, args.clients, args.seconds, pages))
            wall = time.monotonic() - t0
            cpu = cpu_seconds(proc.pid) - cpu0
            rss = peak_rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    diff_l, tgt_l = res["diff"], res["target"]
    assert isinstance(diff_l, list) and isinstance(tgt_l, list)
    both = diff_l + tgt_l
    ms = 1000.0
    summary = {
        "clients": args.clients, "seconds": round(wall, 1), "changes": args.changes,
        "requests": len(both), "rps": round(len(both) / wall, 1), "errors": res["errors"],
        "diff_page_p50_ms": round(pct(diff_l, 50) * ms, 1),
        "diff_page_p95_ms": round(pct(diff_l, 95) * ms, 1),
        "target_page_p50_ms": round(pct(tgt_l, 50) * ms, 1),
        "target_page_p95_ms": round(pct(tgt_l, 95) * ms, 1),
        "all_p95_ms": round(pct(both, 95) * ms, 1), "max_ms": round(max(both) * ms, 1),
        "server_cpu_ms_per_request": round(cpu / max(1, len(both)) * ms, 2),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "first_diff_page_cold_s": round(cold, 2), "server_peak_rss_mb": round(rss, 1),
        "cli_diff_json_s": round(cli, 2),
    }
    print(json.dumps(summary))
    print(f"web: {summary['requests']} requests in {summary['seconds']}s from {args.clients} "
          f"clients, {summary['errors']} errors; diff page p50 {summary['diff_page_p50_ms']} ms "
          f"p95 {summary['diff_page_p95_ms']} ms; target page p50 "
          f"{summary['target_page_p50_ms']} ms p95 {summary['target_page_p95_ms']} ms; "
          f"server peak RSS {summary['server_peak_rss_mb']} MB, server CPU "
          f"{summary['server_cpu_ms_per_request']} ms per request (machine load average "
          f"{summary['load_average_1min']} on {os.cpu_count()} cores)")
    print(f"cli: proofshot diff --json {summary['cli_diff_json_s']} s; first (cold) diff page "
          f"{summary['first_diff_page_cold_s']} s")
    print(f"ratio web p95 (all pages) / cli diff --json: "
          f"{summary['all_p95_ms'] / ms / cli:.3f}  (goal: p95 < 300 ms: "
          f"{'met' if summary['all_p95_ms'] < 300 else 'NOT met'})")


if __name__ == "__main__":
    main()
