"""What success means for each query is declared on the Query (model.transcript.judge) and the
runner only applies it: a failed, refused, truncated, garbage or implausibly empty answer makes
its table unreadable or partial, never an empty or shrunken table; a source that does not
apply is "unsupported", quietly. Real answers (the debian12 fixture, captured from a real
host) must pass their own declarations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proofshot.collectors.linux import COLLECTOR
from proofshot.collectors.linux.queries import queries
from proofshot.diff.engine import read_alike
from proofshot.model.transcript import Answer, Query, judge
from proofshot.scan.runner import build_table, target_status

DEB = Path(__file__).parents[1] / "collectors" / "linux" / "fixtures" / "debian12"
DECLARED = {q.id: q for q in queries()}
PLAN = COLLECTOR.plan({"files": ["/etc"]})
SPECS = {s.table.name: s for s in PLAN.specs}
STEPS = {s.query.id: s.query for s in PLAN.steps}


def fixture_answers() -> dict[str, Answer]:
    meta = json.loads((DEB / "meta.json").read_text())
    got = {q: Answer(q, m["argv"], m["exit"], (DEB / f"{q}.out").read_bytes(),
                     m["stderr"].encode(), 0.0, error=m["error"])
           for q, m in meta["answers"].items()}
    # recorded when rpm was asked directly (argv ["rpm", ...]: "missing"); today's script says
    # what that host is, as it does on Debian without rpm
    got["rpm"] = ans("rpm", b"", b"rpm: not installed\n", 3)
    return got


def ans(qid: str, out: bytes = b"", err: bytes = b"", code: int | None = 0,
        **kw: object) -> Answer:
    return Answer(qid, list(DECLARED[qid].argv), code, out, err, 0.1, **kw)  # type: ignore[arg-type]


def test_real_answers_pass_their_declarations() -> None:
    got = fixture_answers()
    checked = 0
    for qid, a in got.items():
        if a.exit_code != 0 or a.error or qid in ("rpm", "dmi", "modules"):
            continue  # recorded failures of that host (no rpm, no DMI, no /proc/modules)
        st, why = judge(DECLARED[qid], a)
        assert st == "ok", (qid, why)
        checked += 1
    assert checked >= 25


@pytest.mark.parametrize(("qid", "answer", "status"), [
    ("findmnt", ans("findmnt", b"\xff\xfe\x00garbage\x9c\n"), "garbage"),
    ("findmnt", ans("findmnt", b'TARGET="/" SOURCE="/dev/vda"\nthis is no findmnt line\n'),
     "garbage"),
    ("findmnt", ans("findmnt", b""), "implausible"),
    ("dpkg", ans("dpkg", b""), "implausible"),
    ("dpkg", ans("dpkg", b"", b"dpkg database /var/lib/dpkg/status is missing or empty\n", 4),
     "failed"),
    ("rpm", ans("rpm", b"", b"rpm installed, but no rpm database: a dpkg host\n", 3),
     "absent"),
    ("nft", ans("nft", code=None, error="missing"), "absent"),
    ("ss", ans("ss", code=None, error="missing"), "missing"),
    ("ss", ans("ss", b"", b"bash: line 1: ss: command not found\n", 127), "missing"),
    ("ss", ans("ss", b"garbage without a header\n"), "garbage"),
    ("ip_addr", ans("ip_addr", b'[{"ifname": "lo"'), "garbage"),
    ("ip_addr", ans("ip_addr", b"x" * 1000, truncated=True), "truncated"),
    ("ip_addr", ans("ip_addr", code=None, timed_out=True), "timeout"),
    ("systemd_units", ans("systemd_units", b"", b"System has not been booted with systemd as "
                          b"init system (PID 1). Can't operate.\nFailed to connect to bus: "
                          b"Host is down\n", 1), "failed"),
    ("systemd_units", ans("systemd_units", b"", b"systemd is not running\n", 3), "absent"),
    ("sshd_effective", ans("sshd_effective", b"", b"Missing privilege separation directory: "
                           b"/run/sshd\n", 255), "failed"),
    ("sshd_effective", ans("sshd_effective", code=None, error="missing"), "absent"),
    ("shadow", ans("shadow", b"", b"sudo: a password is required\n", 1), "refused"),
    ("cron", ans("cron", b"==> lines <==\n", b"find: '/var/spool/cron/crontabs': Permission "
                 b"denied\n", 0), "refused"),
])
def test_each_kind_of_bad_answer_is_named(qid: str, answer: Answer, status: str) -> None:
    st, why = judge(DECLARED[qid], answer)
    assert st == status, why
    assert (why == "") == (status == "ok")


def _tables(answers: dict[str, Answer]) -> dict[str, tuple[str, int | None]]:
    out = {}
    for name, spec in SPECS.items():
        tr = build_table(spec, answers, STEPS)
        out[name] = (tr.status, None if tr.rows is None else len(tr.rows))
    return out


def test_a_bad_answer_never_gives_an_empty_table() -> None:
    good = fixture_answers()
    base = _tables(good)
    assert base["filesystems"][0] == "ok" and (base["filesystems"][1] or 0) > 5
    assert base["packages"][0] == "ok" and (base["packages"][1] or 0) > 100
    for qid, table, bad in [
        ("findmnt", "filesystems", ans("findmnt", b"\x8f\xaa\xff" * 1000)),
        ("dpkg", "packages", ans("dpkg", b"")),
        ("ss", "listening", ans("ss", b"")),
        ("passwd", "users", ans("passwd", b"<html>not a passwd file</html>\n")),
        ("ip_route4", "routes", ans("ip_route4", b"", code=None, timed_out=True)),
    ]:
        got = build_table(SPECS[table], {**good, qid: bad}, STEPS)
        assert got.rows is None and got.status not in ("ok", "unsupported"), (table, got)
        assert qid in got.reason
        assert target_status([got]) == "partial"


def test_an_optional_source_that_fails_makes_the_table_partial_not_smaller() -> None:
    # that host's own sshd -T failed (no /run/sshd): here it answers, as it does with the dir
    good = {**fixture_answers(), "sshd_effective": ans(
        "sshd_effective", b"port 22\naddressfamily any\npasswordauthentication yes\n")}
    ok = build_table(SPECS["ssh_config"], good, STEPS)
    assert ok.status == "ok" and "sshd_effective" in ok.sources
    bad = build_table(SPECS["ssh_config"], {**good, "sshd_effective": ans(
        "sshd_effective", b"", b"Missing privilege separation directory: /run/sshd\n", 255)},
        STEPS)
    assert bad.status == "partial" and bad.failed == ("sshd_effective: failed",)
    assert "/run/sshd" in bad.reason and bad.rows is not None
    assert all(r["source"] != "effective" for r in bad.rows)
    # the diff never compares the two: one rests on sshd -T, the other does not
    x = {"sources": list(ok.sources), "failed": []}
    y = {"sources": list(bad.sources), "failed": list(bad.failed), "reason": bad.reason}
    assert "partial in second snapshot" in read_alike(x, y)
    assert "/run/sshd" in read_alike(x, y)
    assert read_alike(y, dict(y)) == ""  # read alike on both sides: comparable
    # a source that does not apply (no sshd installed) is quiet
    absent = build_table(SPECS["ssh_config"], {**good, "sshd_effective": ans(
        "sshd_effective", code=None, error="missing")}, STEPS)
    assert absent.status == "ok" and "sshd_effective" not in absent.sources


def test_a_source_that_does_not_apply_is_unsupported_and_quiet() -> None:
    good = fixture_answers()
    lldp = build_table(SPECS["lldp_neighbors"], {**good, "lldp": ans(
        "lldp", b"", b"lldpd is not running (no /run/lldpd.socket)\n", 3)}, STEPS)
    assert lldp.status == "unsupported" and target_status([lldp]) == "ok"
    pk = build_table(SPECS["packages"], {**good, "rpm": ans(
        "rpm", b"", b"rpm: not installed\n", 3)}, STEPS)
    assert pk.status == "ok" and pk.sources == ("dpkg",)


def test_declarations_are_data() -> None:
    q = Query("x", ("x",), nonempty=True)
    assert judge(q, Answer("x", ["x"], 0, b"", b"", 0.0))[0] == "implausible"
    assert judge(None, Answer("x", ["x"], 0, b"", b"", 0.0)) == ("ok", "")
