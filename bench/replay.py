"""Replay against the live scan it recorded: `proofshot capture` of this machine once, then
the same target scanned directly and scanned back from the capture (`type: replay`), side by
side in one run, each into a fresh store, best of --runs.

    python -m bench.replay [--runs 3] [--files /etc]

Prints one JSON object: seconds of each, and the ratio direct / replay (how much faster a
test or a demo runs on a recording than on the machine itself)."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from proofshot.scan.capture import capture
from proofshot.scan.scope import LocalTarget, ReplayTarget, Scope
from proofshot.scan.service import scan
from proofshot.store.embedded import Store


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--files", default="/etc")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        local = LocalTarget(name="here", type="local", files=[args.files])
        capture(Store.create(root / "capstore"), Scope(targets=[local]), root / "cap")
        best = {"direct": float("inf"), "replay": float("inf")}
        for i in range(args.runs):
            for kind in ("direct", "replay"):
                target = local if kind == "direct" else ReplayTarget(
                    name="here", type="replay", path=str(root / "cap" / "here"))
                store = Store.create(root / f"{kind}{i}")
                t0 = time.perf_counter()
                scan(store, Scope(targets=[target]), kind)
                best[kind] = min(best[kind], time.perf_counter() - t0)
    print(json.dumps({"files": args.files, "direct_s": round(best["direct"], 3),
                      "replay_s": round(best["replay"], 3),
                      "ratio_direct_over_replay": round(best["direct"] / best["replay"], 2)}))


if __name__ == "__main__":
    main()
