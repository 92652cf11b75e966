"""The side-by-side form of the diff engine's unified line diffs (pure)."""

from __future__ import annotations

from proofshot.diff.engine import line_diff
from proofshot.web.sbs import Side, side_by_side


def test_replaced_lines_sit_beside_their_replacements() -> None:
    before = "a\nb\nPort 22\nd\ne\nf\ng\nh\n"
    after = "a\nb\nPort 2222\nListen 1\nd\ne\nf\ng\nH\n"
    rows = side_by_side(line_diff(before, after))
    hunks = [r.hunk for r in rows if r.hunk]
    assert len(hunks) == 2 and hunks[0].startswith("@@ -2,")
    body = [r for r in rows if not r.hunk]
    assert (body[0].left, body[0].right) == (Side(2, "b", "same"), Side(2, "b", "same"))
    assert (body[1].left, body[1].right) == (Side(3, "Port 22", "del"),
                                             Side(3, "Port 2222", "add"))
    assert (body[2].left.kind, body[2].right) == ("none", Side(4, "Listen 1", "add"))
    assert (body[3].left, body[3].right) == (Side(4, "d", "same"), Side(5, "d", "same"))
    last = body[-2:]
    assert last[0].left == Side(7, "g", "same") and last[0].right == Side(8, "g", "same")
    assert (last[1].left, last[1].right) == (Side(8, "h", "del"), Side(9, "H", "add"))


def test_a_new_file_has_only_a_right_side() -> None:
    rows = side_by_side(line_diff(None, "x=1\ny=2\n"))
    body = [r for r in rows if not r.hunk]
    assert [r.right.text for r in body] == ["x=1", "y=2"]
    assert all(r.left.kind == "none" for r in body)
    assert [r.right.no for r in body] == [1, 2]
