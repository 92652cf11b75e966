"""Canonical bytes: the one serialization that hashes and signatures are computed over.

Format "psc1" (proofshot canonical, version 1), fixed so a hash computed today verifies later:
JSON (RFC 8259) in UTF-8, object keys sorted by code point, no whitespace, no escaping of
non-ASCII characters, integers as decimal, booleans and null as JSON literals, floats as
Python's shortest round-trip repr (NaN and infinities are refused). A row is one such object
on one line; rows of a chunk are joined with "\n".

`canonical` is the reference (the standard library's json). `canonical_plain` is the fast
path for rows (msgspec, C, ~6x faster; orjson was tried: as fast in user time, but its output
buffers cost as much again in page faults): it writes the same bytes for strings, integers,
booleans, null, lists and str-keyed dicts, and for floats that are zero or finite with
1e-4 <= |x| < 1e16, where Python's repr and msgspec both write fixed notation digit for digit.
Outside that range they differ ("1e+16" / "1e16", "5e-05" / "0.00005", NaN refused / null), so
its caller checks the floats first (scan.rows does, once per row from the table's declaration);
whatever msgspec refuses (non-str keys, unknown types) goes to json.
tests/model/test_canonical.py pins both to the same bytes over a wide sample.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

CANON_VERSION = "psc1"

_encoder = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)

# floats in [PLAIN_MIN, PLAIN_MAX) (and zero) are written alike by json and msgspec
PLAIN_MIN = 1e-4
PLAIN_MAX = 1e16

_dumps: Callable[[Any], bytes] | None
try:
    import msgspec

    _dumps = msgspec.json.Encoder(order="sorted").encode
except ImportError:  # pragma: no cover - msgspec is a dependency; json alone is still exact
    _dumps = None


def canonical(value: Any) -> bytes:
    """Encode any JSON-shaped value to its canonical bytes."""
    return _encoder.encode(value).encode("utf-8")


def plain_float(x: float) -> bool:
    """True when `canonical_plain` may write x (zero, or finite with 1e-4 <= |x| < 1e16)."""
    return x == 0.0 or PLAIN_MIN <= abs(x) < PLAIN_MAX


def canonical_plain(value: Any) -> bytes:
    """`canonical(value)` for a value whose floats all pass `plain_float` (the caller checks)."""
    if _dumps is not None:
        try:
            return _dumps(value)
        except TypeError:  # a non-str key, a type msgspec does not know
            pass
    return _encoder.encode(value).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
