"""kill -9 at random moments: the store always verifies and keeps every committed snapshot.
Two writers at once: both succeed and the chain stays linear."""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from proofshot.store.embedded import Store
from proofshot.store.verify import verify_store

ROOT = Path(__file__).resolve().parents[2]


def _writer(store: Path, seed: int, count: int = 1000) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.crash_writer", str(store), str(seed), str(count)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_kill_9_at_random_points(tmp_path: Path) -> None:
    root = tmp_path / "s"
    Store.create(root).close()
    rnd = random.Random(2026)
    committed: list[str] = []
    for trial in range(20):
        proc = _writer(root, trial)
        # kill relative to the writer's progress, not the clock (a slow machine may take more
        # than a second to start Python): after its first commit, at a random moment of the
        # commits that follow
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 300)
        assert ready, f"trial {trial}: no commit within 300 s"
        first = proc.stdout.readline()
        time.sleep(rnd.uniform(0.0, 0.6))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        committed += (first + out).split()
        store = Store.open(root)
        rep = verify_store(store)
        assert rep.ok, f"trial {trial}: {rep.problems}"
        have = {s.id for s in store.snapshots()}
        missing = [c for c in committed if c not in have]
        assert not missing, f"trial {trial}: lost committed snapshots {missing}"
        store.close()
    assert len(committed) >= 10  # the kills really landed between and inside commits


def test_two_writers_at_once(tmp_path: Path) -> None:
    root = tmp_path / "s"
    Store.create(root).close()
    procs = [_writer(root, 100 + i, count=6) for i in range(2)]
    outs = [p.communicate()[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    store = Store.open(root)
    rep = verify_store(store)
    assert rep.ok, rep.problems
    seqs = [s.seq for s in store.snapshots()]
    assert seqs == list(range(1, 13))
    assert {s.id for s in store.snapshots()} == set(outs[0]) | set(outs[1])
