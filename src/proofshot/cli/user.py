"""proofshot user ...: the web UI's team users (argon2 hashes in the store's web-users.json)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from proofshot.cli.common import JsonOpt, StoreOpt, err, open_store
from proofshot.model.errors import BadInput
from proofshot.web import auth

app = typer.Typer(no_args_is_help=True, help="Users of the web UI (proofshot serve).")


@app.command()
def add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="viewer | technician | admin")] = "viewer",
    customer: Annotated[list[str] | None, typer.Option(
        "--customer", help="Limit the user to this customer's snapshots and engagements "
        "(repeat for several; default: all customers).")] = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from standard input (one line).")] = False,
    store: StoreOpt = None,
) -> None:
    """Add a user (or set a user's role and password). The password is asked for twice, or read
    from stdin with --password-stdin; only its argon2 hash is stored."""
    st = open_store(store)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise BadInput("empty password")
    auth.add_user(st.root, name, role, password, customer)
    only = f", customers: {', '.join(sorted(set(customer)))}" if customer else ""
    err.print(f"user {name} ({role}{only}) saved")


@app.command("list")
def list_(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """The web UI's users and their roles."""
    st = open_store(store)
    users = [(n, r, sorted(auth.customers_of(st.root, n) or [])) for n, r in
             auth.list_users(st.root)]
    if as_json:
        print(json.dumps([{"name": n, "role": r, "customers": c} for n, r, c in users]))
        return
    for name, role, cs in users:
        print(f"{name}\t{role}\t{', '.join(cs) or '(all customers)'}")
