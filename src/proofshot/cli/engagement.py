"""proofshot engagement ...: the job record (customer, technician, work log, linked snapshots,
entrusted items). Every event is signed and chained; `engagement close` is refused (exit 2)
while an entrusted item is neither returned nor recorded lost or kept."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table as RichTable

from proofshot.cli.common import JsonOpt, StoreOpt, err, open_store, out, short
from proofshot.engagement import record
from proofshot.engagement.model import (
    Engagement,
    Item,
    load,
    load_all,
    resolve,
    unique_prefixes,
)

app = typer.Typer(no_args_is_help=True, help="The job record: customer, work log, linked "
                  "snapshots, entrusted items (keys, cards, credentials).")
item_app = typer.Typer(no_args_is_help=True, help="Items the customer entrusts: receive, return, "
                       "lost, kept.")
app.add_typer(item_app, name="item")

EngOpt = Annotated[str | None, typer.Option(
    "--engagement", "-e", help="Engagement id or unique prefix; default: the open one.",
    show_default=False)]
TechOpt = Annotated[str | None, typer.Option(
    "--technician", help="Who records this (default: PROOFSHOT_TECHNICIAN, else the "
    "engagement's technician).", show_default=False)]


@app.command()
def start(
    title: Annotated[str, typer.Argument(help="What the job is, e.g. 'Firewall migration'.")],
    customer: Annotated[str, typer.Option("--customer", help="The customer.")],
    technician: Annotated[str | None, typer.Option(
        help="Who does the work, full name (default: PROOFSHOT_TECHNICIAN, else the "
        "store's 'technician' setting, else the login name).")] = None,
    store: StoreOpt = None, as_json: JsonOpt = False,
) -> None:
    """Open an engagement; prints its id. It becomes the current one: every scan from now on
    is linked to it (the first as before, each later one as after) until it is closed."""
    st = open_store(store)
    eid = record.start(st, title, customer, technician)
    if as_json:
        print(json.dumps({"id": eid, "title": title, "customer": customer}, ensure_ascii=False))
        return
    err.print(f"engagement '{title}' for {customer} started; it is the current one")
    print(eid)


def _done(as_json: bool, **fields: str) -> None:
    if as_json:
        print(json.dumps(fields, ensure_ascii=False))


@app.command()
def note(
    text: Annotated[str, typer.Argument(help="What was done or observed.")],
    engagement: EngOpt = None, technician: TechOpt = None, store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a timestamped entry to the work log."""
    st = open_store(store)
    entry = record.note(st, resolve(st, engagement), text, technician)
    if as_json:
        _done(True, entry=entry)
        return
    print(entry)


