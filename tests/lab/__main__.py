"""`python -m tests.lab up N | down | status | exec HOST CMD...` (repo root, as root)."""

from __future__ import annotations

import argparse
import json
import sys
import time

from tests.lab.lab import Lab, LabError, unavailable_reason


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.lab", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="bring hosts psl-h1..psl-hN up (idempotent)")
    up.add_argument("n", type=int, nargs="?", default=3)
    sub.add_parser("down", help="tear everything down, including leftovers of a killed run")
    sub.add_parser("status", help="print the lab's state as JSON")
    ex = sub.add_parser("exec", help="run a command inside a host as root")
    ex.add_argument("host")
    ex.add_argument("argv", nargs=argparse.REMAINDER)
    args = ap.parse_args(argv)

    reason = unavailable_reason()
    if reason:
        print(f"lab unavailable: {reason}", file=sys.stderr)
        return 2
    lab = Lab()
    try:
        if args.cmd == "up":
            t0 = time.monotonic()
            try:
                hosts = lab.up(args.n)
            except BaseException:
                lab.down()
                raise
            for h in hosts:
                print(f"{h.name}\t{h.ip}\tpid {h.pid}")
            print(f"up: {len(hosts)} hosts in {time.monotonic() - t0:.2f}s; "
                  f"ssh -i {lab.client_key} audit@{hosts[0].ip}", file=sys.stderr)
        elif args.cmd == "down":
            lab.down()
        elif args.cmd == "status":
            print(json.dumps(lab.status(), indent=2))
        elif args.cmd == "exec":
            proc = lab.host(args.host).exec(args.argv)
            sys.stdout.buffer.write(proc.stdout)
            sys.stderr.buffer.write(proc.stderr)
            return proc.returncode
    except (LabError, KeyError) as exc:
        print(f"lab: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
