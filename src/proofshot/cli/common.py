"""What every command shares: the consoles, opening the store, and the --store option."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from proofshot.model.errors import BadInput
from proofshot.store import api as store_api
from proofshot.store.api import EvidenceStore
from proofshot.store.workspace import (
    WORKSPACE_DIR,
    Workspace,
    find_location,
    find_store,
    find_workspace,
    is_pg_url,
    store_location,
)

out = Console(soft_wrap=True, highlight=False, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

StoreOpt = Annotated[
    str | None,
    typer.Option("--store", help="Store directory or postgresql://user@host:port/db (default: "
                 "PROOFSHOT_STORE, the workspace found upwards, else the per-user store).",
                 show_default=False),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]
# the ssh:// options of push and sync (a directory store on another machine)
SshKeyOpt = Annotated[str | None, typer.Option(
    "--key", help="ssh://: private key file (default: the ssh-agent).", show_default=False)]
SshPasswordOpt = Annotated[str | None, typer.Option(
    "--password", help="ssh://: the password by reference, env:NAME or file:PATH (never the "
                       "password itself).", show_default=False)]
AcceptHostKeyOpt = Annotated[bool, typer.Option(
    "--accept-host-key", help="ssh://: accept a host key that differs from the one pinned in "
                              "known_hosts (and pin the new one).")]


def ssh_auth(key: str | None, password: str | None) -> tuple[str | None, str | None]:
    """--key checked as a private key file, --password resolved from its reference."""
    from proofshot.scan.secrets import check_key_file, resolve

    return (check_key_file(key, "--key") if key else None,
            resolve(password, "--password") if password else None)


def open_store(explicit: str | None) -> EvidenceStore:
    loc = find_location(explicit)
    if is_pg_url(loc):
        return store_api.open_store(loc)  # postgresql://user@host:port/db (password: PGPASSWORD/.pgpass)
    return store_api.open_store(find_store(explicit))


def open_read_store(explicit: str | None, key: str | None = None, password: str | None = None,
                    accept_host_key: bool = False) -> EvidenceStore:
    """open_store, or a directory store on another machine (ssh://[user@]host[:port]/path),
    read over SFTP: its objects come here to be checked; nothing is written there."""
    if explicit is None or not explicit.startswith("ssh:"):
        if key or password or accept_host_key:
            raise BadInput("--key, --password and --accept-host-key apply to ssh:// stores only")
        return open_store(explicit)
    from proofshot.transports.sftp_store import open_remote_store
    from proofshot.transports.sftp_sync import parse_dest

    key_path, secret = ssh_auth(key, password)
    return open_remote_store(parse_dest(explicit), Workspace.open_or_create(find_workspace()),
                             key_path=key_path, password=secret,
                             accept_host_key=accept_host_key)


def open_or_create_store(explicit: str | None) -> EvidenceStore:
    """Scan creates the store on first use, so the first command on a new machine just works."""
    if is_pg_url(find_location(explicit)):
        return open_store(explicit)
    path = find_store(explicit)
    if path.exists() and not path.is_dir():
        return store_api.open_store(path)  # raises the clear "is a file" error
    if not (path / "config.json").exists():
        store = store_api.create_store(path)
        err.print(f"[dim]created a new store at {path}[/dim]")
        return store
    return store_api.open_store(path)


def init_path(explicit: str | None) -> Path:
    if explicit:
        return Path(store_location(explicit))
    import os

    env = os.environ.get("PROOFSHOT_STORE")
    return Path(store_location(env)) if env else Path.cwd() / WORKSPACE_DIR


def short(sid: str) -> str:
    return sid[:12]
