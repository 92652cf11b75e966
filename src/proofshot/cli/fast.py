"""Commands that answer at once: `proofshot --help` / `-h`, `version` / `--version` and
`snapshots` run here without importing typer, click, rich, pydantic or cryptography (issue 15:
start-up within 5x / 8x of `python -c pass`). Anything else, and any argument form this module
does not know, goes to the full typer app (`proofshot.cli.app.main`) unchanged.

The help text is built from `SUMMARY` and `COMMANDS` below; tests/cli/test_fast.py holds them
equal to the real typer app (every command, in order, with its docstring's first paragraph), so
a new or renamed command fails that test until it is listed here.
"""

from __future__ import annotations

import gc
import json
import sys
from typing import Any

from proofshot import __version__

SUMMARY = "Agentless IT documentation with proof: signed before/after snapshots and their diff."

# name -> first paragraph of its help, in the order the typer app lists them
COMMANDS: tuple[tuple[str, str], ...] = (
    ("version", "Print the version."),
    ("init", "Create a store (objects, manifests, index) and its Ed25519 signing key."),
    ("scan", "Scan the scope's targets; prints the new snapshot id last. Exit 3 if any target was not "
             "fully read (the snapshot is still written)."),
    ("capture", "Read the scope's targets and write their answers, masked with this workspace's key, to "
                "OUT/TARGET (scan one back with `type: replay, path: OUT/TARGET`). Exit 3 when a target "
                "was not fully read."),
    ("check", "Check a scope: every error at once (file:line:field), then a login to each target (nothing"
              " is collected). Exit 0 all reachable, 3 some not, 2 bad scope."),
    ("snapshots", "List snapshots: id, sequence, label, time, targets and their status."),
    ("show", "Show a snapshot: per target its status and tables; --table T prints that table's rows, "
             "--json prints every row."),
    ("diff", "Show what changed between two snapshots, what could not be verified, and what was verified "
             "unchanged."),
    ("verify", "Check every object hash, every manifest signature and the chain of manifests. `--store "
               "ssh://[user@]host/path`: a store on another machine (a sync copy), its objects read here "
               "over SFTP and checked against the signing key it holds."),
    ("tables", "Document the tables: key, columns, which are volatile or sensitive."),
    ("report", "Write the evidence report of A -> B, or with A alone the IT documentation of A; with "
               "neither, the evidence report of the current engagement."),
    ("paths", "Which systems talk to which: hosts, addresses, exposed services, connections, routes, "
              "neighbours, LLDP, and what the host firewalls allow."),
    ("findings", "Findings over one snapshot: risky settings and faults that predate the work."),
    ("rules", "List the rules `proofshot findings` applies: id, severity, title, remedy."),
    ("access", "Effective rights: principal -> resource -> rights, with the group chain and the ACE, mode"
               " bits or sudo rule each right comes from."),
    ("export", "Write the two manifests, the chain between them, every object they reference, the "
               "transcripts, timestamps, the public key, the job record and a standalone verifier."),
    ("sync", "Copy what the destination lacks (packs, job record, timestamps, manifests), then verify the"
             " copy. Refuses a destination whose chain has diverged (exit 2)."),
    ("timestamp", "Ask the time-stamping authority to stamp each manifest's hash; tokens are kept beside "
                  "the manifests (snapshots/<id>.tsr) and checked by `proofshot verify`."),
    ("serve", "Start the web UI: browse snapshots, diffs, maps, access and the job record."),
    ("push", "Send the snapshots the destination lacks and append them to its chain."),
    ("worker", "Take this site's scheduled scans, run them here, commit the signed snapshots."),
    ("drift", "Changes between scheduled snapshots made outside every engagement, oldest first."),
    ("engagement", "The job record: customer, work log, linked snapshots, entrusted items (keys, cards, "
                   "credentials)."),
    ("config", "Store settings: company: the provider's name, on every report's title page and page "
               "footer; company-address: the provider's address, on the title page; company-logo: a PNG "
               "or SVG file (copied into the store), on the title page; technician: the technician's full"
               " name (default: the login name); tsa: URL of an RFC 3161 time-stamping authority "
               "(http/https); tsa-ca: PEM file of the CA that issued the TSA's certificate."),
    ("user", "Users of the web UI (proofshot serve)."),
    ("key", "Signers this store accepts: trust, list, revoke."),
    ("db", "The PostgreSQL store's schema."),
    ("schedule", "Recurring scans run by site workers (PostgreSQL store)."),
    ("alert", "Drift alerts: webhooks and commands, and their deliveries (PostgreSQL store)."),
)

HELP_FLAGS = ("--help", "-h")
VERSION_FLAGS = ("version", "--version")


