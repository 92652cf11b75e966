"""The `proofshot` command. Exit codes: 0 ok, 1 internal error, 2 bad input, 3 scan incomplete,
4 verification failed.

Commands are registered from a table of module paths, and only the one being run is imported
(the views, the report and the job record pull in networkx, Jinja2, WeasyPrint...): a scan
starts in a third of the time. `--help` and unknown names import them all.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Annotated

import typer

from proofshot import __version__
from proofshot.cli.common import StoreOpt, err
from proofshot.model.errors import ProofshotError

# name -> (module, attribute); attribute "app" marks a sub-command group
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("proofshot.cli.init", "init"),
    "scan": ("proofshot.cli.scan", "scan"),
    "capture": ("proofshot.cli.capture", "capture"),
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
    "serve": ("proofshot.cli.serve", "serve"),
    "user": ("proofshot.cli.user", "app"),
    "push": ("proofshot.cli.push", "push"),
    "key": ("proofshot.cli.key", "app"),
    "db": ("proofshot.cli.db", "app"),
    "schedule": ("proofshot.cli.schedule", "app"),
    "worker": ("proofshot.cli.worker", "worker"),
    "alert": ("proofshot.cli.alert", "app"),
    "drift": ("proofshot.cli.drift", "drift"),
}


# Conventions of every command: -h as well as --help; help text as plain paragraphs (click's
# formatter rewraps them to the terminal: no hard line breaks, no `<bool>` type markers).
CONTEXT = {"help_option_names": ["-h", "--help"]}


def _plain_help(app: typer.Typer) -> None:
    """Plain help for a command group and every group below it (others' groups too)."""
    app.rich_markup_mode = None
    app.info.context_settings = {**CONTEXT, **(app.info.context_settings or {})}
    for group in app.registered_groups:
        if group.typer_instance is not None:
            _plain_help(group.typer_instance)


def build(only: str | None = None) -> typer.Typer:
    app = typer.Typer(
        add_completion=False,
        no_args_is_help=True,
        help="Agentless IT documentation with proof: signed before/after snapshots and their "
             "diff.",
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings=CONTEXT,
    )

    @app.callback()
    def _group(
        store: StoreOpt = None,
        version: Annotated[bool, typer.Option(
            "--version", help="Print the version and exit (accepted after any command too).")
        ] = False,
    ) -> None:
        """Agentless IT documentation with proof."""
        if store:  # `proofshot --store S CMD`: as if --store S followed the command
            os.environ["PROOFSHOT_STORE"] = store

    @app.command()
    def version(as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")
                                   ] = False) -> None:
        """Print the version."""
        print(json.dumps({"version": __version__}) if as_json else __version__)

    for name, (module, attr) in COMMANDS.items():
        if only is not None and name != only:
            continue
        obj = getattr(importlib.import_module(module), attr)
        if attr == "app":
            _plain_help(obj)
            app.add_typer(obj, name=name)
        else:
            app.command(name=name)(obj)
    return app


GLOBAL_WITH_VALUE = ("--store",)  # options before the command that take a value


def _command_of(argv: list[str]) -> str | None:
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in GLOBAL_WITH_VALUE:
            skip = True
            continue
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
        if arg in ("--help", "-h"):
            return None
    return None


def _wants_version(argv: list[str]) -> bool:
    """--version anywhere before a `--` (every command accepts it)."""
    for arg in argv:
        if arg == "--":
            return False
        if arg == "--version":
            return True
    return False


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if _wants_version(args):
        print(f"proofshot {__version__}")
        sys.exit(0)
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
