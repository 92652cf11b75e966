"""Queries and answers: what a collector asked a target and what came back, byte for byte.

A Query is declared data (id, argv, whether it needs privilege). An Answer keeps the raw bytes,
exit code, duration and whether it was cut (size) or timed out. Answers are the transcript; rows
are derived from them by pure parsers, so a snapshot's rows can be re-derived and checked.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

QueryStatus = Literal["ok", "failed", "refused", "timeout", "missing", "truncated", "error",
                      "absent", "garbage", "implausible"]
# "absent": the source does not exist on this target (rpm on Debian, no systemd): not applicable,
# quiet. "garbage": the answer does not parse as its declared format. "implausible": the tool
# said "ok" but the answer cannot be right (an empty package list where dpkg is installed).
FAILED_STATUSES = frozenset({"failed", "refused", "timeout", "missing", "truncated", "error",
                             "garbage", "implausible"})

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# What a command transport (local, SSH) keeps of one answer; past it the answer is cut (its
# table is then unreadable), and only the size and SHA-256 of the whole answer are recorded.
DEFAULT_KEEP_BYTES = 16 * 1024 * 1024
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Format:
    """The declared shape of a tool's answer, checked before any parser sees it.

    `utf8`: the bytes must decode as UTF-8. `json`: the whole answer is one JSON document (of
    `json_type` when given). `line`: every non-empty line matches this regex (fullmatch), after
    the first `skip` lines; `header`: the first line matches it. `sample`: only so many lines
    are checked (a big answer's cost stays small)."""

    utf8: bool = True
    json: bool = False
    json_type: str = ""  # "list" | "dict"
    line: str = ""
    header: str = ""
    skip: int = 0
    sample: int = 100_000

    def problem(self, data: bytes) -> str:
        """'' when the answer has this shape, else why not (one line)."""
        if self.utf8:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                return f"not UTF-8 text (byte {exc.start})"
        else:
            text = data.decode("utf-8", errors="replace")
        if self.json:
            import json as _json
            try:
                doc = _json.loads(text)
            except ValueError as exc:
                return f"not JSON: {str(exc)[:80]}"
            want = {"list": list, "dict": dict}.get(self.json_type)
            if want is not None and not isinstance(doc, want):
                return f"JSON {type(doc).__name__}, expected {self.json_type}"
            return ""
        lines = text.split("\n")
        if self.header and not re.fullmatch(self.header, lines[0]):
            return f"header line missing (got {lines[0][:60]!r})"
        if self.line:
            rx = re.compile(self.line)
            for i, ln in enumerate(lines[self.skip:self.skip + self.sample], self.skip + 1):
                if ln and not rx.fullmatch(ln):
                    return f"line {i} does not have the expected shape: {ln[:60]!r}"
        return ""


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
    # the answer can be far larger than memory (a file server's ACLs): it goes to disk as it
    # arrives, is stored in line-aligned pieces and read back line by line; never batched
    stream: bool = False
    # -- what success means for this tool (data, read by `judge`) --
    # stderr substrings (lower case) that mean the answer is incomplete whatever the exit code,
    # e.g. "failed to connect to bus", "permission denied" of a script that keeps going
    fail_patterns: tuple[str, ...] = ()
    # stderr substrings (lower case) that mean "this source does not apply here"
    absent_patterns: tuple[str, ...] = ()
    # the command itself not being installed means "not applicable" (rpm, nft, lldpcli), not
    # a failure (ss, lsblk, dpkg-query on a host that has them)
    absent_if_missing: bool = False
    # an ok exit with no output is implausible (the database behind the tool is gone)
    nonempty: bool = False
    # the shape every answer of this tool has; an answer that does not match is garbage
    format: Format | None = None

    def to_data(self) -> dict[str, Any]:
        return {"id": self.id, "argv": list(self.argv), "privileged": self.privileged}


class Body(Protocol):
    """stdout kept outside the Answer (on disk while scanning, in store objects afterwards)."""

    @property
    def size(self) -> int: ...

    def pieces(self) -> Iterator[bytes]:
        """The bytes in order, in pieces that end at a line end (the last may not)."""
        ...

    def stdout_record(self) -> dict[str, Any]:
        """What the transcript record says of this stdout (see Answer.to_record)."""
        ...


class StoredBody:
    """A stored transcript's stdout: the ids of its pieces, read one at a time when asked."""

    def __init__(self, chunks: list[str], size: int, get: Callable[[str], bytes]) -> None:
        self.chunks = chunks
        self._size = size
        self._get = get

    @property
    def size(self) -> int:
        return self._size

    def pieces(self) -> Iterator[bytes]:
        for oid in self.chunks:
            yield self._get(oid)

    def stdout_record(self) -> dict[str, Any]:
        return {"chunks": list(self.chunks), "bytes": self._size}


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
    # stdout of a streamed query (Query.stream): then `stdout` is empty and this holds it
    body: Body | None = field(default=None, repr=False)
    # a cut answer: {"bytes", "sha256", "complete"} of the whole of it (only `stdout` is kept)
    whole: dict[str, Any] | None = None

    @classmethod
    def failed(cls, query: Query, *, error: str | None = None, timed_out: bool = False,
               duration: float = 0.0, **more: Any) -> Answer:
        """No answer at all: the query could not be put (error) or got none in time."""
        return cls(query.id, list(query.argv), None, b"", b"", duration, error=error,
                   timed_out=timed_out, **more)

    @property
    def text(self) -> str:
        """stdout decoded leniently; undecodable bytes become U+FFFD (and were recorded raw).
        Reads a streamed answer whole: builders of large tables use `lines()` instead."""
        if self.body is not None:
            return b"".join(self.body.pieces()).decode("utf-8", errors="replace")
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def size(self) -> int:
        """Bytes of stdout, wherever they are kept."""
        return self.body.size if self.body is not None else len(self.stdout)

    def lines(self) -> Iterator[str]:
        """stdout line by line (decoded as `text`), one piece in memory at a time."""
        pieces = self.body.pieces() if self.body is not None else iter((self.stdout,))
        rest = b""
        for piece in pieces:
            data = rest + piece
            cut = data.rfind(b"\n") + 1
            rest = data[cut:]
            if cut:
                yield from data[:cut - 1].decode("utf-8", errors="replace").split("\n")
        if rest:
            yield rest.decode("utf-8", errors="replace")

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
        if self.exit_code == 127 and 127 not in ok_codes:  # the shell's "command not found"
            return "missing"
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
            if self.whole:
                more = "" if self.whole.get("complete") else "more than "
                return (f"answer cut at {self.size} bytes (of {more}{self.whole['bytes']} "
                        f"bytes, sha256 {str(self.whole['sha256'])[:16]}...)")
            return f"answer cut at {self.size} bytes"
        if st == "missing":
            return f"command not found: {last or (self.argv[0] if self.argv else '?')}"
        detail = self.error if self.error and self.error not in ("refused",) else last
        return f"{st} (exit {self.exit_code}): {detail}".strip()

    def to_record(self) -> dict[str, Any]:
        """JSON-shaped record for the transcript object; bytes that are not UTF-8 go as base64.
        A streamed stdout is {"chunks": [object id, ...], "bytes": N} once stored (pieces of
        the masked bytes) and {"sha256": HEX, "bytes": N} of the raw bytes before that (what
        the manifest's keyed hash of the unmasked answer covers)."""
        return {
            "query": self.query,
            "argv": self.argv,
            "exit": self.exit_code,
            "stdout": self.body.stdout_record() if self.body is not None
            else _enc(self.stdout, self.truncated),
            "stderr": _enc(self.stderr),
            "stdin": _enc(self.stdin) if self.stdin is not None else None,
            "duration_ms": round(self.duration * 1000),
            "truncated": self.truncated,
            "timed_out": self.timed_out,
            "error": self.error,
            "sudo": self.sudo,
            **({"batched": True} if self.batched else {}),
            **({"whole": self.whole} if self.whole else {}),
        }

    @classmethod
    def from_record(cls, rec: dict[str, Any],
                    get: Callable[[str], bytes] | None = None) -> Answer:
        """`get` reads a stored object: needed for a streamed stdout kept in pieces."""
        out = rec["stdout"]
        body: Body | None = None
        if "chunks" in out:
            if get is None:
                raise ValueError("a transcript kept in pieces needs a reader for its objects")
            body = StoredBody(list(out["chunks"]), int(out["bytes"]), get)
        return cls(
            query=rec["query"],
            argv=list(rec["argv"]),
            exit_code=rec["exit"],
            stdout=b"" if body is not None else _dec(out),
            body=body,
            stderr=_dec(rec["stderr"]),
            duration=rec["duration_ms"] / 1000,
            truncated=rec["truncated"],
            timed_out=rec["timed_out"],
            error=rec["error"],
            sudo=rec.get("sudo", False),
            batched=rec.get("batched", False),
            whole=rec.get("whole"),
            stdin=_dec(rec["stdin"]) if rec.get("stdin") is not None else None,
        )


def _enc(data: bytes, flood: bool = False) -> dict[str, str]:
    """`flood`: a cut answer; with NULs in it (escaped six-fold in JSON) it goes as base64."""
    if not (flood and b"\x00" in data):
        try:
            return {"text": data.decode("utf-8")}
        except UnicodeDecodeError:
            pass
    return {"b64": base64.b64encode(data).decode("ascii")}


def _dec(rec: dict[str, str]) -> bytes:
    if "text" in rec:
        return rec["text"].encode("utf-8")
    return base64.b64decode(rec["b64"])


def judge(query: Query | None, answer: Answer) -> tuple[QueryStatus, str]:
    """The status of an answer by its query's declared notion of success, and why (one line).

    Order: the transport's verdict (timeout, cut, refused, exit code); then "not applicable"
    (absent_if_missing, absent_codes, absent_patterns); then, for an answer the tool called
    good, the declared failure strings on stderr, emptiness and format.

    A scan asks this of each answer several times (the table builders, the collector's reader,
    the coverage record) and the format check reads the whole answer: the verdict is kept on
    the answer, beside the very objects it was judged from, and given again only while all of
    them are the same ones (an answer changed since, or another query, is judged anew)."""
    seen = (query, answer.query, answer.argv, answer.exit_code, answer.stdout, answer.stderr,
            answer.body, answer.truncated, answer.timed_out, answer.error)
    memo = vars(answer).get(_JUDGED)
    if memo is not None and len(memo[0]) == len(seen) and all(
            a is b for a, b in zip(memo[0], seen, strict=True)):
        verdict: tuple[QueryStatus, str] = memo[1]
        return verdict
    verdict = _judge(query, answer)
    vars(answer)[_JUDGED] = (seen, verdict)
    return verdict


_JUDGED = "_judged"  # an attribute outside the dataclass fields: not compared, copied or stored


def _judge(query: Query | None, answer: Answer) -> tuple[QueryStatus, str]:
    q = query or Query(answer.query, tuple(answer.argv))
    st = answer.status(q.ok_codes)
    err = answer.stderr.lower()
    last = _last_line(answer.stderr)
    if st == "missing" and q.absent_if_missing:
        return "absent", f"not installed here ({last or (answer.argv or ['?'])[0]})"
    if answer.exit_code is not None and answer.exit_code in q.absent_codes \
            and not answer.timed_out and not answer.truncated:
        return "absent", f"not present on this host: {last}".rstrip(": ")
    said = " ".join(ln.strip() for ln in answer.stderr.decode("utf-8", "replace").splitlines()
                    if any(p in ln.lower() for p in q.fail_patterns))[:200] or last
    if st != "ok":
        if st in ("failed", "refused") and any(p.encode() in err for p in q.absent_patterns):
            return "absent", f"not present on this host: {last}"
        return st, answer.reason() if st != "failed" else \
            f"failed (exit {answer.exit_code}): {said}".rstrip(": ")
    for p in q.fail_patterns:
        if p.encode() in err:
            kind: QueryStatus = "refused" if ("denied" in p or "not permitted" in p) \
                else "failed"
            return kind, f"{kind} (exit {answer.exit_code}): {said}"
    if q.nonempty and answer.size == 0:
        return "implausible", "empty answer from a tool that always answers something here"
    if q.format is not None:
        problem = q.format.problem(_head(answer, q.format))
        if problem:
            return "garbage", f"answer does not parse: {problem}"
    return "ok", ""


FORMAT_HEAD = 16 << 20  # bytes of a streamed answer whose format is checked


def _head(answer: Answer, fmt: Format) -> bytes:
    if answer.body is None:
        return answer.stdout
    if fmt.json:
        return b"".join(answer.body.pieces())
    out = bytearray()
    for piece in answer.body.pieces():
        out += piece
        if len(out) >= FORMAT_HEAD:
            break
    return bytes(out[:out.rfind(b"\n") + 1] or out)


def _last_line(data: bytes) -> str:
    tail = data.decode("utf-8", errors="replace").strip().splitlines()
    return tail[-1].strip()[:200] if tail else ""
