"""proofshot db: the PostgreSQL store's schema (versioned migrations). Backups are PostgreSQL's
own: pg_dump for a copy, base backups with WAL archiving for point-in-time recovery."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from proofshot.cli.common import JsonOpt, StoreOpt, out
from proofshot.model.errors import BadInput
from proofshot.store.workspace import find_location, is_pg_url

app = typer.Typer(help="The PostgreSQL store's schema.", no_args_is_help=True)


@app.command("migrate")
def migrate(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Apply the schema migrations the database lacks (each in one transaction)."""
    loc = find_location(store)
    if not is_pg_url(loc):
        raise BadInput("db migrate applies to a PostgreSQL store (--store postgresql://...)")
    from proofshot.store.pgbackend import migrate as run

    before, after = run(loc)
    if as_json:
        print(json.dumps({"version": after, "was": before}))
        return
    out.print(f"schema at version {after}" + (f" (was {before})" if before != after else
                                                " (up to date)"))


@app.command("grant")
def grant(
    role: Annotated[str, typer.Argument(help="A PostgreSQL login role (a technician).")],
    customer: Annotated[list[str], typer.Option("--customer", help="A customer this role may "
                                                "see (repeat for more).")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Limit a technician's role to some customers: it then sees (and writes) those customers'
    snapshots only (row-level security), and may scan and push for them."""
    loc = find_location(store)
    if not is_pg_url(loc):
        raise BadInput("db grant applies to a PostgreSQL store (--store postgresql://...)")
    from proofshot.store.pgbackend import grant as run

    run(loc, role, customer)
    if as_json:
        print(json.dumps({"role": role, "customers": customer}))
        return
    out.print(f"{role} may see {', '.join(customer)}")
