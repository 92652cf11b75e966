"""POSIX ACLs: the getfacl parser on real output (fixtures/acl/getfacl.out, made by
fixtures/acl/make.sh with setfacl on a scratch tree), the declared query run for real, and the
table's coverage when getfacl is missing."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from proofshot.collectors.base import NotCollected, TableSpec
from proofshot.collectors.linux import COLLECTOR
from proofshot.collectors.linux.parsers.acl import parse_getfacl, unquote
from proofshot.model.table import Row
from proofshot.model.transcript import Answer, Query
from proofshot.scan.runner import TableResult, build_table
from proofshot.transports.local import LocalTransport

FIX = Path(__file__).parent / "fixtures" / "acl"
T = "/tmp/psacl"
TABLE = next(t for t in COLLECTOR.tables() if t.name == "posix_acls")


def _plan(roots: list[str]) -> tuple[Query, TableSpec]:
    plan = COLLECTOR.plan({"files": roots})
    step = next(s for s in plan.steps if s.query.id == "getfacl")
    spec = next(s for s in plan.specs if s.table.name == "posix_acls")
    return step.query, spec


def _no_python(query: Query) -> Query:
    """The query as a target without python3 runs it (getfacl itself, not the walker)."""
    return dataclasses.replace(query, argv=tuple(
        a.replace("command -v python3", "command -v no-such-python3") for a in query.argv))


# files_meta as find answers it (no walker: getfacl's answer is the one read)
_FIND_META = Answer("files_meta", ["sh"], 0, b"", b"", 0.0)


def _table(query: Query, spec: TableSpec, answer: Answer,
           meta: Answer = _FIND_META) -> TableResult:
    declared = {s.query.id: s.query for s in COLLECTOR.plan({"files": ["/"]}).steps}
    return build_table(spec, {"getfacl": answer, "files_meta": meta},
                       {"getfacl": query, "files_meta": declared["files_meta"]})


def _run(query: Query, prefix: tuple[str, ...] = (), env: dict[str, str] | None = None
         ) -> Answer:
    argv = [*prefix, *query.argv]
    proc = subprocess.run(argv, capture_output=True, timeout=60, env=env, check=False)
    return Answer(query.id, argv, proc.returncode, proc.stdout, proc.stderr, 0.0)


@pytest.fixture(scope="module")
def rows() -> dict[tuple[str, str], Row]:
    parsed = parse_getfacl((FIX / "getfacl.out").read_bytes().decode("utf-8", "replace"))
    keyed = {TABLE.key_of(TABLE.validate(r)): r for r in parsed}
    assert len(keyed) == len(parsed)  # keys unique
    return keyed


def test_named_entries_mask_and_owning_group(rows: dict[tuple[str, str], Row]) -> None:
    shared = {e: r for (p, e), r in rows.items() if p == f"{T}/shared"}
    assert set(shared) == {"user:nobody", "group:adm", "group", "mask"}  # no user::, other::
    assert shared["user:nobody"] == {"path": f"{T}/shared", "entry": "user:nobody",
                                     "kind": "user", "name": "nobody", "default": False,
                                     "perms": "rwx", "effective": "rwx"}
    # the owning group's entry is below the mask: the mode's group bits (rwx) would overstate it
    assert (shared["group"]["name"], shared["group"]["perms"]) == (None, "r--")
    assert shared["mask"]["effective"] is None and shared["mask"]["perms"] == "rwx"


def test_effective_rights_after_the_mask(rows: dict[tuple[str, str], Row]) -> None:
    f = {e: r for (p, e), r in rows.items() if p == f"{T}/masked/f"}
    assert (f["user:daemon"]["perms"], f["user:daemon"]["effective"]) == ("rwx", "r--")
    assert (f["group:staff"]["perms"], f["group:staff"]["effective"]) == ("rw-", "r--")
    d = rows[(f"{T}/masked", "default:user:daemon")]
    assert d["default"] is True and (d["perms"], d["effective"]) == ("rwx", "r-x")


def test_effective_computed_when_getfacl_prints_none() -> None:
    """getfacl prints #effective only when it differs; the mask still applies without it."""
    text = "# file: /x\nuser::rwx\nuser:a:rw-\ngroup::r-x\ngroup:g:rwx\nmask::r-x\nother::---\n"
    got = {r["entry"]: r["effective"] for r in parse_getfacl(text)}
    assert got == {"user:a": "r--", "group": "r-x", "group:g": "r-x", "mask": None}


def test_default_acl_only(rows: dict[tuple[str, str], Row]) -> None:
    inherit = {e: r for (p, e), r in rows.items() if p == f"{T}/inherit"}
    assert set(inherit) == {"default:user", "default:user:nobody", "default:group",
                            "default:group:daemon", "default:mask", "default:other"}
    assert all(r["default"] for r in inherit.values())
    assert inherit["default:other"]["kind"] == "other"


