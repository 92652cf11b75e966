"""The `proofshot` command. Exit codes: 0 ok, 1 internal error, 2 bad input, 3 scan incomplete,
4 verification failed.

Commands are registered from a table of module paths, and only the one being run is imported
(the views, the report and the job record pull in networkx, Jinja2, WeasyPrint...): a scan
starts in a third of the time. `--help` and unknown names import them all.
"""

from __future__ import annotations

import importlib
import sys

import typer

from proofshot import __version__
from proofshot.cli.common import err
from proofshot.model.errors import ProofshotError

# name -> (module, attribute); attribute "app" marks a sub-command group
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("proofshot.cli.init", "init"),
    "scan": ("proofshot.cli.scan", "scan"),
    "check": ("proofshot.cli.check", "check"),
    "snapshots": ("proofshot.cli.snapshots", "snapshots"),
    "show": ("proofshot.cli.show", "show"),
    "diff": ("proofshot.cli.diff", "diff"),
    "verify": ("proofshot.cli.verify", "verify"),
    "tables": ("proofshot.cli.tables", "tables"),
    "report": ("proofshot.cli.report", "report"),
    "paths": ("proofshot.cli.paths", "paths"),
    "findings": ("proofshot.cli.findings", "findings"),
    "rules": ("proofshot.cli.rules", "rules"),
    "access": ("proofshot.cli.access", "access"),
    "export": ("proofshot.cli.export", "export"),
    "sync": ("proofshot.cli.sync", "sync"),
    "timestamp": ("proofshot.cli.timestamp", "timestamp"),
    "engagement": ("proofshot.cli.engagement", "app"),
    "config": ("proofshot.cli.config", "app"),
}


def build(only: str | None = None) -> typer.Typer:
    app = typer.Typer(
        add_completion=False,
        no_args_is_help=True,
        help="Agentless IT documentation with proof: signed before/after snapshots and their "
             "diff.",
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def _group() -> None:
        """Agentless IT documentation with proof."""

    @app.command()
    def version() -> None:
        """Print the version."""
        print(__version__)

    for name, (module, attr) in COMMANDS.items():
        if only is not None and name != only:
            continue
        obj = getattr(importlib.import_module(module), attr)
        if attr == "app":
            app.add_typer(obj, name=name)
        else:
            app.command(name=name)(obj)
    return app


def _command_of(argv: list[str]) -> str | None:
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
        if arg in ("--help", "-h"):
            return None
    return None


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    try:
        rv = build(_command_of(args))(args=args, standalone_mode=False)
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
    except ProofshotError as exc:
        err.print(f"proofshot: error: {exc.message}", markup=False)
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # usage errors: exit 2 (click's own code)
        show = getattr(exc, "show", None)
        if show:
            show(file=sys.stderr)
        else:
            err.print(f"proofshot: {exc}", markup=False)
        sys.exit(int(getattr(exc, "exit_code", 2)))
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # last line of defence: one clear line, exit 1
        err.print(f"proofshot: internal error: {type(exc).__name__}: {exc}", markup=False)
        sys.exit(1)
    sys.exit(rv if isinstance(rv, int) else 0)
