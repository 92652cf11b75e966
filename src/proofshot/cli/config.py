"""proofshot config: the store's settings (the time-stamping authority)."""

from __future__ import annotations

from typing import Annotated

import typer

from proofshot.cli.common import StoreOpt, open_store, out
from proofshot.store.timestamp import SETTINGS, config, set_setting

app = typer.Typer(no_args_is_help=True, help="Store settings: " + "; ".join(
    f"{k}: {v}" for k, v in SETTINGS.items()))


@app.command("set")
def set_(
    name: Annotated[str, typer.Argument(help=", ".join(SETTINGS))],
    value: Annotated[str, typer.Argument(help="The value (tsa-ca: a PEM file, copied into the "
                                         "store).")],
    store: StoreOpt = None,
) -> None:
    """Set a setting."""
    set_setting(open_store(store), name, value)


@app.command()
def unset(name: Annotated[str, typer.Argument(help=", ".join(SETTINGS))],
          store: StoreOpt = None) -> None:
    """Remove a setting."""
    set_setting(open_store(store), name, None)


@app.command()
def show(store: StoreOpt = None) -> None:
    """Print the settings."""
    for k, v in sorted(config(open_store(store)).get("settings", {}).items()):
        out.print(f"{k} = {v}", markup=False)
