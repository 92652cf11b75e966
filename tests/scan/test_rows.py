"""table_pairs (a table's rows encoded in bulk) gives exactly the pairs of row_pair, row by row,
in the same order: the stored bytes do not depend on the path (issue 15)."""

from __future__ import annotations

import json
import random
from operator import itemgetter
from pathlib import Path
from typing import Any

from proofshot.collectors.base import TableSpec
from proofshot.collectors.linux.tables import TABLES
from proofshot.model.table import Column, Row, Table
from proofshot.model.transcript import Answer
from proofshot.scan.record import write_table
from proofshot.scan.rows import row_pair, table_pairs
from proofshot.scan.runner import TargetResult, build_table
from proofshot.scan.service import _stored_form
from proofshot.scan.sorter import Sorter, table_sorter
from proofshot.store.embedded import Store

EXPECTED = Path(__file__).parents[1] / "collectors" / "linux" / "fixtures" / "debian12" / \
    "expected.json"

T = Table("items", "t", ("name", "n"), (
    Column("name", "text", "k"), Column("n", "int", "k"), Column("x", "real", "r"),
    Column("tags", "list", "l"), Column("secret", "text", "s", sensitive=True)))
PLAIN = Table("plain", "t", ("name",), (Column("name", "text", "k"), Column("v", "int", "v")))


def kh(text: str) -> str:
    return "h:" + str(len(text)) + text[:3]


def rows(rng: random.Random, n: int, floats: list[float], tags: list[Any]) -> list[Row]:
    names = ["a", "é漢", "\n\t\"", "\u2028", "z" * 50, "", "/etc/x,1e5"]
    return [{"name": rng.choice(names), "n": rng.randrange(40),
             "x": rng.choice([None, 1, *floats]),
             "tags": rng.choice([None, [], *tags]),
             "secret": rng.choice([None, "pw", "", "p\nw"])} for _ in range(n)]


def reference(table: Table, rs: list[Row]) -> list[tuple[bytes, bytes]]:
    out = [row_pair(table, r, kh) for r in rs]
    out.sort(key=itemgetter(0))
    return out


def test_bulk_pairs_equal_row_pairs_with_plain_floats_and_secrets() -> None:
    rng = random.Random(1)
    rs = rows(rng, 3000, [0.0, -0.0, 1.5, 1e-4, 1732900000.1234567], [["x", 1, 2.5], [{"k": 1.0}]])
    got = table_pairs(T, rs, kh)
    assert got == reference(T, rs)
    assert len(got) == 3000 and len({k for k, _ in got}) < 3000  # equal keys kept in order
    assert all(b'"secret":"pw"' not in r for _, r in got)  # keyed-hashed, as row_pair does


def test_bulk_pairs_fall_back_where_msgspec_would_differ() -> None:
    rng = random.Random(2)
    for floats, tags in (([1e16, 5e-05, 1.0], [[1.0]]),  # reals json writes otherwise
                         ([1.0], [[{"k": 1e-7}], ["a"]]),  # a list holding such a float
                         ([1.0], [[{1: "int key"}], ["b"]])):  # a dict key msgspec refuses
        rs = rows(rng, 500, floats, tags)
        assert table_pairs(T, rs, kh) == reference(T, rs)


def test_bulk_pairs_of_every_linux_table_of_a_real_host() -> None:
    expected = json.loads(EXPECTED.read_text())["rows"]
    by_name = {t.name: t for t in TABLES}
    n = 0
    for name, rs in expected.items():
        table = by_name[name]
        valid = table.validate_many(rs)
        assert table_pairs(table, valid, kh) == reference(table, valid), name
        n += len(rs)
    assert n > 150 and len(expected) > 15
    assert table_pairs(PLAIN, [], kh) == []


def test_a_sorter_fed_in_bulk_yields_what_one_fed_row_by_row_yields(tmp_path: Path) -> None:
    rng = random.Random(3)
    rs = rows(rng, 2000, [1.0, 2.5], [["t"]])
    want = list(_single(tmp_path, "s", rs).pairs())
    bulk = table_sorter(tmp_path, "b", T, kh)
    bulk.add_rows(rs)
    assert list(bulk.pairs()) == want
    assert bulk.count == 2000 and bulk.dupes == 2000 - len(want) > 0
    spilled = table_sorter(tmp_path, "r", T, kh)
    spilled.run_bytes = 1 << 12
    for i in range(0, 2000, 100):
        spilled.add_rows(rs[i:i + 100])
    assert len(list(tmp_path.glob("r.run*"))) > 5  # it really spilled
    assert list(spilled.pairs()) == want


def _single(tmp_path: Path, name: str, rs: list[Row]) -> Sorter:
    s = Sorter(tmp_path, name, lambda r: row_pair(T, r, kh))
    for r in rs:
        s.add_row(r)
    return s


def test_a_target_written_from_its_bulk_encoded_form_makes_the_same_tree(tmp_path: Path
                                                                        ) -> None:
    rs = rows(random.Random(4), 3000, [1.0, 1e17], [["t", 0.5]])
    spec = TableSpec(T, ("q",), lambda a: [dict(r) for r in rs])
    answers = {"q": Answer("q", ["x"], 0, b"", b"", 0.0)}
    tr = build_table(spec, answers, {})
    assert tr.rows is not None and tr.sorted is None and "duplicate" in tr.reason
    res = TargetResult(name="t", type="local", tables=[tr])
    store = Store.create(tmp_path / "store")
    w = store.writer()
    want = write_table(w, T, tr.rows, kh)
    with _stored_form(res, tmp_path, kh):
        assert tr.sorted is not None and tr.row_count == len(tr.rows)
        assert write_table(w, T, tr.sorted, kh) == want
    assert tr.sorted is None and tr.rows is not None and len(tr.rows) == want[1]
    w.abort()