@app.command()
def link(
    role: Annotated[str, typer.Argument(help="before | after | control | control-after")],
    snapshot: Annotated[str, typer.Argument(help="Id, id prefix, label, latest or previous.")],
    engagement: EngOpt = None, technician: TechOpt = None, store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Link an existing snapshot to the engagement in a role (control + control-after: a pair
    over a comparable window without work, showing the ambient drift)."""
    st = open_store(store)
    eid = resolve(st, engagement)
    record.link(st, eid, role, snapshot, technician)
    sid = load(st, eid).links[role]
    if as_json:
        _done(True, engagement=eid, role=role, snapshot=sid)
        return
    err.print(f"linked {short(sid)} as {role} of engagement {short(eid)}")


@app.command()
def close(
    force_reason: Annotated[str | None, typer.Option(
        "--force-reason", help="Close although no before/after snapshot is linked; recorded. "
        "Never closes over entrusted items still held.")] = None,
    engagement: EngOpt = None, technician: TechOpt = None, store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Close the engagement. Refused (exit 2) while an entrusted item is still held."""
    st = open_store(store)
    eid = resolve(st, engagement)
    entry = record.close(st, eid, force_reason, technician)
    if as_json:
        _done(True, engagement=eid, entry=entry)
        return
    err.print(f"engagement {short(eid)} closed")


@app.command()
def show(
    engagement: Annotated[str | None, typer.Argument(
        help="Id or unique prefix; default: the current one (after it is closed: the one "
        "started last).", show_default=False)] = None,
    as_json: JsonOpt = False, store: StoreOpt = None,
) -> None:
    """The job record: work log, linked snapshots, entrusted items and their state."""
    st = open_store(store)
    eng = load(st, resolve(st, engagement, closed_ok=True))
    if as_json:
        print(json.dumps(eng.to_json(), ensure_ascii=False))
        return
    state = "open" if eng.is_open else f"closed {eng.closed}"
    out.print(f"[bold]{eng.title}[/bold] for {eng.customer}  ({short(eng.id)}, {state})")
    out.print(f"technician {eng.technician}, opened {eng.opened}"
              + (f"; closed with reason: {eng.close_reason}" if eng.close_reason else ""))
    for role, sid in eng.links.items():
        out.print(f"  {role:<14} {short(sid)}")
    for sid in eng.scans:
        if sid not in eng.links.values():
            out.print(f"  {'scan':<14} {short(sid)}")
    if eng.notes:
        out.print("\n[bold]work log[/bold]")
        for t, text in eng.notes:
            out.print(f"  {t}  {text}", markup=False)
    if eng.items:
        out.print("\n[bold]entrusted items[/bold]")
        out.print(_items_table([(eng, i) for i in eng.items]))


@app.command("list")
def list_(as_json: JsonOpt = False, store: StoreOpt = None) -> None:
    """Every engagement, oldest first."""
    st = open_store(store)
    engs = load_all(st)
    if as_json:
        print(json.dumps([{"id": g.id, "title": g.title, "customer": g.customer,
                           "technician": g.technician, "opened": g.opened, "closed": g.closed,
                           "items_held": len(g.outstanding())} for g in engs],
                         ensure_ascii=False))
        return
    rt = RichTable(show_edge=False, header_style="bold")
    for c in ("id", "title", "customer", "technician", "opened", "state", "held"):
        rt.add_column(c, no_wrap=c == "id")
    ids = unique_prefixes([g.id for g in engs])
    for g in engs:
        rt.add_row(ids[g.id], g.title, g.customer, g.technician, g.opened,
                   "open" if g.is_open else "closed", str(len(g.outstanding())))
    out.print(rt)


@app.command()
def items(
    overdue: Annotated[bool, typer.Option("--overdue", help="Only items held past their due "
                                          "date.")] = False,
    engagement: EngOpt = None, as_json: JsonOpt = False, store: StoreOpt = None,
) -> None:
    """Entrusted items (of one engagement, or of all with --overdue and no --engagement)."""
    st = open_store(store)
    everyone = engagement is None and overdue
    engs = load_all(st) if everyone else [load(st, resolve(st, engagement, closed_ok=True))]
    if as_json:
        print(json.dumps([{"engagement": g.id, **d} for g in engs for d in g.to_json()["items"]
                          if not overdue or d["overdue"]], ensure_ascii=False))
        return
    pairs = [(g, i) for g in engs for i in g.items if not overdue or i.overdue()]
    out.print(_items_table(pairs))


def _items_table(pairs: list[tuple[Engagement, Item]]) -> RichTable:
    rt = RichTable(show_edge=False, header_style="bold")
    for c in ("item", "label", "received from", "received", "due", "state", "last"):
        rt.add_column(c, no_wrap=c == "item")
    ids = unique_prefixes([i.id for _g, i in pairs])
    for _g, i in pairs:
        last = i.events[-1]
        detail = last.person or last.reason or ""
        state = f"[red]{i.state} (overdue)[/red]" if i.overdue() else i.state
        rt.add_row(ids[i.id], i.label, i.received_from, i.received_at, i.due or "-", state,
                   f"{last.event} {detail}".strip())
    return rt


@item_app.command()
def receive(
    label: Annotated[str, typer.Argument(help="What, e.g. 'Office key #3, main entrance'.")],
    from_: Annotated[str, typer.Option("--from", help="Who handed it over.")],
    due: Annotated[str | None, typer.Option(help="Return by (YYYY-MM-DD).")] = None,
    engagement: EngOpt = None, technician: TechOpt = None, store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an item handed over by the customer; prints the item id."""
    st = open_store(store)
    iid = record.receive(st, resolve(st, engagement), label, from_, due, technician)
    if as_json:
        _done(True, item=iid, label=label)
        return
    print(iid)


@item_app.command("return")
def return_(
    item: Annotated[str, typer.Argument(help="Item id, unique id prefix or label.")],
    to: Annotated[str, typer.Option("--to", help="Who took it back.")],
    engagement: EngOpt = None, technician: TechOpt = None, store: StoreOpt = None,
) -> None:
    """Record an item handed back."""
    st = open_store(store)
    record.settle(st, item, "return", eid=engagement, to=to, technician=technician)


@item_app.command()
def lost(
    item: Annotated[str, typer.Argument(help="Item id, unique id prefix or label.")],
    reason: Annotated[str, typer.Option("--reason", help="What happened.")],
    engagement: EngOpt = None, technician: TechOpt = None, store: StoreOpt = None,
) -> None:
    """Record an item as lost, with what happened."""
    st = open_store(store)
    record.settle(st, item, "lost", eid=engagement, reason=reason, technician=technician)


@item_app.command()
def kept(
    item: Annotated[str, typer.Argument(help="Item id, unique id prefix or label.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it stays with the technician.")],
    due: Annotated[str | None, typer.Option(help="Kept until (YYYY-MM-DD); after that date "
                                            "it is on the overdue list.")] = None,
    engagement: EngOpt = None, technician: TechOpt = None, store: StoreOpt = None,
) -> None:
    """Record an item kept by agreement (e.g. for follow-up work), with the reason."""
    st = open_store(store)
    record.settle(st, item, "kept", eid=engagement, reason=reason, technician=technician,
                  due=due)
