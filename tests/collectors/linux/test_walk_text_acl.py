"""The one walk (files_meta's python3 walker, format psw3) gives, table by table, exactly the
rows of the separate queries it replaces where it runs as root: files_text (find + grep -I) and
getfacl, on a planted tree with every edge case of grep's binary detection and of ACLs, in the C
and the UTF-8 locale, before and after masking; an old psw2 answer still gives the same rows;
and files_text/getfacl answer nothing (exit 5) exactly where the walker answered for them.

The fallback path is the one a target without python3 takes (the scripts' `command -v python3`
made to fail), so both paths are the declared queries run for real."""

from __future__ import annotations

import dataclasses
import grp
import hashlib
import hmac
import os
import pwd
import shutil
import socket
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from proofshot.collectors.linux import COLLECTOR, queries
from proofshot.collectors.linux.parsers import files
from proofshot.model.table import Row
from proofshot.model.transcript import Answer, Query
from proofshot.scan.record import mask_answer
from proofshot.scan.runner import build_table

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setfacl") is None or shutil.which("getfacl") is None,
    reason="needs root (the walker keeps text only as root) and setfacl/getfacl")

QIDS = ("files_meta", "files_sha256", "files_text", "getfacl")
SECRET = "Planted-Walker-Secret-77"
PEM_SECRET = "UGxhbnRlZFdhbGtlclBFTQ"
LATIN1 = b"caf\xe9 = 1\nnext line\n"


