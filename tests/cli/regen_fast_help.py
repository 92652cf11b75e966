"""Rewrite cli/fast.py's COMMANDS from the typer app; run after adding or renaming a command:

    .venv/bin/python -m tests.cli.regen_fast_help

test_fast.test_static_help_equals_the_typer_app fails until the two agree.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import typer

from proofshot.cli import fast
from proofshot.cli.app import build
from tests.cli.test_fast import _flat


def main() -> None:
    group = typer.main.get_command(build())
    commands = getattr(group, "commands", {})
    lines = ["COMMANDS: tuple[tuple[str, str], ...] = ("]
    for name, cmd in commands.items():
        pre = f'    ("{name}", '
        chunks = textwrap.wrap(_flat(cmd.help), 104 - len(pre), drop_whitespace=False,
                               break_on_hyphens=False)
        body = [pre + json.dumps(chunks[0], ensure_ascii=False)]
        body += [" " * len(pre) + json.dumps(c, ensure_ascii=False) for c in chunks[1:]]
        body[-1] += "),"
        lines += body
    lines.append(")")
    path = Path(fast.__file__)
    text = re.sub(r"COMMANDS: tuple\[tuple\[str, str\], \.\.\.\] = \(\n.*?\n\)\n",
                  lambda _: "\n".join(lines) + "\n", path.read_text(), count=1, flags=re.S)
    path.write_text(text)


if __name__ == "__main__":
    main()
