"""The one-walk answer (python3 on the target: metadata and hashes in files_meta) gives exactly
the rows of find + sha256sum (the fallback without python3), on a real tree with odd entries."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from proofshot.collectors.linux import queries
from proofshot.collectors.linux.parsers import files

_ENV = {**os.environ, "LC_ALL": "C"}


def answer(script: str, roots: list[str], python: bool) -> tuple[str, int]:
    if not python:  # what a target without python3 runs
        script = script.replace("command -v python3", "command -v no-such-python3")
    if script.startswith("max=$1;"):  # files_meta, files_text: the largest text kept first
        roots = ["65536", *roots]
    proc = subprocess.run(["sh", "-c", script, "sh", *roots], capture_output=True, env=_ENV,
                          check=False)
    return proc.stdout.decode(errors="surrogateescape"), proc.returncode


def rows(roots: list[str], python: bool) -> tuple[list[files.Row], str, str]:
    meta, rc_meta = answer(queries._FILES_META, roots, python)
    sha, rc_sha = answer(queries._FILES_SHA, roots, python)
    text, rc_text = answer(queries._FILES_TEXT, roots, python)
    assert rc_meta == 0 and rc_sha == 0 and rc_text == (queries.SKIPPED if python else 0)
    out = files.files(meta, sha, None if python else text, 65536)
    return sorted(out, key=lambda r: r["path"]), meta, sha


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("walk") / "t"
    (root / "d" / "e").mkdir(parents=True)
    (root / "d" / "a.txt").write_text("alpha\n")
    (root / "d" / "new\nline").write_text("x")
    (root / "d" / "empty").write_bytes(b"")
    (root / os.fsdecode(b"latin\xe9")).write_bytes(b"\x00\xff binary")
    (root / "d" / "e" / "big").write_bytes(os.urandom(3 * 1024 * 1024 + 7))  # > one read
    (root / "link").symlink_to("d/a.txt")
    (root / "dangling").symlink_to("/no/such/file")
    os.mkfifo(root / "fifo")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "sock"))
    sock.close()
    (root / "sticky").mkdir()
    (root / "sticky").chmod(0o1777)
    (root / "d" / "secret").write_text("s")
    (root / "d" / "secret").chmod(0o600)
    os.chown(root / "d" / "a.txt", 54321, 54321)  # no name: find prints the number
    return root


def test_walk_equals_find(tree: Path) -> None:
    walked, meta, sha = rows([str(tree), str(tree / "d") + "/"], python=True)
    found, meta0, _ = rows([str(tree), str(tree / "d") + "/"], python=False)
    assert meta.startswith(files.WALK_HEADER) and sha == ""  # the walker answered
    assert not meta0.startswith(files.WALK_HEADER)
    assert walked == found
    by = {r["path"]: r for r in walked}
    assert by[str(tree / "d" / "a.txt")]["owner"] == "54321"
    assert by[str(tree / "d" / "e" / "big")]["sha256"]
    assert by[str(tree / "fifo")]["sha256"] is None and by[str(tree / "fifo")]["type"] == "fifo"
    assert by[str(tree / "link")]["link_target"] == "d/a.txt"
    assert str(tree / "d/") + "/a.txt" in by  # a root given with a slash keeps it, as find


def test_walk_columns_and_records_agree(tree: Path) -> None:
    """The walker's answer read column-wise equals the record-by-record reading, and a record
    broken in the middle is skipped by both the same way as find's."""
    _, meta, _ = rows([str(tree)], python=True)
    records = files.split_walk(meta)[0]
    body = records[len(files.WALK_HEADER):].split("\0")
    assert files._parse_meta_columns(body, 10) == [
        {k: v for k, v in r.items() if k not in ("_sha", "_ident")}
        for r in files._parse_meta_resync(body, 10)]
    broken = files.WALK_HEADER + "garbage\0" + records[len(files.WALK_HEADER):]
    assert files.parse_walk(broken) == files.parse_walk(meta)
    assert files.read_walk(broken)[2] == files.read_walk(meta)[2] == files.identities(meta)
    # an older walker's answer (psw1: no identity field) still reads the same rows
    old = "psw1\0" + "\0".join(f for i, f in enumerate(body[:-1]) if i % 10 != 9) + "\0"
    assert files.parse_walk(old) == files.parse_walk(meta)
    assert files.read_walk(old)[2] is None and files.identities(old) is None