def _wrap(text: str, width: int, indent: int) -> list[str]:
    lines: list[str] = []
    cur = ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > width - indent:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    lines.append(cur)
    return lines


def help_text(width: int = 80) -> str:
    """The top-level help, plain text (click's layout: usage, summary, options, commands)."""
    out = ["Usage: proofshot [OPTIONS] COMMAND [ARGS]...", ""]
    out += ["  " + ln for ln in _wrap(SUMMARY, width, 2)]
    out += ["", "Options:", "  -h, --help  Show this message and exit.",
            "  --version   Print the version and exit.", "", "Commands:"]
    col = max(len(n) for n, _ in COMMANDS) + 4
    for name, text in COMMANDS:
        body = _wrap(text, width, col)
        out.append(f"  {name:<{col - 2}}{body[0]}")
        out += [" " * col + ln for ln in body[1:]]
    return "\n".join(out) + "\n"


def snapshot_rows(store: Any, customer: str | None = None) -> list[dict[str, Any]]:
    """One row per snapshot, oldest first: id, seq, label, created, customer, targets, not_ok
    (only `customer`'s snapshots when one is given)."""
    rows: list[dict[str, Any]] = []
    from proofshot.store.listing import target_counts

    # a backend that lists the counts with the snapshots (PostgreSQL: one query for the whole
    # listing) answers them; else each manifest is read (as JSON: store/listing.py)
    summary = getattr(store.backend, "summary", None)
    for info in store.snapshots():
        if customer is not None and info.customer != customer:
            continue
        counts = summary(info.id) if summary is not None else None
        if counts is None:
            counts = target_counts(store, info.id)
        rows.append({
            "id": info.id, "seq": info.seq, "label": info.label, "created": info.created,
            "customer": info.customer, "targets": counts[0], "not_ok": counts[1],
        })
    return rows


def render_snapshots(rows: list[dict[str, Any]], as_json: bool) -> str:
    """The listing as JSON for machines or as a plain aligned table (no markup interpreted)."""
    if as_json:
        return json.dumps(rows, indent=2) + "\n"
    head = ("#", "id", "label", "created (UTC)", "targets", "not ok")
    table = [head] + [
        (str(r["seq"]), r["id"][:12], str(r["label"]), str(r["created"]), str(r["targets"]),
         str(r["not_ok"]) if r["not_ok"] else "")
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    return "".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n"
                   for row in table)


def _snapshots_args(argv: list[str]) -> tuple[str | None, bool] | None:
    """(store, as_json) when argv is exactly `snapshots` with --store/--json (either side of
    the command name); None for anything else (the full app then parses it)."""
    store: str | None = None
    as_json = False
    seen = False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "snapshots" and not seen:
            seen = True
        elif a == "--json" and seen:
            as_json = True
        elif a == "--store" and i + 1 < len(argv) and not argv[i + 1].startswith("-"):
            store = argv[i + 1]
            i += 1
        elif a.startswith("--store=") and len(a) > len("--store="):
            store = a[len("--store="):]
        else:
            return None
        i += 1
    return (store, as_json) if seen else None


def _snapshots(store_arg: str | None, as_json: bool) -> int:
    from proofshot.model.errors import ProofshotError
    from proofshot.store.api import open_store
    from proofshot.store.workspace import find_location, find_store, is_pg_url

    try:
        loc = find_location(store_arg)
        st = open_store(loc if is_pg_url(loc) else find_store(store_arg))
        rows = snapshot_rows(st)
    except ProofshotError as exc:
        print(f"proofshot: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # as the full app: one clear line, exit 1
        print(f"proofshot: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(render_snapshots(rows, as_json))
    return 0


def answer(argv: list[str]) -> int | None:
    """The exit code when argv is one of the fast commands (its output written), else None."""
    if len(argv) == 1 and argv[0] in HELP_FLAGS:
        sys.stdout.write(help_text())
        return 0
    if argv == ["version"]:
        print(__version__)
        return 0
    if argv == ["--version"]:  # click's version option names the program, as the full app does
        print(f"proofshot {__version__}")
        return 0
    snap = _snapshots_args(argv)
    if snap is not None:
        return _snapshots(*snap)
    return None


def main(argv: list[str] | None = None) -> None:
    """The `proofshot` entry point: a fast answer, else the full typer app."""
    args = sys.argv[1:] if argv is None else argv
    rc = answer(args)
    if rc is not None:
        sys.exit(rc)
    from proofshot.cli.app import main as full_main

    try:
        full_main(args)
    finally:
        # The process ends here. Its last cyclic collections would walk every object still
        # alive (~0.1 s of CPU after a scan of 20 hosts); frozen, they are not walked.
        gc.freeze()
