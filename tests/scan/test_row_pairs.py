"""scan.rows.row_pairs (bulk) gives the bytes row_pair gives row by row, for the files table
(plain and non-plain floats), a table with a multi-column key and one with sensitive and list
columns."""

from __future__ import annotations

import random
from typing import Any

from proofshot.collectors.linux.tables import FILES, POSIX_ACLS, USERS
from proofshot.model.table import Table
from proofshot.scan.rows import row_pair, row_pairs


def kh(v: str) -> str:
    return "hmac:" + v[::-1]


def files_rows(rng: random.Random, mtimes: list[Any]) -> list[dict[str, Any]]:
    return [FILES.validate({"path": f"/etc/ä{i}", "type": "file", "mode": "0644",
                            "owner": "root", "size": rng.randint(0, 1 << 40),
                            "sha256": "ab" * 32, "text": "x=1\n\u0000\n",
                            "mtime": rng.choice(mtimes)}) for i in range(300)]


def same(t: Table, rows: list[dict[str, Any]]) -> None:
    assert row_pairs(t, rows, kh) == [row_pair(t, r, kh) for r in rows]


def test_files_plain_and_not() -> None:
    rng = random.Random(5)
    same(FILES, files_rows(rng, [1700000000.123456789, 0.0, 3, None, 1e-3]))
    same(FILES, files_rows(rng, [1700000000.5, 1e20, 1e-7, -0.0]))  # row by row


def test_other_tables() -> None:
    acls = [POSIX_ACLS.validate({"path": f"/srv/{i % 7}", "entry": f"user:u{i}", "kind": "user",
                                 "name": f"u{i}", "default": bool(i % 2), "perms": "r-x",
                                 "effective": "r--"}) for i in range(50)]
    same(POSIX_ACLS, acls)
    cols = {c.name: c.type for c in USERS.columns}
    users = []
    for i in range(20):
        r: dict[str, Any] = {c: None for c in cols}
        r.update({"name": f"u{i}"})
        for c, ty in cols.items():
            if ty == "list":
                r[c] = [f"g{i}", 1.5, {"k": 1e30}]
        users.append(USERS.validate(r))
    same(USERS, users)
