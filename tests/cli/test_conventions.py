"""Conventions every command keeps: -h and --version, --store before the command, plain help
(no `<bool>` markers, no hard line breaks), --json where a command prints, `show --table`, store
locations that are URLs refused without creating anything, `report --out` into a missing
directory."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from proofshot import __version__
from proofshot.cli.app import COMMANDS, build, main
from proofshot.store.embedded import Store
from tests.cli.test_errors import one_error_line, ps
from tests.synth import commit, row

GROUPS = {"engagement": ["start", "note", "link", "close", "show", "list", "items", "item"],
          "config": ["set", "unset", "show"]}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("conv") / "store"
    st = Store.create(path)
    commit(st, "before", {"web": {"items": [row(1), row(2)]}})
    commit(st, "after", {"web": {"items": [row(1), row(3)]}})
    return path


def _help_of(*cmd: str) -> str:
    """In process (every command's help through one build of the app), 80 columns."""
    from typer.testing import CliRunner

    app, runner = build(), CliRunner()
    short = runner.invoke(app, [*cmd, "-h"], env={"COLUMNS": "80"})
    long_ = runner.invoke(app, [*cmd, "--help"], env={"COLUMNS": "80"})
    assert short.exit_code == 0 and long_.exit_code == 0, (cmd, short.output)
    assert short.output == long_.output
    return short.output


def _description(text: str) -> list[list[str]]:
    """The paragraphs of a help text between 'Usage:' and its first section ('Options:')."""
    paras: list[list[str]] = [[]]
    for line in text.splitlines()[1:]:
        if line and not line.startswith(" "):
            break
        if line.strip():
            paras[-1].append(line.strip())
        elif paras[-1]:
            paras.append([])
    return [p for p in paras if p]


def test_every_command_has_plain_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    commands = [[c] for c in COMMANDS] + [[g, s] for g, subs in GROUPS.items() for s in subs]
    for cmd in [[], *commands]:
        text = _help_of(*cmd)
        assert "Usage:" in text and "<bool>" not in text, cmd
        # paragraphs are filled by the formatter (78 columns): a line ends early only where
        # its paragraph ends, never at a line break of the docstring
        for para in _description(text):
            for a, b in itertools.pairwise(para):
                assert len(a) + 1 + len(b.split()[0]) > 76, (cmd, a, b)
        with pytest.raises(SystemExit) as done:
            main([*cmd, "--version"])
        assert done.value.code == 0
        assert capsys.readouterr().out.strip() == f"proofshot {__version__}"
    for cmd in (["--version"], ["diff", "a", "b", "--version"]):  # as a user runs it
        version = ps(*cmd)
        assert version.returncode == 0 and version.stdout.strip() == f"proofshot {__version__}"


def test_store_before_the_command_and_json(store: Path) -> None:
    before = ps("--store", str(store), "snapshots", "--json")
    assert before.returncode == 0, before.stderr
    assert [s["label"] for s in json.loads(before.stdout)] == ["before", "after"]
    eq = ps(f"--store={store}", "diff", "before", "after", "--stat")
    assert eq.returncode == 0 and "web" in eq.stdout
    for args in (["show", "after", "--json"], ["diff", "before", "after", "--json"],
                 ["config", "show", "--json"], ["engagement", "list", "--json"]):
        proc = ps(*args, "--store", str(store))
        assert proc.returncode == 0, (args, proc.stderr)
        json.loads(proc.stdout)


def test_show_table_prints_rows_and_unknown_table_exits_2(store: Path) -> None:
    proc = ps("show", "after", "--table", "items", "--store", str(store))
    assert proc.returncode == 0, proc.stderr
    assert "web / items: 2 rows" in proc.stdout and "item3" in proc.stdout
    assert "item2" not in proc.stdout
    bad = ps("show", "after", "--table", "itemz", "--store", str(store))
    assert bad.returncode == 2
    assert "did you mean 'items'" in one_error_line(bad)


@pytest.mark.parametrize("url", ["postgresql://audit:pw123@127.0.0.1:5432/ps",
                                 "ssh://backup@127.0.0.1/srv/ps"])
def test_a_store_url_is_an_error_never_a_directory(tmp_path: Path, url: str) -> None:
    for cmd in (["scan"], ["init"], ["snapshots"]):
        proc = ps(*cmd, "--store", url, cwd=tmp_path)
        assert proc.returncode == 2, (cmd, proc.stderr)
        line = one_error_line(proc)
        # a PostgreSQL store is supported, but never with a password in the URL
        assert ("not supported" in line or "no password in the URL" in line) and "pw123" not in line
        proc = ps(*cmd, cwd=tmp_path, env={"PROOFSHOT_STORE": url})
        assert proc.returncode == 2, (cmd, proc.stderr)
    assert list(tmp_path.iterdir()) == []


def test_report_out_into_a_missing_directory_exits_2(store: Path, tmp_path: Path) -> None:
    target = tmp_path / "nope" / "r.html"
    proc = ps("report", "before", "after", "--out", str(target), "--store", str(store))
    assert proc.returncode == 2
    assert "does not exist" in one_error_line(proc)
    assert not (tmp_path / "nope").exists()


def test_version_command_and_unknown_option_still_usage_errors() -> None:
    assert ps("version").stdout.strip() == __version__
    proc = ps("diff", "--nope")
    assert proc.returncode == 2 and re.search(r"No such option", proc.stderr)


def test_json_of_init_verify_export_sync(store: Path, tmp_path: Path) -> None:
    made = json.loads(ps("init", "--store", str(tmp_path / "new"), "--json").stdout)
    assert made["store"] == str(tmp_path / "new") and made["key"].startswith("SHA256:")
    ver = json.loads(ps("verify", "--json", "--store", str(store)).stdout)
    assert ver["ok"] is True and ver["snapshots"] == 2 and ver["problems"] == []
    exp = ps("export", "before", "after", "--out", str(tmp_path / "b.zip"), "--json",
             "--store", str(store))
    assert exp.returncode == 0, exp.stderr
    assert json.loads(exp.stdout)["bundle"] == str(tmp_path / "b.zip")
    syn = ps("sync", str(tmp_path / "copy"), "--json", "--store", str(store))
    assert syn.returncode == 0, syn.stderr
    doc = json.loads(syn.stdout)
    assert doc["verified"] is True and doc["snapshots"] == 2


SILENT = {"engagement item return", "engagement item lost", "engagement item kept", "config set",
          "config unset", "user add",
          # print on stderr only: a revocation, a removed schedule, the long-running worker
          "key revoke", "schedule remove", "worker", "alert remove"}


def test_every_command_that_prints_has_json() -> None:
    """--json on every command; the few without it print nothing on success (tested in the
    job-flow tests: they are the item and setting commands)."""
    import typer

    def leaves(cmd: Any, path: list[str]) -> list[tuple[str, Any]]:
        subs = getattr(cmd, "commands", None)
        if subs:
            return [x for n, c in subs.items() for x in leaves(c, [*path, n])]
        return [(" ".join(path), cmd)]

    found = leaves(typer.main.get_command(build()), [])
    assert len(found) > 25
    without = {name for name, cmd in found
               if "--json" not in {o for p in cmd.params for o in getattr(p, "opts", [])}}
    assert without == SILENT
    assert json.loads(ps("version", "--json").stdout) == {"version": __version__}


def test_silent_commands_print_nothing(tmp_path: Path) -> None:
    st = str(tmp_path / "s")
    assert ps("init", "--store", st).returncode == 0
    r = ps("config", "set", "company", "Muster IT GmbH", "--store", st)
    assert r.returncode == 0 and r.stdout == ""
    assert ps("engagement", "start", "Job", "--customer", "C", "--store", st).returncode == 0
    assert ps("engagement", "item", "receive", "Key 1", "--from", "Meier",
              "--store", st).returncode == 0
    r = ps("engagement", "item", "return", "Key 1", "--to", "Meier", "--store", st)
    assert r.returncode == 0 and r.stdout == ""