def test_only_files_with_extended_entries_and_no_symlinks(
        rows: dict[tuple[str, str], Row]) -> None:
    paths = {p for p, _e in rows}
    assert f"{T}/plain/base-only" not in paths and f"{T}/plain" not in paths
    assert f"{T}/link" not in paths and T not in paths
    assert rows[(f"{T}/shared/fifo", "user:12345")]["name"] == "12345"  # uid without a name


def test_odd_path_names_are_decoded(rows: dict[tuple[str, str], Row]) -> None:
    paths = {p for p, _e in rows}
    for name in ("new\nline", "back\\slash", "t\tab", "ü"):
        assert f"{T}/shared/{name}" in paths, name
    assert f"{T}/with space/f" in paths
    assert unquote("a\\040b\\\\c\\303\\274") == "a b\\cü"
    (row,) = [r for r in parse_getfacl("# file: /x\ngroup:domain\\040users:rwx\n")
              if r["kind"] == "group"]
    assert row["name"] == "domain users" and row["entry"] == "group:domain users"


def test_same_path_twice_keeps_one_block() -> None:
    block = "# file: /a\nuser::rwx\nuser:x:r--\ngroup::r--\nmask::r--\nother::---\n\n"
    assert len(parse_getfacl(block + block.replace("user:x:r--", "user:x:rwx"))) == 3
    assert parse_getfacl("# file: relative\nuser:x:rwx\n") == []


def unprivileged() -> pwd.struct_passwd:
    """An account of this machine that is not root: `nobody` where it exists (not every
    system names it so, nor its group `nogroup`), else the first other one."""
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        return next(p for p in pwd.getpwall() if p.pw_uid != 0)


@pytest.mark.skipif(shutil.which("setfacl") is None, reason="needs setfacl (package acl)")
def test_declared_query_on_a_real_tree(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "plain").mkdir()
    other = unprivileged().pw_name
    subprocess.run(["setfacl", "-m", f"u:{other}:rwx", str(tmp_path / "d")], check=True)
    query, spec = _plan([str(tmp_path), "/nonexistent-ps"])
    res = _table(query, spec, _run(_no_python(query)))
    assert res.status == "ok", res.reason
    assert {(r["path"], r["entry"]) for r in res.rows or []} == {
        (f"{tmp_path}/d", f"user:{other}"), (f"{tmp_path}/d", "group"), (f"{tmp_path}/d", "mask")}
    # where python3 runs: getfacl answers nothing (exit 5), the walker's answer has the rows
    plan = COLLECTOR.plan({"files": [str(tmp_path), "/nonexistent-ps"]})
    meta_q = next(s.query for s in plan.steps if s.query.id == "files_meta")
    skipped, meta = _run(query), _run(meta_q)
    assert (skipped.exit_code, skipped.stdout, meta.exit_code) == (5, b"", 0)
    walked = _table(query, spec, skipped, meta)
    assert walked.status == "ok" and walked.rows == res.rows
    # the walker's answer unusable (here: cut), getfacl having left the ACLs to it: no rows
    cut = dataclasses.replace(meta, truncated=True)
    assert _table(query, spec, skipped, cut).rows is None


def test_missing_getfacl_is_unsupported_not_empty(tmp_path: Path) -> None:
    query, spec = _plan([str(tmp_path)])
    shell = shutil.which("sh") or "/bin/sh"  # the script itself finds nothing on this PATH
    answer = _run(dataclasses.replace(query, argv=(shell, *query.argv[1:])),
                  env={"PATH": str(tmp_path / "empty-bin")})
    assert answer.exit_code == 3 and b"getfacl" in answer.stderr
    res = _table(query, spec, answer)
    assert res.status == "unsupported" and res.rows is None
    with pytest.raises(NotCollected) as exc:
        spec.build({"getfacl": answer})
    assert exc.value.status == "unsupported"


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None
                    or shutil.which("getfacl") is None,
                    reason="needs root, setpriv and getfacl")
def test_unreadable_part_is_refused() -> None:
    """Run as an unprivileged account: a directory it cannot enter makes the table refused
    (incomplete), never a shorter list."""
    top = Path(tempfile.mkdtemp(prefix="psacl-"))
    try:
        top.chmod(0o755)
        (top / "closed").mkdir(mode=0o700)
        (top / "open").mkdir()
        other = unprivileged()
        subprocess.run(["setfacl", "-m", f"u:{other.pw_uid}:rx", str(top / "open")], check=True)
        query, spec = _plan([str(top)])
        answer = _run(_no_python(query), ("setpriv", f"--reuid={other.pw_uid}", f"--regid={other.pw_gid}",
                              "--clear-groups"))
        assert answer.exit_code == 1 and b"Permission denied" in answer.stderr
        assert f"{top}/open".encode() in answer.stdout  # the rest was read
        res = _table(query, spec, answer)
        assert res.status == "refused", (res.status, res.reason)
    finally:
        shutil.rmtree(top)


def test_local_transport_runs_it() -> None:
    query, _spec = _plan(["/nonexistent-ps"])
    answer = asyncio.run(LocalTransport().run(query))
    assert answer.exit_code == 0 and answer.stdout == b""  # no tree left: nothing, not an error
