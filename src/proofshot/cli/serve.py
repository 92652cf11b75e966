"""proofshot serve: the web UI (web/app.py). Prints its URL with a login token as the first line
on stdout; bound to 127.0.0.1 unless --host says otherwise; HTTPS with --cert and --key."""

from __future__ import annotations

import ipaddress
import json
import secrets
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from proofshot.cli.common import JsonOpt, StoreOpt, err
from proofshot.model.errors import BadInput
from proofshot.store.workspace import find_store


def serve(
    store: StoreOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on (loopback unless you say "
                                      "otherwise).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0: any free one).")] = 8765,
    cert: Annotated[Path | None, typer.Option(help="TLS certificate (PEM) for HTTPS.",
                                              show_default=False)] = None,
    key: Annotated[Path | None, typer.Option(help="TLS private key (PEM) for HTTPS.",
                                             show_default=False)] = None,
    as_json: JsonOpt = False,
) -> None:
    """Start the web UI: browse snapshots, diffs, maps, access and the job record."""
    import uvicorn

    from proofshot.web.app import Config, create_app

    if (cert is None) != (key is None):
        raise BadInput("--cert and --key go together")
    root = find_store(store)
    token = secrets.token_urlsafe(32)
    app = create_app(Config(root, token, tls=cert is not None))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise BadInput(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(512)
    bound = sock.getsockname()[1]
    scheme = "https" if cert else "http"
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:  # said before the URL, so whoever reads the URL has seen it
        err.print(f"[yellow]listening on {host}: reachable from other machines"
                  f"{'' if cert else ', without TLS (use --cert/--key)'}[/yellow]")
    err.print(f"[dim]store {root}; Ctrl-C stops[/dim]")
    url = f"{scheme}://{shown}:{bound}/?token={token}"
    if as_json:  # still one first line, the URL inside
        print(json.dumps({"url": url, "store": str(root)}), flush=True)
    else:
        print(url, flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False,
                            ssl_certfile=str(cert) if cert else None,
                            ssl_keyfile=str(key) if key else None, timeout_keep_alive=30)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    sys.exit(0)
