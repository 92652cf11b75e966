"""Transcript records are written by msgspec (record_bytes); the bytes are canonical()'s, which
every stored transcript id and answer hmac was computed over."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import pytest

from proofshot.model.canonical import canonical
from proofshot.model.transcript import Answer
from proofshot.scan.record import _memo_key, mask_answer, record_bytes, transcript_record
from proofshot.store.keys import Keys, create_keys


def _answers() -> list[Answer]:
    every_char = "".join(chr(c) for c in range(0x250)) + "\u2028\u2029\ufeff\U0001f600"
    texts = [every_char.encode("utf-8"), b"plain\n", b"", b"\xff\xfe not utf-8 \x00",
             b"quote \" backslash \\ tab \t cr \r nul \x00 del \x7f",
             ("x" * 70_000 + "\u00e9").encode()]
    out = []
    for i, t in enumerate(texts):
        out.append(Answer(f"q{i}", ["sh", "-c", "printf '%s' \"\u00e9\"", "\x01"], 0, t,
                          t[::-1], 0.1234 * i, truncated=bool(i % 2), sudo=True,
                          stdin=t if i % 3 == 0 else None, batched=i == 2, error=None))
    out.append(Answer("cut", ["cat"], None, b"\x00" * 10, b"", 1.5, truncated=True,
                      whole={"bytes": 99, "sha256": "ab" * 32, "complete": False}))
    out.append(Answer("neg", ["x"], -1, b"", b"err", 0.0, timed_out=True, error="timed out"))
    return out


def test_record_bytes_are_canonical() -> None:
    for ans in _answers():
        rec = ans.to_record()
        assert record_bytes(rec) == canonical(rec), ans.query


def test_a_float_in_a_record_takes_the_reference_encoder() -> None:
    for x in (1e16, 5e-05, 0.1, 1e300, -0.0):
        rec = {"duration": x, "nested": [{"v": x}]}
        assert record_bytes(rec) == canonical(rec), x


def _hasher(keys: Keys, as_text: bool) -> Callable[[str], str]:
    """The workspace's own keyed hash, or a plain function that takes text only."""
    return keys.keyed_hash if not as_text else (lambda v: keys.keyed_hash(v))


@pytest.mark.parametrize("as_text", [False, True])
def test_masked_transcripts_and_hmacs_are_the_reference_bytes(tmp_path: Path,
                                                              as_text: bool) -> None:
    """mask_answer keeps the raw record's bytes for an answer masking left as it was, and
    hashes them without a str round trip: the stored transcript is canonical() of the masked
    answer and the hmac the keyed hash of canonical() of the raw one, masked or not, with the
    workspace's Keys or any text hasher."""
    create_keys(tmp_path / "keys")
    keys = Keys(tmp_path / "keys")
    kh = _hasher(keys, as_text)
    secret = Answer("s", ["cat"], 0, b"a\npassword=hunter2\n\x00x", b"token: t0k3n", 0.5,
                    stdin=b"key s3")
    for ans in [*_answers(), secret]:
        masked, hmac = mask_answer(ans, kh)
        assert hmac == keys.keyed_hash(canonical(ans.to_record()).decode()), ans.query
        want = canonical(masked.to_record())
        assert transcript_record(masked, _no_put) == want, ans.query
        assert transcript_record(masked, _no_put) == want, ans.query  # kept once, not stale
    masked, _ = mask_answer(secret, kh)
    assert b"hunter2" not in transcript_record(masked, _no_put)
    for ans in _answers():  # a collector's own rules that return a copy of what they got
        masked, hmac = mask_answer(ans, kh, lambda data, _: bytes(bytearray(data)))
        assert transcript_record(masked, _no_put) == canonical(masked.to_record())
        assert hmac == keys.keyed_hash(canonical(ans.to_record()).decode())


def _no_put(data: bytes) -> str:
    raise AssertionError("no streamed body here")


@pytest.mark.parametrize("change", [
    lambda a: setattr(a, "exit_code", 1), lambda a: a.argv.append("x"),
    lambda a: setattr(a, "stdout", a.stdout + b"more"), lambda a: setattr(a, "duration", 9.0),
    lambda a: setattr(a, "whole", {"bytes": 1, "sha256": "0" * 64, "complete": True}),
    lambda a: setattr(a, "stderr", b"late"), lambda a: setattr(a, "error", "boom"),
    lambda a: setattr(a, "stdin", b"in"), lambda a: setattr(a, "batched", True),
])
def test_a_masked_answer_changed_afterwards_is_encoded_anew(
        change: Callable[[Answer], None]) -> None:
    """The raw record's bytes kept by mask_answer are used only for the Answer as it was:
    after any change to it the transcript is that of the changed answer."""
    masked, _ = mask_answer(Answer("q", ["ls"], 0, b"plain\n" * 1000, b"", 0.25), _kh)
    change(masked)
    assert transcript_record(masked, _no_put) == canonical(masked.to_record())


def test_every_answer_field_is_watched() -> None:
    """A field added to Answer is part of what the kept record bytes are checked against."""
    a = Answer("q", ["ls"], 0, b"x", b"", 0.25)
    assert len(_memo_key(a)) == len(fields(Answer))


def _kh(v: str) -> str:
    return "hmac:" + v[:8]


def test_kept_record_bytes_go_with_their_answer() -> None:
    """The raw record's bytes kept for a masked answer are dropped once used, or when the
    answer is gone unused (a scan that fails before storing holds no megabytes)."""
    import gc

    from proofshot.scan import record

    before = len(record._MEMOS)
    masked, _ = mask_answer(Answer("q", ["ls"], 0, b"x" * 100, b"", 0.25), _kh)
    assert len(record._MEMOS) == before + 1
    transcript_record(masked, _no_put)
    assert len(record._MEMOS) == before
    masked, _ = mask_answer(Answer("q", ["ls"], 0, b"y" * 100, b"", 0.25), _kh)
    assert len(record._MEMOS) == before + 1
    del masked
    gc.collect()
    assert len(record._MEMOS) == before
