"""pytest plugin: the session-scoped `lab` fixture (hosts up once, always torn down).

PROOFSHOT_LAB_HOSTS (default 3) sets the number of hosts; PROOFSHOT_LAB_KEEP=1 leaves the lab up
after the session (tear it down with `python -m tests.lab down`). A lab that was already up and
healthy before the session (started with `python -m tests.lab up`) is reused and left up.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.lab.lab import Lab, unavailable_reason


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"lab unavailable: {reason}")
    n = int(os.environ.get("PROOFSHOT_LAB_HOSTS", "3"))
    the_lab = Lab()
    preexisting = len(the_lab.hosts) >= n and all(h.sshd_up(0.3) for h in the_lab.hosts[:n])
    try:
        the_lab.up(n)
        yield the_lab
    finally:
        if not preexisting and os.environ.get("PROOFSHOT_LAB_KEEP") != "1":
            the_lab.down()
