"""Canonical bytes: the one serialization that hashes and signatures are computed over.

Format "psc1" (proofshot canonical, version 1), fixed so a hash computed today verifies later:
JSON (RFC 8259) in UTF-8, object keys sorted by code point, no whitespace, no escaping of
non-ASCII characters, integers as decimal, booleans and null as JSON literals, floats as
Python's shortest round-trip repr (NaN and infinities are refused). A row is one such object
on one line; rows of a chunk are joined with "\n".
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

CANON_VERSION = "psc1"

_encoder = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)


def canonical(value: Any) -> bytes:
    """Encode any JSON-shaped value to its canonical bytes."""
    return _encoder.encode(value).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
