"""parse_meta's column-wise path gives exactly the rows of the record-by-record parser, and
hands anything irregular to it."""

from __future__ import annotations

import random
from pathlib import Path

from proofshot.collectors.linux.parsers import files

FIX = Path(__file__).parent / "fixtures" / "debian12"


def both(text: str, columns: bool = False) -> list[files.Row]:
    fast = files.parse_meta(text)
    assert fast == files._parse_meta_resync(text.split("\0"))
    if columns:  # a regular answer must not need the record-by-record parser
        assert fast == files._parse_meta_columns(text.split("\0"))
    return fast


def meta(records: list[list[str]]) -> str:
    return "".join(f + "\0" for rec in records for f in rec)


def test_fixture_answer() -> None:
    rows = both((FIX / "files_meta.out").read_text(), columns=True)
    assert len(rows) > 100
    assert {r["type"] for r in rows} >= {"file", "dir", "link"}


GOOD = [["f", "/a", "644", "root", "root", "3", "", "1700000000.5"],
        ["d", "/d", "755", "", "", "4096", "", "1700000000"],
        ["l", "/l", "777", "u", "g", "1", "a\nb", "1.25"],
        ["f", "/é漢", "4755", "1000", "1000", "0", "", "0.0"]]


def test_regular_and_irregular_answers() -> None:
    rows = both(meta(GOOD), columns=True)
    assert [r["path"] for r in rows] == ["/a", "/d", "/l", "/é漢"]
    assert rows[1]["size"] is None and rows[1]["owner"] is None and rows[1]["mtime"] == 1.7e9
    assert rows[2]["link_target"] == "a\nb" and rows[3]["mode"] == "4755"
    odd = [
        [*GOOD, ["f", "/a", "600", "r", "r", "1", "", "1.0"]],        # a path twice
        [*GOOD, ["f", "/x", "64\n4", "r", "r", "1", "", "1.0"]],      # a mode with a newline
        [*GOOD, ["f", "/x", "644\n", "r", "r", "1", "", "1.0"]],      # accepted by the regex
        [*GOOD, ["f", "/x", "644", "r", "r", "big", "", "1.0"]],      # size not an integer
        [*GOOD, ["f", "/x", "644", "r", "r", "1", "", "nan"]],        # mtime not finite
        [*GOOD, ["f", "/x", "644", "r", "r", "1", "", "soon"]],
        [*GOOD, ["x", "/x", "644", "r", "r", "1", "", "1.0"]],        # unknown type
        [*GOOD, ["f", "rel", "644", "r", "r", "1", "", "1.0"]],       # not absolute
        [["f", "/a", "644"], *GOOD],                                    # a torn record
    ]
    for recs in odd:
        both(meta(recs))
    assert both(meta(GOOD) + "f\0/trailing") == rows
    assert both("") == []


def test_random_garbage_agrees() -> None:
    rng = random.Random(3)
    pool = ["f", "d", "l", "x", "/p", "/q", "r", "644", "7777", "80", "", "12", "-1", "1.5",
            "inf", "/p\n", "0"]
    for _ in range(2000):
        text = "\0".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        both(text + rng.choice(["", "\0"]))
    for _ in range(500):  # mostly regular answers with one field changed
        recs = [[*r] for r in GOOD * 3]
        for i, r in enumerate(recs):
            r[1] = f"/f{i}"
        recs[rng.randrange(len(recs))][rng.randrange(8)] = rng.choice(pool)
        both(meta(recs))


def old_sha256(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for rec in text.split("\0"):
        m = files._HASH_RE.match(rec.lstrip("\n"))
        if m:
            out.setdefault(m.group(2), m.group(1))
    return out


def old_text(text: str) -> dict[str, str]:
    from proofshot.collectors.linux.parsers.common import files_lines

    return {p: "".join(ln + "\n" for ln in lines) for p, lines in files_lines(text).items()}


def test_hash_and_text_answers_read_as_record_by_record() -> None:
    h = "ab" * 32
    fixed = [
        (FIX / "files_sha256.out").read_text(), (FIX / "files_text.out").read_text(),
        f"{h}  /a\0{h}  /b\nc\0", f"{h}  /a\0{'cd' * 32}  /a\0",       # a path twice: the first
        f"{h} */bin\0\\{h}  /esc\0\n{h}  /lead\0", f"{h}  /x", "", "\0", "\0\0x\n",
        "/a\0one\n/a\0two\n/b\nc\0three", "/a\0x\0y\n/b\0\n", "/p\0last line", "no nul\n",
    ]
    rng = random.Random(5)
    pool = [h, "  ", " *", "/p", "/q\n", "\0", "\n", "x", "\\", "", "ff" * 32]
    rand = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    for text in fixed + rand:
        assert files.parse_sha256(text) == old_sha256(text), text
        assert files.parse_text(text) == old_text(text), text
    assert files.parse_sha256(fixed[3]) == {"/a": h}
    assert len(files.parse_sha256(fixed[0])) > 100 and len(files.parse_text(fixed[1])) > 50
