"""table_pairs (a table's rows encoded as a batch, as prepare_rows stores them) writes the bytes
row_pair writes row by row, in key order, whichever path the batch takes."""

from __future__ import annotations

import json
import math
import random
from operator import itemgetter
from pathlib import Path
from typing import Any

import pytest

from proofshot.collectors.linux.tables import FILES, TABLES
from proofshot.model.table import Column, Row, Table
from proofshot.scan.rows import row_pair, table_pairs

FIXTURES = Path(__file__).parents[1] / "collectors" / "linux" / "fixtures"
TIMES = Table("times", "t", ("host", "n"), (
    Column("host", "text", "k"), Column("n", "int", "k"), Column("at", "real", "r"),
    Column("took", "real", "r"), Column("note", "text", "t")))


def _kh(v: str) -> str:
    return "hmac:" + v[::-1]


def _same(table: Table, rows: list[Row]) -> list[tuple[bytes, bytes]]:
    got = table_pairs(table, rows, _kh)
    assert got == sorted((row_pair(table, r, _kh) for r in rows), key=itemgetter(0)), table.name
    return got


def test_every_fixture_table_as_row_pair() -> None:
    """Every table of the Linux fixture (sensitive, list, multi-key and real columns)."""
    expected = json.loads((FIXTURES / "debian12" / "expected.json").read_text())["rows"]
    by_name = {t.name: t for t in TABLES}
    n = 0
    for name, rows in expected.items():
        n += len(_same(by_name[name], [by_name[name].validate(r) for r in rows]))
    assert n > 100


@pytest.mark.parametrize("odd", [0.0, -0.0, 1e16, 5e-05, 1e-300, 1e300, 123.0, None, 7])
def test_a_float_plain_float_refuses_sends_the_batch_to_row_pair(odd: Any) -> None:
    """mtimes of a large files table, one of them zero, tiny, huge or not a float at all."""
    rng = random.Random(3)
    rows = [FILES.validate({"path": f"/srv/{i}", "type": "file", "mode": "0644", "owner": "r",
                            "group": "r", "size": i, "sha256": None, "link_target": None,
                            "text": "é\x00\n", "mtime": 1.7e9 + rng.random()})
            for i in range(500)]
    rows[rng.randrange(500)]["mtime"] = odd
    got = _same(FILES, rows)
    assert b'"mtime":' in got[0][1]
    many = [{"host": f"h{i}", "n": i, "at": rng.choice([odd, 1.5, 2e15]),
             "took": rng.random() + 1e-3, "note": None} for i in range(300)]
    _same(TIMES, many)


def test_nan_and_msgspec_refusals_as_row_pair() -> None:
    """A NaN is refused as row_pair refuses it; a value msgspec does not take (a non-str dict
    key) takes the reference encoder, as in row_pair."""
    with pytest.raises(ValueError):
        table_pairs(TIMES, [{"host": "a", "n": 1, "at": math.nan, "took": 1.0, "note": None}],
                  _kh)
    with pytest.raises(ValueError):
        row_pair(TIMES, {"host": "a", "n": 1, "at": math.nan, "took": 1.0, "note": None}, _kh)
    odd = [{"host": "a", "n": 1, "at": 1.0, "took": 1.0, "note": {1: "x"}},
           {"host": "b", "n": 2, "at": 1.0, "took": 1.0, "note": "y"}]
    assert _same(TIMES, odd)[0][1] == b'{"at":1.0,"host":"a","n":1,"note":{"1":"x"},"took":1.0}'
