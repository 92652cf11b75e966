"""`proofshot capture`: every target's raw answers, masked as in the store, into a folder.

The targets are read exactly as a scan reads them (same transports, collectors, masking with
the workspace's keyed hash); instead of a snapshot, each target's answers go to OUT/TARGET in
the format transports/replay.py reads (`type: replay, path: OUT/TARGET`). The rows a replay
gives are the rows this capture's own scan built: both come from the same masked answers
through the same parsers.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from proofshot.model.errors import BadInput
from proofshot.scan.runner import TargetResult
from proofshot.scan.scope import Scope
from proofshot.scan.service import DEFAULT_CONCURRENCY, Progress, _scan_all
from proofshot.scan.targets import options_for, preflight
from proofshot.store.api import EvidenceStore
from proofshot.transports.replay import FORMAT, META


def capture(store: EvidenceStore, scope: Scope, out: str | Path, *, where: str = "scope",
            concurrency: int = DEFAULT_CONCURRENCY,
            on_target_done: Progress | None = None) -> list[TargetResult]:
    """Read every target and write OUT/TARGET per target; the results as the scan built them.
    An existing capture of a target is replaced; other files in OUT are left alone."""
    root = Path(out).expanduser()
    if root.exists() and not root.is_dir():
        raise BadInput(f"--out {out}: exists and is not a folder")
    creds = {t.name: preflight(t, where) for t in scope.targets}
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"capture-{os.getpid()}-", suffix=".tmp",
                                 dir=store.tmp_dir))
    try:
        results = asyncio.run(_scan_all(store, scope, creds, concurrency, on_target_done, work))
        by_name = {t.name: t for t in scope.targets}
        for res in results:
            write_capture(root / res.name, res, options_for(by_name[res.name]))
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_capture(folder: Path, res: TargetResult, options: dict[str, Any]) -> None:
    """One target's capture (replaces the folder's previous capture atomically enough: the
    new one is written beside it and renamed into place)."""
    tmp = folder.with_name(folder.name + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "answers").mkdir(parents=True)
    queries = []
    for i, (qid, ans) in enumerate(sorted(res.answers.items()), start=1):
        rec = ans.to_record()
        out_name = f"{i:04d}.out"
        with (tmp / "answers" / out_name).open("wb") as fh:
            if ans.body is not None:
                for piece in ans.body.pieces():
                    fh.write(piece)
            else:
                fh.write(ans.stdout)
        rec["stdout"] = {"file": out_name, "bytes": ans.size}
        (tmp / "answers" / f"{i:04d}.json").write_text(
            json.dumps(rec, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
        queries.append({"id": qid, "argv": list(ans.argv), "record": f"answers/{i:04d}.json"})
    opts = {k: v for k, v in options.items() if k not in ("name",)}
    meta = {
        "format": FORMAT,
        "target": res.name,
        "type": opts.get("type", res.type),
        "collector": res.collector,
        "collector_version": res.collector_version,
        "platform": opts.get("platform") or ("windows" if res.collector == "windows"
                                             else res.collector),
        "options": opts,
        "status": res.status if res.status in ("unreachable", "auth-failed",
                                               "host-key-changed") else "ok",
        "reason": res.reason,
        "facts": res.facts,
        "captured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(res.started or time.time())),
        "queries": queries,
    }
    (tmp / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True),
                            encoding="utf-8")
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    tmp.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
