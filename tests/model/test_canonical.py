"""psc1 bytes do not depend on the encoder: the msgspec path of `canonical` (and of row_pair)
writes exactly what the json reference writes, for a wide sample; what json refuses is refused."""

from __future__ import annotations

import enum
import json
import math
import random
import struct
from pathlib import Path
from typing import Any

import pytest

from proofshot.collectors.linux.tables import FILES, TABLES
from proofshot.model.canonical import canonical, canonical_plain, plain_float
from proofshot.model.table import Column, Table
from proofshot.scan.rows import row_pair

FIXTURES = Path(__file__).parents[1] / "collectors" / "linux" / "fixtures"


def reference(value: Any) -> bytes:
    """psc1 as documented, written independently of the module under test."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


STRINGS = ["", "plain", "é漢😀", "\x00\x01\x1f\x7f", "\b\f\n\r\t", '"quote\\back"', "\u2028\u2029",
           "\ufeff", "\uffff", "😀", "a:1e5", ",0.00001", "[null", "1e16", "/etc/x,1e5.conf"]


def floats(rng: random.Random) -> list[float]:
    out = [0.0, -0.0, 1.0, -1.5, 0.1, 1e-4, 1e-5, 9.99e-5, 1e15, 1e16, 1e17, 2.0 ** 53,
           2.0 ** 63, 5e-324, 1.7976931348623157e308, 1732900000.1234567, 123456789.123]
    for k in range(-320, 308, 3):
        out.append(rng.random() * 10.0 ** k)
    for _ in range(3000):
        f = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isfinite(f):
            out.append(f)
    return out


INTS = [0, 1, -1, 2 ** 31, 2 ** 53 + 1, 2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, 2 ** 64, -2 ** 63,
        -2 ** 63 - 1, 10 ** 40, -10 ** 40]


def leaf(rng: random.Random, fl: list[float]) -> Any:
    return rng.choice([rng.choice(STRINGS), rng.choice(fl), rng.choice(INTS), True, False, None,
                       rng.choice(STRINGS) + str(rng.random())])


def nested(rng: random.Random, fl: list[float], depth: int = 0) -> Any:
    kind = rng.random()
    if depth > 3 or kind < 0.5:
        return leaf(rng, fl)
    if kind < 0.75:
        return [nested(rng, fl, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(STRINGS) + str(i): nested(rng, fl, depth + 1)
            for i in range(rng.randint(0, 4))}


def sample() -> list[Any]:
    rng = random.Random(15)
    fl = floats(rng)
    values: list[Any] = [*STRINGS, *INTS, *fl, True, False, None, [], {}, [[[]]],
                         {"\uffff": 1, "😀": 2, "Z": 3, "z": 4, "é": 5, "": 6}]
    values += [nested(rng, fl) for _ in range(4000)]
    values += [[f] for f in fl] + [{"x": f} for f in fl]
    return values


def plain(value: Any) -> bool:
    if isinstance(value, float):
        return plain_float(value)
    if isinstance(value, list):
        return all(plain(v) for v in value)
    if isinstance(value, dict):
        return all(plain(v) for v in value.values())
    return True


def test_same_bytes_as_json_for_a_wide_sample() -> None:
    n = 0
    for value in sample():
        want = reference(value)
        assert canonical(value) == want, value
        if plain(value):
            assert canonical_plain(value) == want, value
            n += 1
    assert n > 3000


def test_plain_floats_match_repr() -> None:
    rng = random.Random(16)
    edges = [0.0, -0.0, 1e-4, math.nextafter(1e-4, 1.0), math.nextafter(1e16, 0.0), 2.0 ** 53,
             9999999999999998.0, 0.1, 0.30000000000000004, 1732900000.1234567]
    values = edges + [rng.uniform(-1, 1) * 10.0 ** rng.randint(-4, 15) for _ in range(200_000)]
    values += [struct.unpack("<d", ((rng.getrandbits(1) << 63) | (rng.randint(1009, 1076) << 52)
                                    | rng.getrandbits(52)).to_bytes(8, "little"))[0]
               for _ in range(200_000)]
    checked = [v for v in values if plain_float(v)]
    assert len(checked) > 300_000
    assert [canonical_plain(v) for v in checked] == [repr(v).encode() for v in checked]
    assert not any(map(plain_float, [1e16, 9.9e-5, math.nan, math.inf, -math.inf, 1e300]))


class Colour(enum.IntEnum):
    RED = 1


class Name(enum.StrEnum):
    A = "a"


def test_subclasses_and_int_keys_follow_json() -> None:
    for value in [Colour.RED, [Name.A], {"k": Colour.RED}, {1: "x", 2: "y"}, (1, "t"), 2 ** 64,
                  [-(2 ** 70)]]:
        assert canonical(value) == canonical_plain(value) == reference(value)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, [1, math.nan], {"a": math.inf}])
def test_nan_and_infinity_are_refused(bad: Any) -> None:
    with pytest.raises(ValueError):
        canonical(bad)


def test_unencodable_text_is_refused_as_before() -> None:
    for enc in (canonical, canonical_plain):
        with pytest.raises(UnicodeEncodeError):
            enc("\ud800")
        with pytest.raises(UnicodeEncodeError):
            enc({"k": ["\udcff"]})


ITEMS = Table("items", "t", ("name", "n"), (
    Column("name", "text", "k"), Column("n", "int", "k"), Column("x", "real", "r"),
    Column("tags", "list", "l"), Column("secret", "text", "s", sensitive=True)))


def test_row_pair_same_bytes_as_json() -> None:
    rng = random.Random(7)
    fl = floats(rng)
    expected = json.loads((FIXTURES / "debian12" / "expected.json").read_text())["rows"]
    by_name = {t.name: t for t in TABLES}
    n = 0
    for name, rows in expected.items():
        table = by_name[name]
        for row in rows:
            valid = table.validate(row)
            r = {c: (v if c not in table.sensitive or v is None else
                     "h:" + (v if isinstance(v, str) else reference(v).decode()))
                 for c, v in valid.items()}
            assert row_pair(table, valid, lambda s: "h:" + s) == (
                reference([r[c] for c in table.key]), reference(r))
            n += 1
    assert n > 100
    files = {"path": "/srv/é漢 x", "type": "file", "mode": "0644", "owner": "root", "group": None,
             "size": 2 ** 40, "sha256": "3e" * 32, "link_target": None, "text": "a\nb\u2028",
             "mtime": 1732900000.1234567}
    assert row_pair(FILES, FILES.validate(files), str.upper)[1] == reference(files)
    for i in range(3000):
        row = {"name": rng.choice(STRINGS), "n": rng.choice(INTS) + i, "x": rng.choice([*fl, None]),
               "tags": nested(rng, fl, 2) if rng.random() < 0.5 else [rng.choice(fl)],
               "secret": rng.choice([None, "pw", "é"])}
        if not isinstance(row["tags"], list):
            row["tags"] = [row["tags"]]
        valid = ITEMS.validate(row)
        k, v = row_pair(ITEMS, valid, lambda s: "hmac:" + s[::-1])
        hashed = {**valid, "secret": None if valid["secret"] is None else "hmac:" + valid["secret"][::-1]}
        assert k == reference([valid["name"], valid["n"]])
        assert v == reference(hashed)


@pytest.mark.parametrize("bad", [{"x": math.nan}, {"x": -math.inf}, {"tags": [1.0, [math.nan]]},
                                 {"tags": [{"a": math.inf}]}, {"tags": [{"a": [math.nan]}]}])
def test_row_pair_refuses_nan_as_before(bad: dict[str, Any]) -> None:
    row = ITEMS.validate({"name": "a", "n": 1, **bad})
    with pytest.raises(ValueError):
        row_pair(ITEMS, row, str.upper)
