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
    proc = subprocess.run(["sh", "-c", script, "sh", *roots], capture_output=True, env=_ENV,
                          check=False)
    return proc.stdout.decode(errors="surrogateescape"), proc.returncode


def rows(roots: list[str], python: bool) -> tuple[list[files.Row], str, str]:
    meta, rc_meta = answer(queries._FILES_META, roots, python)
    sha, rc_sha = answer(queries._FILES_SHA, roots, python)
    assert rc_meta == 0 and rc_sha == 0
    out = files.files(meta, sha, None, 65536)
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
    body = meta[len(files.WALK_HEADER):].split("\0")
    assert files._parse_meta_columns(body, 9) == [
        {k: v for k, v in r.items() if k != "_sha"} for r in files._parse_meta_resync(body, 9)]
    broken = files.WALK_HEADER + "garbage\0" + meta[len(files.WALK_HEADER):]
    assert files.parse_walk(broken) == files.parse_walk(meta)


def test_walker_is_one_quoted_word() -> None:
    assert "'" not in queries.FILES_WALK_PY
    assert queries.FILES_WALK_PY in queries._FILES_META