def _no_python(argv: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(a.replace("command -v python3", "command -v no-such-python3") for a in argv)


def _nobody() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        return next(p for p in pwd.getpwall() if p.pw_uid != 0)


def _group() -> str:
    for name in ("daemon", "adm", "sys", "users"):
        try:
            return grp.getgrnam(name).gr_name
        except KeyError:
            continue
    return grp.getgrgid(os.getgid()).gr_name


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    top = tmp_path_factory.mktemp("walk3")
    top.chmod(0o755)
    root = top / "t"
    d = root / "d"
    d.mkdir(parents=True)
    line = b"x" * 9 + b"\n"
    plant = {
        "plain.conf": b"a = 1\nb = 2\n",
        "empty": b"",
        "noeol": b"first\nlast without newline",
        "crlf": b"one\r\ntwo\r\n\r\n",
        "cr-only": b"a\rb\rc",
        "blank-lines": b"\n\n\nx\n\n",
        "long-line": b"y" * 60000 + b"\n",
        "nul-first": b"text\0more\n",
        "nul-at-32767": (line * 3300)[:32767] + b"\0tail\n",
        "nul-at-40000": (line * 4000) + b"\0tail\n" + line * 10,
        "nul-at-120000": (line * 12000) + b"\0tail\n" + line * 100,
        "utf8": "grüße = ok\nzweite\n".encode(),
        "latin1": LATIN1,
        "latin1-late": line * 5000 + b"caf\xe9\n" + line,
        "high-and-nul": b"\xff\xfe" + line * 4000 + b"\0",
        "secret.conf": f"user = app\npassword = {SECRET}\n".encode(),
        "key.pem": (f"-----BEGIN PRIVATE KEY-----\n{PEM_SECRET}AAAA\n"
                    "-----END PRIVATE KEY-----\n").encode(),
        "name with blanks": b"blank\n",
        "new\nline": b"newline in name\n",
        "back\\slash": b"backslash\n",
        "tab\there": b"tab\n",
        os.fsdecode(b"latin\xe9name"): b"odd name\n",
        "private-mode": b"not world readable\n",
    }
    for name, data in plant.items():
        (d / name).write_bytes(data)
        (d / name).chmod(0o644)
    (d / "private-mode").chmod(0o640)
    for size in (65535, 65536, 65537, 199999, 200000, 200001):  # the max_text boundaries
        (d / f"size-{size}").write_bytes((line * (size // 10 + 1))[:size - 1] + b"\n")
        (d / f"size-{size}").chmod(0o644)
    with open(d / "sparse-early", "wb") as f:  # a hole from the start: NULs first
        f.truncate(50000)
        f.seek(49990)
        f.write(b"end text\n")
    with open(d / "sparse-late", "wb") as f:  # text, then a hole past 32 KiB
        f.write(line * 4000)
        f.truncate(60000)
    for p in (d / "sparse-early", d / "sparse-late"):
        p.chmod(0o644)
    (root / "link").symlink_to("d/plain.conf")
    (root / "dangling").symlink_to("/no/such")
    os.mkfifo(root / "fifo")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "sock"))
    sock.close()
    closed = root / "closed"
    closed.mkdir(mode=0o700)
    (closed / "inside.conf").write_bytes(b"inside a 0700 dir\n")
    (closed / "inside.conf").chmod(0o644)
    # ACLs: named user and group, a uid and a gid without a name, a mask below the grants,
    # default ACLs on directories, a directory with only a default ACL, an ACL on a fifo
    nobody, group = _nobody().pw_name, _group()

    def setfacl(*args: str) -> None:
        subprocess.run(["setfacl", *args], check=True)

    setfacl("-m", f"u:{nobody}:rwx,g:{group}:rw,u:54321:r,g:54322:rx", str(d / "plain.conf"))
    setfacl("-m", "m::r", str(d / "plain.conf"))
    setfacl("-m", f"u:{nobody}:rw", str(d / "name with blanks"), str(d / "new\nline"),
            str(d / "back\\slash"), str(closed / "inside.conf"), str(root / "fifo"))
    setfacl("-m", f"g:{group}:rx", str(d))
    setfacl("-d", "-m", f"u:{nobody}:rx,g:54322:r", str(d))
    (root / "default-only").mkdir()
    setfacl("-d", "-m", "g::r", str(root / "default-only"))
    (root / "base-only").mkdir()
    setfacl("-m", "u::rwx", str(root / "base-only"))
    return root


def _plan(roots: list[str], max_text: int) -> tuple[dict[str, Query], dict[str, object]]:
    plan = COLLECTOR.plan({"files": roots, "file_text_max": max_text})
    declared = {s.query.id: s.query for s in plan.steps if s.query.id in QIDS}
    specs = {s.table.name: s for s in plan.specs if s.table.name in ("files", "posix_acls")}
    return declared, specs  # type: ignore[return-value]


def collect(roots: list[str], env: Mapping[str, str], python: bool, max_text: int = 65536,
            prefix: tuple[str, ...] = ()) -> dict[str, Answer]:
    declared, _ = _plan(roots, max_text)
    out = {}
    for qid, q in declared.items():
        argv = q.argv if python else _no_python(q.argv)
        proc = subprocess.run([*prefix, *argv], capture_output=True, env=dict(env),
                              timeout=120, check=False)
        out[qid] = Answer(qid, list(argv), proc.returncode, proc.stdout, proc.stderr, 0.0)
    return out


def tables(roots: list[str], answers: Mapping[str, Answer], max_text: int = 65536
           ) -> dict[str, list[Row]]:
    declared, specs = _plan(roots, max_text)
    out = {}
    for name, spec in specs.items():
        res = build_table(spec, answers, declared)  # type: ignore[arg-type]
        assert res.status == "ok" and res.rows is not None, (name, res.status, res.reason)
        out[name] = sorted(res.rows, key=lambda r: (r["path"], r.get("entry", "")))
    return out


def _keyed(value: str) -> str:
    return "hmac:" + hmac.new(b"k" * 32, value.encode(), hashlib.sha256).hexdigest()[:16]


def masked(answers: Mapping[str, Answer]) -> dict[str, Answer]:
    return {q: mask_answer(a, _keyed)[0] for q, a in answers.items()}


PATH = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
LOCALES = {
    "C": {**PATH, "LC_ALL": "C"},
    "C.UTF-8": {**PATH, "LC_ALL": "C.UTF-8"},
    "LANG=C.UTF-8": {**PATH, "LANG": "C.UTF-8"},
    "none (python coerces LC_CTYPE)": dict(PATH),
}


@pytest.mark.parametrize("max_text", [65536, 200000])
@pytest.mark.parametrize("locale", list(LOCALES))
def test_walker_rows_equal_find_grep_getfacl(tree: Path, locale: str, max_text: int) -> None:
    env = LOCALES[locale]
    roots = [str(tree), str(tree / "d") + "/"]  # nested: a path twice, as find lists it
    walked = collect(roots, env, python=True, max_text=max_text)
    fell = collect(roots, env, python=False, max_text=max_text)
    # the walker answered for files_text and getfacl; the fallback ran them
    assert walked["files_text"].exit_code == walked["getfacl"].exit_code == queries.SKIPPED
    assert walked["files_text"].stdout == walked["getfacl"].stdout == b""
    assert walked["files_sha256"].stdout == b"" and walked["files_meta"].exit_code == 0
    assert fell["files_text"].exit_code == 0 and fell["getfacl"].exit_code == 0
    meta = walked["files_meta"].text
    _, acl_section, text_section, _ = files.split_walk(meta)
    assert acl_section and text_section
    # grep's own bytes, section for section (the masking then sees the same lines)
    assert walked["files_meta"].stdout.endswith(b"\0" + fell["files_text"].stdout)
    got, want = tables(roots, walked, max_text), tables(roots, fell, max_text)
    for name in want:
        assert got[name] == want[name], name
    # the same after masking (what the store keeps and builds rows from)
    got, want = tables(roots, masked(walked), max_text), tables(roots, masked(fell), max_text)
    for name in want:
        assert got[name] == want[name], name
    text = {r["path"]: r["text"] for r in got["files"]}
    d = f"{tree}/d"
    assert text[f"{d}/empty"] == "" and text[f"{d}/nul-first"] is None
    # d/ is also a root of its own: find lists its files twice and grep's text comes twice,
    # as it always did; the walker's text section is the same
    assert text[f"{d}/noeol"] == "first\nlast without newline\n" * 2
    assert text[f"{d}/private-mode"] is None and text[f"{tree}/closed/inside.conf"]
    assert SECRET not in str(text[f"{d}/secret.conf"]) and "hmac:" in str(text[f"{d}/secret.conf"])
    assert PEM_SECRET not in str(text[f"{d}/key.pem"])
    assert text[f"{d}/size-{max_text}"] is not None and text[f"{d}/size-{max_text + 1}"] is None
    utf8 = "UTF-8" in locale
    assert (text[f"{d}/latin1"] == "next line\n" * 2) if utf8 else text[f"{d}/latin1"]
    acls = {(r["path"], r["entry"]): r for r in got["posix_acls"]}
    assert acls[(f"{d}/plain.conf", "user:54321")]["name"] == "54321"
    assert acls[(f"{d}/plain.conf", f"user:{_nobody().pw_name}")]["effective"] == "r--"
    assert (f"{tree}/default-only", "default:group") in acls
    assert (f"{d}/new\nline", f"user:{_nobody().pw_name}") in acls
    assert (f"{tree}/fifo", f"user:{_nobody().pw_name}") in acls
    assert not any(p in (f"{tree}/base-only", f"{tree}/link") for p, _ in acls)


def test_old_psw2_answer_gives_the_same_rows(tree: Path) -> None:
    """A psw2 answer (the walker before ACLs and text: stores keep it, `verify --rederive`
    parses it again) with getfacl's and files_text's own answers gives the psw3 rows."""
    roots = [str(tree)]
    walked = collect(roots, LOCALES["C"], python=True)
    fell = collect(roots, LOCALES["C"], python=False)
    records = files.split_walk(walked["files_meta"].text)[0]
    old = "psw2\0" + records[len("psw3\0"):]
    psw2 = {**fell, "files_meta": dataclasses.replace(
        walked["files_meta"], stdout=old.encode("utf-8", "surrogateescape")),
        "files_sha256": walked["files_sha256"]}
    assert tables(roots, psw2) == tables(roots, walked)
    assert files.identities(old) == files.identities(walked["files_meta"].text)


def test_text_stays_with_files_text_unless_root_not_through_sudo(tree: Path) -> None:
    """The walker keeps the text only where files_text would run as the same account: root
    with no SUDO_UID or SUDO_UID 0. Root reached by sudo from another account (SUDO_UID set):
    files_text runs (as that account, over SSH; here as root with the variable set) and the
    walker's answer has no text; run as another account (no sudo), the same."""
    roots = [str(tree / "d")]

    def flags(answers: Mapping[str, Answer]) -> str:
        walk = files.split_walk(answers["files_meta"].text)
        assert ("a" in walk.flags) == (walk.acls is not None)
        assert ("t" in walk.flags) == (walk.text is not None)
        return "".join(sorted(walk.flags))

    fell = collect(roots, LOCALES["C"], python=False)
    sudoed = collect(roots, {**LOCALES["C"], "SUDO_UID": str(_nobody().pw_uid)}, python=True)
    assert flags(sudoed) == "a" and sudoed["files_text"].exit_code == 0
    assert sudoed["files_text"].stdout == fell["files_text"].stdout
    assert tables(roots, sudoed) == tables(roots, fell)
    root_sudo = collect(roots, {**LOCALES["C"], "SUDO_UID": "0"}, python=True)
    assert flags(root_sudo) == "at" and root_sudo["files_text"].exit_code == queries.SKIPPED
    if shutil.which("sudo") is not None:  # sudo from root itself: SUDO_UID 0, as SSH as root
        via = collect(roots, LOCALES["C"], python=True, prefix=("sudo", "-n", "--"))
        if via["files_meta"].exit_code == 0:
            assert flags(via) == "at" and via["files_text"].exit_code == queries.SKIPPED
            assert tables(roots, via) == tables(roots, fell)
    if shutil.which("setpriv") is not None:  # another account, no sudo: no text in the walk
        u = _nobody()
        as_user = ("setpriv", f"--reuid={u.pw_uid}", f"--regid={u.pw_gid}", "--clear-groups")
        mine = collect([str(tree / "d")], LOCALES["C"], python=True, prefix=as_user)
        assert "t" not in flags(mine) and mine["files_text"].exit_code != queries.SKIPPED


def test_walker_text_is_masked_in_the_store(tmp_path: Path) -> None:
    """A real local scan as root (the walker keeps the text, files_text answers nothing): the
    text rows hold the masked secret, and no byte of the store holds it in clear."""
    from proofshot.scan.scope import load_scope
    from proofshot.scan.service import scan
    from proofshot.store.embedded import Store
    from proofshot.store.reader import open_snapshot
    from tests.storebytes import everything

    tree = tmp_path / "plant"
    tree.mkdir()
    tmp_path.chmod(0o755)
    tree.chmod(0o755)
    (tree / "app.conf").write_text(f"db_host=localhost\npassword={SECRET}\n")
    (tree / "id_test").write_text(f"-----BEGIN PRIVATE KEY-----\n{PEM_SECRET}AAAA\n"
                                  "-----END PRIVATE KEY-----\n")
    for p in (tree / "app.conf", tree / "id_test"):
        p.chmod(0o644)
    scope = tmp_path / "scope.yaml"
    scope.write_text(f"targets:\n  - {{name: here, type: local, files: ['{tree}']}}\n")
    store = Store.create(tmp_path / "store")
    try:
        sid = scan(store, load_scope(scope), "plant").snapshot
        kh = store.keys.keyed_hash
        snap = open_snapshot(store, sid)
        (t,) = snap.targets
        text_answer = snap.transcript(next(c for c in t.coverage if c.query == "files_text"))
        rows = {r["path"]: r for r in snap.rows(t, "files")}
    finally:
        store.close()
    assert text_answer.exit_code == queries.SKIPPED and text_answer.stdout == b""
    assert rows[f"{tree}/app.conf"]["text"] == f"db_host=localhost\npassword={kh(SECRET)}\n"
    assert rows[f"{tree}/id_test"]["text"].startswith("-----MASKED PRIVATE KEY hmac:")
    blob = everything(tmp_path / "store")
    assert b"db_host=localhost" in blob
    assert SECRET.encode() not in blob and PEM_SECRET.encode() not in blob


def test_text_past_the_bound_leaves_the_table_partial(tree: Path) -> None:
    """Past FILES_MAX_BYTES of text (files_text's own bound, here lowered in the program as a
    test can) the walker keeps none (flag T): the files table keeps its rows and hashes, every
    text None, and is partial ("files_text: truncated"), as a cut files_text answer left it."""
    roots = [str(tree / "d")]
    declared, specs = _plan(roots, 65536)
    bound = f"TXCAP = [{queries.FILES_MAX_BYTES}]"
    answers = {}
    for qid, q in declared.items():
        argv = tuple(a.replace(bound, "TXCAP = [100]") for a in q.argv)
        assert qid != "files_meta" or argv != q.argv
        proc = subprocess.run(argv, capture_output=True, env=LOCALES["C"], timeout=120,
                              check=False)
        answers[qid] = Answer(qid, list(argv), proc.returncode, proc.stdout, proc.stderr, 0.0)
    walk = files.split_walk(answers["files_meta"].text)
    assert walk.flags == "Ta" and walk.text is None and walk.acls
    res = build_table(specs["files"], answers, declared)  # type: ignore[arg-type]
    assert res.status == "partial" and res.failed == ("files_text: truncated",)
    assert res.sources == ("files_meta", "files_sha256")  # as when files_text itself was cut
    assert res.rows and all(r["text"] is None for r in res.rows)
    assert all(r["sha256"] for r in res.rows if r["type"] == "file")  # root reads them all


def test_a_mount_point_inside_a_tree(tmp_path: Path) -> None:
    """One filesystem per tree: find -xdev lists a mount point but not its content, getfacl
    --one-file-system neither lists its ACL; the walker gives the same rows (a tmpfs mounted
    inside the tree for the test)."""
    root = tmp_path / "t"
    (root / "m").mkdir(parents=True)
    if subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(root / "m")],
                      capture_output=True, check=False).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        (root / "m" / "inside").write_text("on the other filesystem\n")
        nobody = _nobody().pw_name
        subprocess.run(["setfacl", "-m", f"u:{nobody}:r", str(root), str(root / "m"),
                        str(root / "m" / "inside")], check=True)
        walked = collect([str(root)], LOCALES["C"], python=True)
        fell = collect([str(root)], LOCALES["C"], python=False)
        got, want = tables([str(root)], walked), tables([str(root)], fell)
        assert got == want
        assert {r["path"] for r in got["posix_acls"]} == {str(root)}
        assert str(root / "m") in {r["path"] for r in got["files"]}
    finally:
        subprocess.run(["umount", str(root / "m")], check=False)


def test_tables_rest_on_the_same_sources(tree: Path) -> None:
    """A diff compares two tables only when they were read from the same sources: the walker's
    files and posix_acls record the sources the separate queries gave (files_meta,
    files_sha256, files_text; getfacl), so an old snapshot and a new one stay comparable."""
    roots = [str(tree)]
    declared, specs = _plan(roots, 65536)
    walked = collect(roots, LOCALES["C"], python=True)
    fell = collect(roots, LOCALES["C"], python=False)
    for name, spec in specs.items():
        a = build_table(spec, walked, declared)  # type: ignore[arg-type]
        b = build_table(spec, fell, declared)  # type: ignore[arg-type]
        assert (a.status, a.sources, a.failed) == (b.status, b.sources, b.failed), name
    assert build_table(specs["posix_acls"], walked, declared).sources == (  # type: ignore[arg-type]
        "getfacl",)
