"""Several queries in one framing shell give each query the answer it gets alone."""

from __future__ import annotations

import asyncio

from proofshot.model.transcript import Query
from proofshot.transports.local import LocalTransport

QUERIES = [
    Query("nl", ("sh", "-c", "printf 'a\\nb'; printf 'err' >&2; exit 3")),
    Query("nul", ("sh", "-c", "printf 'x\\000y\\377'", "sh", "--ps-batch-0 0")),
    Query("quote", ("printf", "%s|", "a b", "$HOME", "'\"", "")),
    Query("empty", ("true",)),
    Query("missing", ("no-such-command-proofshot",)),
]


# What each query answers, written by hand from the commands (exit code, stdout, stderr,
# error): no shell reads the argv, so $HOME and the quotes stay literal.
BY_HAND = {
    "nl": (3, b"a\nb", b"err", None),
    "nul": (0, b"x\x00y\xff", b"", None),
    "quote": (0, b"a b|$HOME|'\"||", b"", None),
    "empty": (0, b"", b"", None),
    "missing": (None, b"", b"", "missing"),
}


def test_batch_answers_equal_single_runs() -> None:
    t = LocalTransport()

    async def both() -> tuple[list[object], list[object]]:
        many = await t.run_batch(QUERIES)
        one = [await t.run(q) for q in QUERIES]
        return list(many), list(one)

    many, one = asyncio.run(both())
    for got, want in zip(many, one, strict=True):
        assert got is not None
        assert (got.exit_code, got.stdout, got.stderr, got.error) == BY_HAND[got.query]  # type: ignore[attr-defined]
        for attr in ("query", "argv", "exit_code", "stdout", "stderr", "error", "timed_out"):
            assert getattr(got, attr) == getattr(want, attr), attr
        # the transcript says how it ran; a single run says nothing of batches
        assert got.to_record().get("batched") is (None if got.error else True)  # type: ignore[attr-defined]
        assert "batched" not in want.to_record()  # type: ignore[attr-defined]


def test_batch_timeout_cuts_only_the_slow_query() -> None:
    t = LocalTransport()
    qs = [Query("fast", ("echo", "hi")), Query("slow", ("sleep", "5"), timeout=0.3),
          Query("after", ("echo", "later"))]
    got = asyncio.run(t.run_batch(qs))
    assert got[0] is not None and got[0].stdout == b"hi\n"
    assert got[1] is not None and got[1].timed_out and got[1].exit_code is None
    assert got[2] is None  # the caller runs it alone
