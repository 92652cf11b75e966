"""Run the Linux collector's plan on this machine and save each answer as a fixture.

    python tests/collectors/linux/capture.py CASE [--files /etc ...]

writes tests/collectors/linux/fixtures/CASE/<query_id>.out (stdout) and meta.json (exit codes,
stderr tail, argv) so parser tests can replay real answers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

from proofshot.collectors.base import Plan
from proofshot.collectors.linux import COLLECTOR
from proofshot.model.transcript import Answer
from proofshot.transports.local import LocalTransport

FIXTURES = Path(__file__).parent / "fixtures"


async def run_plan(plan: Plan, transport: Any, concurrency: int = 8) -> dict[str, Answer]:
    """Run every step (they are independent) with bounded concurrency."""
    sem = asyncio.Semaphore(concurrency)

    async def one(step: Any) -> Answer:
        async with sem:
            answer: Answer = await transport.run(step.query)
            return answer

    answers = await asyncio.gather(*(one(s) for s in plan.steps))
    return {a.query: a for a in answers}


def capture(case: str, options: dict[str, Any]) -> float:
    plan = COLLECTOR.plan(options)
    start = time.monotonic()
    answers = asyncio.run(run_plan(plan, LocalTransport()))
    took = time.monotonic() - start
    out = FIXTURES / case
    out.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {"options": options, "answers": {}}
    for qid, a in sorted(answers.items()):
        (out / f"{qid}.out").write_bytes(a.stdout)
        meta["answers"][qid] = {"exit": a.exit_code, "error": a.error,
                                "stderr": a.stderr.decode("utf-8", "replace")[-2000:],
                                "argv": a.argv}
    (out / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("--files", nargs="+", default=["/etc"])
    args = ap.parse_args()
    took = capture(args.case, {"files": args.files})
    print(f"captured {args.case} in {took:.2f}s")


if __name__ == "__main__":
    main()
