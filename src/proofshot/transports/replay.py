"""A transport that answers from a capture (`proofshot capture`): no network at all.

A capture of one target is a folder:

    capture.json        {"format", "target", "type", "collector", "collector_version",
                         "platform", "options", "status", "reason", "facts", "captured",
                         "queries": [{"id", "argv", "record": "answers/0001.json"}]}
    answers/0001.json   the Answer's transcript record (model.transcript), masked as in the
                        store; its stdout is {"file": "0001.out", "bytes": N}
    answers/0001.out    the masked stdout, byte for byte

Each query is answered by id with the recorded answer; a query the capture does not hold,
or one whose argv differs from the recorded one (other options), gets a failed answer that
says so, so the scan records it as coverage. A capture of a target that was unreachable or
refused the login replays as that same failure.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from proofshot.model.errors import AuthFailed, BadInput, HostKeyChanged, TransportError, Unreachable
from proofshot.model.transcript import Answer, Query

FORMAT = "proofshot-capture/1"
META = "capture.json"
BLOCK = 1 << 20
_FAILURES: dict[str, type[TransportError]] = {
    "unreachable": Unreachable, "auth-failed": AuthFailed, "host-key-changed": HostKeyChanged,
}


def read_meta(path: str | Path) -> dict[str, Any]:
    """The capture's description; BadInput when the folder holds no capture."""
    p = Path(path).expanduser() / META
    try:
        meta = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"no capture at {path} ({META} not found)") from None
    except (OSError, ValueError) as exc:
        raise BadInput(f"capture at {path} cannot be read: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise BadInput(f"capture at {path}: not a {FORMAT} capture")
    return meta


class ReplayTransport:
    """Answers a collector's queries from a capture folder."""

    def __init__(self, name: str, path: str | Path) -> None:
        self.name = name
        self.root = Path(path).expanduser()
        self.meta: dict[str, Any] = {}
        self._records: dict[str, dict[str, Any]] = {}

    async def open(self) -> dict[str, str]:
        self.meta = read_meta(self.root)
        status = str(self.meta.get("status") or "ok")
        if status in _FAILURES:
            raise _FAILURES[status](f"{self.name}: replayed: {self.meta.get('reason') or status}")
        self._records = {str(q["id"]): q for q in self.meta.get("queries", [])}
        # the recorded facts as they were (the snapshot's target type, replay, says where the
        # answers came from), so a replay compares with a direct scan fact by fact
        return {k: str(v) for k, v in (self.meta.get("facts") or {}).items()}

    async def close(self) -> None:
        return None

    def _record(self, query: Query) -> tuple[dict[str, Any] | None, str | None]:
        q = self._records.get(query.id)
        if q is None:
            return None, f"replay: query {query.id} is not in the capture"
        rec: dict[str, Any] = json.loads((self.root / q["record"]).read_text(encoding="utf-8"))
        if list(rec.get("argv", [])) != list(query.argv):
            return None, f"replay: query {query.id} was captured with another command"
        return rec, None

    def _stdout_path(self, rec: dict[str, Any], q: dict[str, Any]) -> Path | None:
        out = rec.get("stdout") or {}
        if "file" not in out:
            return None
        return Path(self.root / str(q["record"])).parent / str(out["file"])

    async def run(self, query: Query, stdin: bytes | None = None) -> Answer:
        rec, why = self._record(query)
        if rec is None:
            return Answer.failed(query, error=why)
        path = self._stdout_path(rec, self._records[query.id])
        if path is not None:
            rec = {**rec, "stdout": {"text": ""}}
        ans = Answer.from_record(rec)
        if path is not None:
            ans.stdout = path.read_bytes()
        return ans

    async def run_stream(self, query: Query, sink: Callable[[bytes], None]) -> Answer:
        """A streamed query's recorded stdout goes to `sink` in blocks that end at a line end."""
        rec, why = self._record(query)
        if rec is None:
            return Answer.failed(query, error=why)
        path = self._stdout_path(rec, self._records[query.id])
        ans = Answer.from_record({**rec, "stdout": {"text": ""}} if path else rec)
        data, ans.stdout = ans.stdout, b""
        if path is None:
            if data:
                sink(data)
            return ans
        with path.open("rb") as fh:
            rest = b""
            while block := fh.read(BLOCK):
                data = rest + block
                cut = data.rfind(b"\n") + 1
                if cut:
                    sink(data[:cut])
                rest = data[cut:]
            if rest:
                sink(rest)
        return ans
