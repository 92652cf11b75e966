"""Canonical bytes: the one serialization that hashes and signatures are computed over.

Format "psc1" (proofshot canonical, version 1), fixed so a hash computed today verifies later:
JSON (RFC 8259) in UTF-8, object keys sorted by code point, no whitespace, no escaping of
non-ASCII characters, integers as decimal, booleans and null as JSON literals, floats as
Python's shortest round-trip repr (NaN and infinities are refused). A row is one such object
on one line; rows of a chunk are joined with "\n".

The reference encoder is the standard library's json (`canonical_json`). orjson (C, ~5x
faster) writes the same bytes for strings, integers up to 64 bits, booleans, null, lists and
str-keyed dicts, and for floats in Python's fixed-notation range; its output is used only when
none of the spots where the two could differ occurs in it (`_RISK`: a number in exponent form
or below 1e-4, and, unless the caller vouches that no NaN or infinity is inside, any null,
since orjson writes those as null where json refuses them). Every other value (big integers,
non-str keys, subclasses of builtins, anything orjson refuses) goes to json as well.
tests/model/test_canonical.py pins that both paths give the same bytes for a wide sample.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

CANON_VERSION = "psc1"

_encoder = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)

_dumps: Callable[..., bytes] | None
try:
    import orjson

    _dumps = orjson.dumps
    _OPTS = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS
             | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS)
except ImportError:  # pragma: no cover - orjson is a dependency; json alone is still exact
    _dumps = None
    _OPTS = 0

# A token (after the start, ":", "," or "[") that orjson may write differently: a number in
# exponent form ("1e16" vs "1e+16"), a fixed-notation number below 1e-4 ("0.00005" vs
# "5e-05"), or null (NaN and infinities). A hit inside a string only costs the json path.
_NUM_RISK = rb"(?:^|[:,\[])-?(?:[0-9]+(?:\.[0-9]+)?[eE]|0\.0000)"
_RISK = re.compile(_NUM_RISK + rb"|(?:^|[:,\[])null")
_RISK_FINITE = re.compile(_NUM_RISK)


def canonical_json(value: Any) -> bytes:
    """The reference encoder (standard library json)."""
    return _encoder.encode(value).encode("utf-8")


def canonical(value: Any) -> bytes:
    """Encode any JSON-shaped value to its canonical bytes."""
    if _dumps is not None:
        try:
            out = _dumps(value, option=_OPTS)
        except TypeError:  # orjson.JSONEncodeError: big int, non-str key, subclass...
            pass
        else:
            if _RISK.search(out) is None:
                return out
    return canonical_json(value)


def canonical_finite(value: Any) -> bytes:
    """`canonical` for a value the caller has checked holds no NaN or infinity (validated rows
    whose real and list columns were checked): a null in orjson's output is then a None."""
    if _dumps is not None:
        try:
            out = _dumps(value, option=_OPTS)
        except TypeError:
            pass
        else:
            if _RISK_FINITE.search(out) is None:
                return out
    return canonical_json(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
