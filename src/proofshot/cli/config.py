"""proofshot config: the store's settings: the provider's identity on reports (company,
company-address, company-logo, technician) and the time-stamping authority (tsa, tsa-ca)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from proofshot.cli.common import JsonOpt, StoreOpt, open_store, out
from proofshot.engagement import identity
from proofshot.store.timestamp import SETTINGS, config, set_setting

ALL = {**identity.SETTINGS, **SETTINGS}

app = typer.Typer(no_args_is_help=True, help="Store settings: " + "; ".join(
    f"{k}: {v}" for k, v in ALL.items()) + ".")


def _set(name: str, value: str | None, store: str | None) -> None:
    st = open_store(store)
    if name in identity.SETTINGS:
        identity.set_setting(st, name, value)
    else:
        set_setting(st, name, value)


@app.command("set")
def set_(
    name: Annotated[str, typer.Argument(help=", ".join(ALL))],
    value: Annotated[str, typer.Argument(help="The value (company-logo: a PNG or SVG file, "
                                         "tsa-ca: a PEM file; both copied into the store).")],
    store: StoreOpt = None,
) -> None:
    """Set a setting."""
    _set(name, value, store)


@app.command()
def unset(name: Annotated[str, typer.Argument(help=", ".join(ALL))],
          store: StoreOpt = None) -> None:
    """Remove a setting."""
    _set(name, None, store)


@app.command()
def show(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Print the settings."""
    st = open_store(store)
    values = {**config(st).get("settings", {}), **identity.identity(st)}
    if as_json:
        print(json.dumps(dict(sorted(values.items())), ensure_ascii=False))
        return
    for k, v in sorted(values.items()):
        out.print(f"{k} = {v}", markup=False)
