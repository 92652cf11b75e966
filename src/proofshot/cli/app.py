"""The `proofshot` command. Exit codes: 0 ok, 1 internal error, 2 bad input, 3 scan incomplete,
4 verification failed."""

from __future__ import annotations

import sys

import typer

from proofshot import __version__
from proofshot.cli.common import err
from proofshot.cli.config import app as config_app
from proofshot.cli.diff import diff
from proofshot.cli.engagement import app as engagement_app
from proofshot.cli.export import export
from proofshot.cli.findings import findings
from proofshot.cli.init import init
from proofshot.cli.paths import paths
from proofshot.cli.report import report
from proofshot.cli.rules import rules
from proofshot.cli.scan import scan
from proofshot.cli.show import show
from proofshot.cli.snapshots import snapshots
from proofshot.cli.sync import sync
from proofshot.cli.tables import tables
from proofshot.cli.timestamp import timestamp
from proofshot.cli.verify import verify
from proofshot.model.errors import ProofshotError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Agentless IT documentation with proof: signed before/after snapshots and their diff.",
    pretty_exceptions_enable=False,
)
for fn in (init, scan, snapshots, show, diff, verify, tables, report, paths, findings, rules):
    app.command()(fn)
app.command()(export)
app.command()(sync)
app.command()(timestamp)
app.add_typer(engagement_app, name="engagement")
app.add_typer(config_app, name="config")


@app.command()
def version() -> None:
    """Print the version."""
    print(__version__)


def main(argv: list[str] | None = None) -> None:
    try:
        rv = app(args=argv, standalone_mode=False)
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
