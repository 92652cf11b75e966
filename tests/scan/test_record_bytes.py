"""Transcript records are written by msgspec (record_bytes); the bytes are canonical()'s, which
every stored transcript id and answer hmac was computed over."""

from __future__ import annotations

from proofshot.model.canonical import canonical
from proofshot.model.transcript import Answer
from proofshot.scan.record import record_bytes


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
