"""The answer format of the transports that speak a protocol rather than run a command (LDAP,
SMB): one JSON object a line, ASCII, without whitespace, binary values in base64 without
padding. No whitespace means the store's masking of `key value` pairs never cuts a value such
as a path "/Key Files" apart."""

from __future__ import annotations

import base64
import json
from typing import Any


def dump_line(obj: dict[str, Any]) -> bytes:
    line = json.dumps(obj, ensure_ascii=True, separators=(",", ":"))
    return line.replace(" ", "\\u0020").encode("ascii") + b"\n"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def one_line(text: object, limit: int = 200) -> str:
    """An error text for a reason column: one line, bounded."""
    return " ".join(str(text).split())[:limit]
