"""Commits synthetic snapshots in a loop, printing each id once committed (for kill -9 tests)."""

from __future__ import annotations

import random
import sys

from proofshot.store.embedded import Store
from tests.synth import commit, row


def main() -> None:
    store = Store.open(sys.argv[1])
    seed = int(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    rnd = random.Random(seed)
    for n in range(count):
        rows = [row(i, name=f"n{rnd.randrange(50)}") for i in range(rnd.randrange(500, 4000))]
        sid = commit(store, f"w{seed}-{n}", {"h": {"items": rows}})
        print(sid, flush=True)


if __name__ == "__main__":
    main()