def test_trust_walk_and_hash_query(tree: Path) -> None:
    """trust_metadata: files_meta with --meta-only reads no file but gives the same rows and
    identities; files_sha256 hashes exactly the paths on its stdin, with python3 and with
    sha256sum alike; hashes reused from a Prior of the default walk give the default rows."""
    full, meta, _ = rows([str(tree)], python=True)
    only, rc = answer(queries._FILES_META_ONLY, [str(tree)], python=True)
    assert rc == 0 and files.read_walk(only)[1] == {}
    assert files.identities(only) == files.identities(meta)
    assert files.parse_walk(only)[0] == files.parse_walk(meta)[0]
    by = {r["path"]: r for r in full}
    want = [str(tree / "d" / "a.txt"), str(tree / "d" / "e" / "big"), str(tree / "fifo"),
            str(tree / "d" / "new\nline"), str(tree / "link")]
    stdin = b"".join(os.fsencode(p) + b"\0" for p in want)
    for python in (True, False):
        script = queries._FILES_HASH if python else queries._FILES_HASH.replace(
            "command -v python3", "command -v no-such-python3")
        proc = subprocess.run(["sh", "-c", script, "sh"], input=stdin, capture_output=True,
                              env=_ENV, check=False)
        got = files.parse_sha256(proc.stdout.decode(errors="surrogateescape"))
        assert got[want[0]] == by[want[0]]["sha256"] and got[want[1]] == by[want[1]]["sha256"]
        assert got[want[3]] == by[want[3]]["sha256"]
        if python:  # a fifo and a symlink are never opened for reading (O_NOFOLLOW, S_ISREG)
            assert set(got) == {want[0], want[1], want[3]} and proc.returncode == 1
    last = files.prior("s" * 64, meta, ((r["path"], r["sha256"], r["text"]) for r in full))
    assert last is not None and files.to_read(only, last) == []
    trusted, reused, read = files.files_trusted(only, "", None, 65536, last)
    assert sorted(trusted, key=lambda r: r["path"]) == full
    assert reused == sum(1 for r in full if r["sha256"]) and read == 0


def test_walker_is_one_quoted_word() -> None:
    assert "'" not in queries.FILES_WALK_PY
    assert queries.FILES_WALK_PY in queries._FILES_META


def test_a_lost_hash_answer_is_no_change(tree: Path) -> None:
    """trust_metadata: files_sha256 exits 0 (it read every path) yet names fewer files than it
    was asked for (the stdin or the answer lost on the way): the files table is unreadable
    ("implausible"), never rows whose hash went missing, which a diff would show as changes."""
    from proofshot.collectors.base import PRIOR
    from proofshot.collectors.linux.collector import COLLECTOR
    from proofshot.model.transcript import Answer
    from proofshot.scan.runner import build_table

    full, meta, _ = rows([str(tree)], python=True)
    last = files.prior("s" * 64, meta, ((r["path"], r["sha256"], r["text"]) for r in full))
    new = tree / "d" / "lost.txt"  # new since `last`: asked for
    new.write_text("new\n")
    try:
        only, _ = answer(queries._FILES_META_ONLY, [str(tree)], python=True)
    finally:
        new.unlink()
    changed = str(new)
    assert last is not None and files.to_read(only, last) == [changed]
    plan = COLLECTOR.plan({"files": [str(tree)], "trust_metadata": True, PRIOR: last})
    spec = next(s for s in plan.specs if s.table.name == "files")
    declared = {st.query.id: st.query for st in plan.steps}

    def answers(sha: str, code: int) -> dict[str, Answer]:
        def one(qid: str, out: str, rc: int) -> Answer:
            return Answer(query=qid, argv=list(declared[qid].argv), exit_code=rc,
                          stdout=out.encode("utf-8", "surrogateescape"), stderr=b"",
                          duration=0.0)
        return {"files_meta": one("files_meta", only, 0), "files_sha256": one(
            "files_sha256", sha, code), "files_text": one("files_text", "", 1)}

    # the builder reads files_meta as the answer's text (a non-UTF-8 name decoded as the
    # store keeps it, unlike `last` built here from the raw walk): ask what it would ask
    asked = files.to_read(answers("", 0)["files_meta"].text, last)
    assert changed in asked
    lost = build_table(spec, answers("", 0), declared)
    assert lost.rows is None and lost.status == "implausible"
    assert f"answered no hash for {len(asked)} of the files" in lost.reason
    good = "".join(f"{'1' * 64}  {p}\0" for p in asked)
    ok = build_table(spec, answers(good, 0), declared)
    assert ok.status == "ok" and ok.rows is not None
    assert {r["path"]: r["sha256"] for r in ok.rows}[changed] == "1" * 64
    unreadable = build_table(spec, answers("", 1), declared)  # exit 1: unreadable, said so
    assert unreadable.status == "ok" and unreadable.rows is not None
