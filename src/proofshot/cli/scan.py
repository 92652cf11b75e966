"""proofshot scan: read the targets of a scope and commit one signed snapshot."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from proofshot.cli.common import JsonOpt, StoreOpt, err, open_or_create_store
from proofshot.model.errors import BadInput
from proofshot.scan.runner import TargetResult
from proofshot.scan.scope import Scope, SSHTarget, load_scope, local_scope
from proofshot.scan.service import DEFAULT_CONCURRENCY
from proofshot.scan.service import scan as run_scan
from proofshot.store.api import EvidenceStore

_STYLE = {"ok": "green", "partial": "yellow"}


def scan(
    scope: Annotated[str | None, typer.Argument(help="Scope YAML; default: this machine.")] = None,
    label: Annotated[str, typer.Option("--label", "-l", help="Label, e.g. before/after.")] = "",
    store: StoreOpt = None,
    concurrency: Annotated[int, typer.Option(help="Targets read at once.", min=1)] = (
        DEFAULT_CONCURRENCY),
    engagement: Annotated[str | None, typer.Option(
        help="Engagement to link the snapshot to (default: the current one, if any).",
        show_default=False)] = None,
    role: Annotated[str | None, typer.Option(
        "--role", help="before, after or control: the snapshot's role in the engagement "
        "(default: before for its first scan, after for every later one).",
        show_default=False)] = None,
    accept_host_key: Annotated[list[str] | None, typer.Option(
        "--accept-host-key", metavar="TARGET",
        help="Accept (and pin) whatever host key this SSH target offers now, replacing the "
        "pinned one; repeatable. Only after checking the change is expected.")] = None,
    trust_metadata: Annotated[bool, typer.Option(
        "--trust-metadata", help="Rescan: a file whose identity (device, inode, size, mtime, "
        "ctime) is the one in this target's latest snapshot keeps that snapshot's SHA-256 "
        "instead of being read (as the scope option trust_metadata: true). A content change "
        "that keeps the whole identity (clock set back, raw device writes) is then missed; "
        "touch -d alone is not enough to hide one (the ctime moves).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Scan the scope's targets; prints the new snapshot id last. Exit 3 if any target was
    not fully read (the snapshot is still written)."""
    sc = load_scope(scope) if scope else local_scope()
    _accept_host_keys(sc, accept_host_key or [])
    if trust_metadata:
        _trust_metadata(sc)
    st = open_or_create_store(store)
    where = scope or "scope"
    job = _job(st, engagement, role, label)
    with Progress(
        TextColumn("[bold]scan[/bold] {task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task(label or "", total=len(sc.targets))

        def done(res: TargetResult) -> None:
            progress.update(task, advance=1, description=f"{res.name}: {res.status}")

        def moving(name: str, what: str) -> None:  # from transport threads: Rich locks
            progress.update(task, description=f"{name}: {what}")

        outcome = run_scan(st, sc, label, where=where, concurrency=concurrency,
                           on_target_done=done, engagement=job[0] if job else None,
                           on_moving=moving)
    table = RichTable(title=None, show_edge=False, header_style="bold")
    for c in ("target", "status", "tables", "rows", "time", "detail"):
        table.add_column(c)
    for row in summary(outcome.results):
        table.add_row(*row)
    err.print(table)
    if job:
        from proofshot.engagement import record

        record.link(st, job[0], job[1], outcome.snapshot)
        err.print(f"linked as {job[1]} of engagement {job[0][:12]}")
    if as_json:
        print(json.dumps({"snapshot": outcome.snapshot, "complete": outcome.complete,
                          "engagement": job[0] if job else None, "role": job[1] if job else None,
                          "targets": summary_json(outcome.results)}, ensure_ascii=False))
    else:
        print(outcome.snapshot)
    if not outcome.complete:
        raise typer.Exit(3)


def _job(st: EvidenceStore, engagement: str | None, role: str | None, label: str
         ) -> tuple[str, str] | None:
    """Before scanning: the engagement and role the snapshot will be linked in, and a warning
    when the label already names a snapshot (`LABEL~1` then names the earlier one)."""
    if label:
        used = [s for s in st.snapshots() if s.label == label]
        if used:
            err.print(f"warning: label '{label}' already names snapshot {used[-1].id[:12]}; "
                      f"'{label}' will name the new one, '{label}~1' the one before it",
                      markup=False)
    from proofshot.engagement.record import scan_engagement

    return scan_engagement(st, engagement, role)


def summary_json(results: list[TargetResult]) -> list[dict[str, Any]]:
    return [{"name": r.name, "status": r.status, "reason": r.reason,
             "tables": len(r.tables), "tables_read": sum(1 for t in r.tables if t.collected),
             "rows": sum(t.row_count for t in r.tables), "seconds": round(r.duration, 3)}
            for r in results]


def summary(results: list[TargetResult]) -> list[tuple[str, ...]]:
    """One line per target: name, status, tables read of tables planned, rows, time, why."""
    out: list[tuple[str, ...]] = []
    for r in results:
        read = sum(1 for t in r.tables if t.collected)
        style = _STYLE.get(r.status, "red")
        out.append((r.name, f"[{style}]{r.status}[/{style}]", f"{read}/{len(r.tables)}",
                    str(sum(t.row_count for t in r.tables)), f"{r.duration:.1f}s",
                    (r.reason or "")[:120]))
    return out


def _trust_metadata(sc: Scope) -> None:
    """--trust-metadata: set trust_metadata on every target that has the option (the stored
    scope then records it)."""
    for target in sc.targets:
        if "trust_metadata" in type(target).model_fields:
            setattr(target, "trust_metadata", True)  # noqa: B010 (not every target has it)


def _accept_host_keys(sc: Scope, names: list[str]) -> None:
    """--accept-host-key NAME: set accept_new_host_key on that SSH target (bad name: exit 2).
    The stored scope then records that the key was accepted on this scan."""
    by_name = {t.name: t for t in sc.targets}
    for name in names:
        target = by_name.get(name)
        if target is None:
            raise BadInput(f"--accept-host-key: no target named '{name}' in the scope")
        if not isinstance(target, SSHTarget):
            raise BadInput(f"--accept-host-key: target '{name}' is not an ssh target")
        target.accept_new_host_key = True
