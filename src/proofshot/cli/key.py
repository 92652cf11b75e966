"""proofshot key: which signers a store accepts (trust FILE.pub, list, revoke).

Private keys never go into a store: a laptop or a site worker keeps its own key and hands over
its public key (keys/signing.pub of its workspace); the store's owner enrolls it here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from proofshot.cli.common import JsonOpt, StoreOpt, err, open_store, out
from proofshot.model.errors import BadInput
from proofshot.store.trust import enroll, parse_public, revoke, trusted_keys

app = typer.Typer(help="Signers this store accepts: trust, list, revoke.", no_args_is_help=True)


@app.command("trust")
def trust(
    file: Annotated[Path, typer.Argument(help="The signer's public key (its signing.pub).")],
    name: Annotated[str | None, typer.Option("--name", help="What to call it (default: the "
                                             "file name).")] = None,
    store: StoreOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Enroll another signer's public key: its snapshots are then accepted (sync, push)."""
    try:
        text = file.expanduser().read_text()
    except OSError as exc:
        raise BadInput(f"{file}: {exc.strerror}") from None
    pub = parse_public(text, str(file))
    st = open_store(store)
    s = enroll(st, pub, name or file.stem)
    if json_:
        print(json.dumps({"fingerprint": s.fingerprint, "name": s.name}))
        return
    out.print(f"trusted {s.fingerprint} ({s.name})")


@app.command("list")
def list_(store: StoreOpt = None, json_: JsonOpt = False) -> None:
    """The signers this store accepts, and those revoked."""
    st = open_store(store)
    signers = list(trusted_keys(st).values())
    if json_:
        print(json.dumps([{"fingerprint": s.fingerprint, "name": s.name, "own": s.own,
                           "enrolled": s.enrolled, "revoked": s.revoked} for s in signers],
                         indent=1))
        return
    for s in signers:
        state = "this workspace" if s.own else (
            f"revoked after #{s.revoked.get('after')}" if s.revoked else "trusted")
        out.print(f"{s.fingerprint}  {s.name}  {state}")


@app.command("revoke")
def revoke_(
    ref: Annotated[str, typer.Argument(help="Fingerprint or name of an enrolled key.")],
    store: StoreOpt = None,
) -> None:
    """Stop accepting a signer from now on; what it signed before stays valid."""
    st = open_store(store)
    s = revoke(st, ref)
    err.print(f"revoked {s.fingerprint} ({s.name}): snapshots after "
              f"#{(s.revoked or {}).get('after')} signed by it are refused")
