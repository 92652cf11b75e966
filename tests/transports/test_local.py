"""The local transport: bounded in size and time, binary kept, failures are answers."""

from __future__ import annotations

import asyncio
import time

from proofshot.model.transcript import Query
from proofshot.transports.local import LocalTransport


def run(q: Query, **kw: object) -> object:
    t = LocalTransport("here", **kw)  # type: ignore[arg-type]
    return asyncio.run(t.run(q))


def test_flood_is_cut_and_recorded() -> None:
    q = Query("flood", ("sh", "-c", "yes | head -c 50000000"), max_bytes=100_000)
    a = run(q)
    assert a.truncated and len(a.stdout) == 100_000  # type: ignore[attr-defined]
    assert a.status() == "truncated"  # type: ignore[attr-defined]


def test_stall_times_out_and_is_killed() -> None:
    t0 = time.monotonic()
    a = run(Query("stall", ("sleep", "600"), timeout=1.0))
    # no timing here: the bound only catches a query that was not cut (sleep runs 600 s)
    assert time.monotonic() - t0 < 120
    assert a.timed_out and a.status() == "timeout"  # type: ignore[attr-defined]
    assert "timed out" in a.reason()  # type: ignore[attr-defined]


def test_binary_and_non_utf8_kept_raw_and_recorded_as_base64() -> None:
    a = run(Query("bin", ("sh", "-c", "printf 'ok\\377\\000\\376'")))
    assert a.stdout == b"ok\xff\x00\xfe"  # type: ignore[attr-defined]
    rec = a.to_record()  # type: ignore[attr-defined]
    assert "b64" in rec["stdout"]
    assert a.text.startswith("ok")  # type: ignore[attr-defined]


def test_missing_command_and_failure_are_answers() -> None:
    a = run(Query("nope", ("no-such-command-ps",)))
    assert a.status() == "missing"  # type: ignore[attr-defined]
    b = run(Query("fail", ("sh", "-c", "echo boom >&2; exit 7")))
    assert b.status() == "failed" and "boom" in b.reason()  # type: ignore[attr-defined]
    c = run(Query("denied", ("sh", "-c", "echo 'cat: x: Permission denied' >&2; exit 1")))
    assert c.status() == "refused"  # type: ignore[attr-defined]


def test_stdin_is_passed() -> None:
    t = LocalTransport("here")
    a = asyncio.run(t.run(Query("cat", ("cat",)), stdin=b"hello"))
    assert a.stdout == b"hello"
