"""Table.validate_many (bulk, column by column) gives exactly what validate gives row by row:
the same rows, and for a bad batch the same first error."""

from __future__ import annotations

from typing import Any

import pytest

from proofshot.collectors.linux.tables import FILES
from proofshot.model.errors import RowInvalid
from proofshot.model.table import Table, col, table


def good(i: int) -> dict[str, Any]:
    return {"path": f"/etc/f{i}", "type": "file", "mode": "0644", "owner": "root",
            "group": None, "size": i, "sha256": "a" * 64, "link_target": None,
            "text": "x\n", "mtime": 1.5 if i % 2 else 2}


def same(t: Table, rows: list[dict[str, Any]]) -> None:
    try:
        want: Any = [t.validate(r) for r in rows]
    except RowInvalid as exc:
        want = exc.message
    try:
        got: Any = t.validate_many([dict(r) for r in rows])
    except RowInvalid as exc:
        got = exc.message
    assert got == want


class Name(str):
    pass


@pytest.mark.parametrize("change", [
    {}, {"size": True}, {"size": 1.0}, {"mtime": True}, {"owner": Name("root")},
    {"path": None}, {"sha256": 5}, {"extra": 1}, {"text": ["a"]},
])
def test_same_as_row_by_row(change: dict[str, Any]) -> None:
    rows = [good(i) for i in range(50)]
    rows[17] = {**rows[17], **change}
    same(FILES, rows)


def test_missing_column_becomes_none_and_fast_path_keeps_rows() -> None:
    rows = [good(i) for i in range(5)]
    del rows[2]["text"]
    same(FILES, rows)
    whole = [good(i) for i in range(5)]
    assert FILES.validate_many(whole) is whole  # nothing to fix: the rows as they are


def test_bool_and_list_columns() -> None:
    t = table("t", "doc", ["k"], [col("k", doc="k"), col("b", "bool", "b"),
                                  col("l", "list", "l")])
    same(t, [{"k": "a", "b": True, "l": [1]}, {"k": "b", "b": 1, "l": []}])
    same(t, [{"k": "a", "b": False, "l": None}, {"k": "b", "b": None, "l": [2]}])
