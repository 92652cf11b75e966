"""Queries and answers: what a collector asked a target and what came back, byte for byte.

A Query is declared data (id, argv, whether it needs privilege). An Answer keeps the raw bytes,
exit code, duration and whether it was cut (size) or timed out. Answers are the transcript; rows
are derived from them by pure parsers, so a snapshot's rows can be re-derived and checked.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Literal

QueryStatus = Literal["ok", "failed", "refused", "timeout", "missing", "truncated", "error"]

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Query:
    """One declared, read-only question to a target.

    argv is run without a shell unless it is ("sh", "-c", SCRIPT); a script is still static text
    declared here (never built from target answers), so the command set is fixed and reviewable.
    """

    id: str
    argv: tuple[str, ...]
    doc: str = ""
    privileged: bool = False
    ok_codes: tuple[int, ...] = (0,)
    # exit codes meaning "this source does not exist on this platform" (e.g. no DMI in a VM):
    # the table is then unsupported here, which is coverage, not a failure
    absent_codes: tuple[int, ...] = ()
    timeout: float | None = None
    max_bytes: int | None = None
    # small and quick: may share one process/channel with other such queries (transports.batch);
    # big or slow ones (and any with their own timeout) always run alone
    batch: bool = True

    def to_data(self) -> dict[str, Any]:
        return {"id": self.id, "argv": list(self.argv), "privileged": self.privileged}


@dataclass
class Answer:
    query: str
    argv: list[str]
    exit_code: int | None
    stdout: bytes
    stderr: bytes
    duration: float
    truncated: bool = False
    timed_out: bool = False
    error: str | None = None
    sudo: bool = False
    stdin: bytes | None = field(default=None, repr=False)
    # ran with other small queries under the static framing script of transports/batch.py
    # (its own process, argv and empty stdin; only the framing shell differs)
    batched: bool = False

    @property
    def text(self) -> str:
        """stdout decoded leniently; undecodable bytes become U+FFFD (and were recorded raw)."""
        return self.stdout.decode("utf-8", errors="replace")

    def status(self, ok_codes: tuple[int, ...] = (0,)) -> QueryStatus:
        if self.error == "missing":
            return "missing"
        if self.error == "refused":
            return "refused"
        if self.timed_out:
            return "timeout"
        if self.error:
            return "error"
        if self.truncated:
            return "truncated"
        if self.exit_code not in ok_codes:
            err = self.stderr.lower()
            if b"permission denied" in err or b"not permitted" in err or b"a password is required" in err:
                return "refused"
            return "failed"
        return "ok"

    def reason(self) -> str:
        """One line a person can read: why the query did not give a full answer."""
        st = self.status()
        if st == "ok":
            return ""
        tail = self.stderr.decode("utf-8", errors="replace").strip().splitlines()
        last = tail[-1][:200] if tail else ""
        if st == "timeout":
            return f"timed out after {self.duration:.1f}s"
        if st == "truncated":
            return f"answer cut at {len(self.stdout)} bytes"
        if st == "missing":
            return f"command not found: {self.argv[0] if self.argv else '?'}"
        detail = self.error if self.error and self.error not in ("refused",) else last
        return f"{st} (exit {self.exit_code}): {detail}".strip()

    def to_record(self) -> dict[str, Any]:
        """JSON-shaped record for the transcript object; bytes that are not UTF-8 go as base64."""
        return {
            "query": self.query,
            "argv": self.argv,
            "exit": self.exit_code,
            "stdout": _enc(self.stdout),
            "stderr": _enc(self.stderr),
            "stdin": _enc(self.stdin) if self.stdin is not None else None,
            "duration_ms": round(self.duration * 1000),
            "truncated": self.truncated,
            "timed_out": self.timed_out,
            "error": self.error,
            "sudo": self.sudo,
            **({"batched": True} if self.batched else {}),
        }

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Answer:
        return cls(
            query=rec["query"],
            argv=list(rec["argv"]),
            exit_code=rec["exit"],
            stdout=_dec(rec["stdout"]),
            stderr=_dec(rec["stderr"]),
            duration=rec["duration_ms"] / 1000,
            truncated=rec["truncated"],
            timed_out=rec["timed_out"],
            error=rec["error"],
            sudo=rec.get("sudo", False),
            batched=rec.get("batched", False),
            stdin=_dec(rec["stdin"]) if rec.get("stdin") is not None else None,
        )


def _enc(data: bytes) -> dict[str, str]:
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"b64": base64.b64encode(data).decode("ascii")}


def _dec(rec: dict[str, str]) -> bytes:
    if "text" in rec:
        return rec["text"].encode("utf-8")
    return base64.b64decode(rec["b64"])
