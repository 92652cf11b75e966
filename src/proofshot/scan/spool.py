"""On-disk stdout of a streamed query (Query.stream): masked as it arrives, read back in pieces.

A file server's walk can answer with gigabytes; holding it (and its rows) in memory does not
scale. The transport hands every line to `Spool.write` (from several threads); the spool
masks whole lines in blocks, keeps the SHA-256 of the raw bytes (for the manifest's keyed hash
of the unmasked answer) and appends the masked bytes to a temporary file. Rows are parsed from
the masked file afterwards, exactly as `verify --rederive` parses the stored pieces.

Masking per block of whole lines gives the same text as masking the whole answer at once
(masking is line-based), except for a PEM private key block cut by a block boundary: a block
ending inside such a block is held back until its END line (up to HOLD_MAX bytes).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from proofshot.scan.masking import mask_bytes

BLOCK = 1 << 20  # bytes masked and written at a time; also the size of a stored piece
HOLD_MAX = 16 << 20
PROGRESS_EVERY = 1000

Hasher = Callable[[str], str]


class Spool:
    """A Body (model.transcript) whose bytes live in a temporary file until it is removed."""

    def __init__(self, path: Path, keyed_hash: Hasher, block: int = BLOCK,
                 on_lines: Callable[[int], None] | None = None) -> None:
        """`on_lines(n)`: told every PROGRESS_EVERY writes (a long walk shows it is moving)."""
        self.path = path
        self.block = block
        self.writes = 0
        self._on_lines = on_lines
        self._kh = keyed_hash
        self._fh = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._buf = bytearray()
        self._lock = threading.Lock()
        self._raw = hashlib.sha256()
        self.raw_size = 0
        self._size = 0

    # -- writing (transport threads) -----------------------------------------------------
    def write(self, data: bytes) -> None:
        with self._lock:
            if self._fh.closed:
                return  # a walk that timed out may still deliver a line: it is not kept
            self._raw.update(data)
            self.raw_size += len(data)
            self.writes += 1
            if self._on_lines is not None and self.writes % PROGRESS_EVERY == 0:
                self._on_lines(self.writes)
            self._buf += data
            if len(self._buf) >= self.block:
                self._flush(final=False)

    def _flush(self, final: bool) -> None:
        cut = len(self._buf) if final else self._buf.rfind(b"\n") + 1
        if not final:
            begin = self._buf.rfind(b"-----BEGIN", 0, cut)
            if begin >= 0 and self._buf.find(b"-----END", begin, cut) < 0 \
                    and len(self._buf) < HOLD_MAX:
                cut = self._buf.rfind(b"\n", 0, begin) + 1  # hold the open block back
        if cut <= 0:
            return
        masked = mask_bytes(bytes(self._buf[:cut]), self._kh)
        self._fh.write(masked)
        self._size += len(masked)
        del self._buf[:cut]

    def close(self) -> None:
        with self._lock:
            if not self._fh.closed:
                self._flush(final=True)
                self._fh.close()

    # -- reading (Body) ------------------------------------------------------------------
    @property
    def size(self) -> int:
        return self._size

    def pieces(self) -> Iterator[bytes]:
        """The masked bytes in pieces of about `block` bytes, each ending at a line end."""
        self.close()
        with open(self.path, "rb") as fh:
            rest = b""
            while True:
                data = fh.read(self.block)
                if not data:
                    break
                data = rest + data
                cut = data.rfind(b"\n") + 1
                if cut == 0 and len(data) < 4 * self.block:
                    rest = data  # one long line: keep reading (bounded by 4 blocks)
                    continue
                cut = cut or len(data)
                rest = data[cut:]
                yield data[:cut]
            if rest:
                yield rest

    def stdout_record(self) -> dict[str, Any]:
        return {"sha256": self._raw.hexdigest(), "bytes": self.raw_size}

    def remove(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)
