"""judge keeps its verdict on the answer only while the answer and the query are the very ones
it judged: a changed answer or another declaration is judged anew, and the kept verdict is not
part of the answer's fields (equality, copies, the stored record)."""

from __future__ import annotations

from dataclasses import replace

from proofshot.model.transcript import Answer, Format, Query, judge

Q = Query("sysctl", ("sysctl", "-a"), nonempty=True, format=Format(line=r"\S+ =.*"))


def test_a_kept_verdict_follows_every_change() -> None:
    ans = Answer("sysctl", ["sysctl", "-a"], 0, b"a = 1\nb = 2\n", b"", 0.1)
    assert judge(Q, ans) == ("ok", "") == judge(Q, ans)
    ans.stdout = b"a = 1\nnot a setting\n"
    assert judge(Q, ans)[0] == "garbage"
    ans.stdout = b""
    assert judge(Q, ans)[0] == "implausible"
    ans.stdout, ans.exit_code = b"a = 1\n", 1
    assert judge(Q, ans)[0] == "failed"
    assert judge(Query("sysctl", ("sysctl", "-a"), ok_codes=(0, 1)), ans) == ("ok", "")
    ans.exit_code, ans.timed_out = 0, True
    assert judge(Q, ans)[0] == "timeout"


def test_a_kept_verdict_is_not_part_of_the_answer() -> None:
    ans = Answer("sysctl", ["sysctl", "-a"], 0, b"a = 1\n", b"", 0.1)
    fresh = Answer("sysctl", ["sysctl", "-a"], 0, b"a = 1\n", b"", 0.1)
    judge(Q, ans)
    assert ans == fresh and ans.to_record() == fresh.to_record()
    masked = replace(ans, stdout=b"x\n")
    assert judge(Q, masked)[0] == "garbage" and judge(Q, ans) == ("ok", "")
