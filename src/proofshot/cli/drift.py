"""proofshot drift: the drift events site workers recorded (PostgreSQL store): scheduled
snapshots whose change since the previous one of their scope falls outside every engagement's
window, with the number of such changes and how their alerts fared (`proofshot alert log`
names each delivery). Between any two snapshots, `proofshot diff A B` and the report show the
same check."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from proofshot.cli.alert import pg
from proofshot.cli.common import JsonOpt, StoreOpt, out, short
from proofshot.store import alerts


def drift(
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer's.")]
        = None,
    store: StoreOpt = None, as_json: JsonOpt = False,
) -> None:
    """Changes between scheduled snapshots made outside every engagement, oldest first."""
    be = pg(store)
    try:
        evs = alerts.events(be, customer)
    finally:
        be.close()
    if as_json:
        print(json.dumps([e.to_json() for e in evs], indent=1, ensure_ascii=False))
        return
    if not evs:
        out.print("no drift outside any engagement recorded")
    for e in evs:
        targets = ", ".join(sorted({f["target"] for f in e.body.get("findings") or []}))
        out.print(f"#{e.id}  {e.created:%Y-%m-%d %H:%M}  {e.customer}  "
                  f"{short(e.from_id)} -> {short(e.to_id)}  {e.outside} change(s) on {targets}  "
                  f"alerts: {e.sent} sent, {e.failed} failed, {e.pending} pending")
