"""The fast paths (cli/fast.py): the static help says what the typer app says, the fast commands
load none of the heavy libraries, and `snapshots` prints the same text either way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from proofshot import __version__
from proofshot.cli import fast
from proofshot.cli.app import build

HEAVY = ("typer", "click", "rich", "pydantic", "cryptography")


def _flat(text: str | None) -> str:
    first = (text or "").split("\n\n")[0]
    return " ".join(first.split())


def test_static_help_equals_the_typer_app() -> None:
    group = typer.main.get_command(build())
    commands = getattr(group, "commands", None)
    assert isinstance(commands, dict) and commands  # a group, in the order it lists them
    real = [(name, _flat(cmd.help)) for name, cmd in commands.items()]
    assert real == list(fast.COMMANDS), "run: python -m tests.cli.regen_fast_help"
    assert _flat(group.help) == fast.SUMMARY
    text = fast.help_text()
    flat = " ".join(text.split())
    for name, summary in fast.COMMANDS:
        assert f" {name} {summary}" in flat


def run(*args: str, entry: str = "proofshot.cli.fast") -> subprocess.CompletedProcess[str]:
    code = f"import sys; from {entry} import main; main(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ}, check=False)


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["version"], ["--version"],
                                  ["snapshots", "--store", "/nonexistent/store"]])
def test_fast_commands_load_no_heavy_library(args: list[str]) -> None:
    code = ("import sys; from proofshot.cli.fast import answer; rc = answer(sys.argv[1:]); "
            f"print('LOADED', [m for m in {HEAVY!r} if m in sys.modules], rc, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120, check=False)
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("LOADED [] "), proc.stderr
    assert last != "LOADED [] None"  # answered here, not left to the full app


def test_version_and_help_output() -> None:
    assert run("version").stdout == f"{__version__}\n"
    assert run("--version").stdout == f"proofshot {__version__}\n"
    helped = run("--help")
    assert helped.returncode == 0
    assert helped.stdout.startswith("Usage: proofshot")
    assert "snapshots" in helped.stdout


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("fast")
    tree = tmp / "tree"
    tree.mkdir()
    (tree / "f").write_text("x")
    scope = tmp / "scope.yaml"
    scope.write_text(f"targets:\n  - name: here\n    type: local\n    files: [{tree}]\n")
    s = tmp / "store"
    for label in ("[bold]first[/bold]", "zweite Größe"):
        proc = run("scan", str(scope), "--label", label, "--store", str(s))
        assert proc.returncode in (0, 3), proc.stderr
    return s


def test_snapshots_fast_equals_full_app(store: Path) -> None:
    for extra in ([], ["--json"]):
        quick = run("snapshots", "--store", str(store), *extra)
        full = run("snapshots", "--store", str(store), *extra, entry="proofshot.cli.app")
        assert quick.returncode == full.returncode == 0, (quick.stderr, full.stderr)
        assert quick.stdout == full.stdout
    lines = run("snapshots", "--store", str(store)).stdout.splitlines()
    assert lines[0].split() == ["#", "id", "label", "created", "(UTC)", "targets", "not", "ok"]
    # the counts read from the manifests' JSON are the model's (the listing loads no model)
    from proofshot.store.embedded import Store
    from proofshot.store.reader import read_manifest

    st = Store.open(store)
    try:
        for row in json.loads(run("snapshots", "--store", str(store), "--json").stdout):
            m = read_manifest(st, row["id"], check=False)
            assert (row["targets"], row["not_ok"]) == (
                len(m.targets), sum(t.status != "ok" for t in m.targets))
    finally:
        st.close()
    code = ("import sys; from proofshot.cli.fast import answer; answer(sys.argv[1:]); "
            "print('MODEL', 'proofshot.model.snapshot' in sys.modules, file=sys.stderr)")
    listed = subprocess.run([sys.executable, "-c", code, "snapshots", "--store", str(store)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert listed.stderr.strip().splitlines()[-1] == "MODEL False", listed.stderr
    assert "[bold]first[/bold]" in lines[1] and "zweite Größe" in lines[2]  # no markup eaten


def test_snapshots_errors_as_the_full_app(tmp_path: Path) -> None:
    f = tmp_path / "afile"
    f.write_text("not a store")
    quick = run("snapshots", "--store", str(f))
    full = run("snapshots", "--store", str(f), entry="proofshot.cli.app")
    assert quick.returncode == full.returncode == 2
    assert quick.stderr.strip() == full.stderr.strip()
    assert "is a file" in quick.stderr
