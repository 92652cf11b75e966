"""Preflight and transports of the target types added with the Windows collector (winrm) and
capture/replay (replay); scan.targets hands these two types over to here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from proofshot.model.errors import BadInput
from proofshot.scan.scope import ReplayTarget, SSHTarget, WinRMTarget
from proofshot.scan.secrets import resolve
from proofshot.transports.base import Transport


def preflight_more(target: Any, where: str) -> dict[str, Any]:
    creds: dict[str, Any] = {}
    if isinstance(target, SSHTarget):
        if target.platform == "windows" and target.sudo:
            raise BadInput(f"{where}: sudo does not apply to platform windows (use an account "
                           "in the groups README names)")
        if target.platform != "windows" and (target.paths or target.event_hours):
            raise BadInput(f"{where}: 'paths' and 'event_hours' apply to platform windows only")
    if isinstance(target, WinRMTarget):
        creds["password"] = resolve(target.password, where)
        if target.auth != "kerberos" and not creds["password"]:
            raise BadInput(f"{where}: auth {target.auth} needs 'password' (env:NAME or file:PATH)")
        if target.ca:
            ca = Path(target.ca).expanduser()
            if not ca.is_file():
                raise BadInput(f"{where}: CA file not found: {target.ca}")
            creds["ca"] = str(ca)
        if target.transport == "http" and (target.ca or not target.tls_verify):
            raise BadInput(f"{where}: 'ca' and 'tls_verify' apply to transport https only")
    if isinstance(target, ReplayTarget):
        from proofshot.transports.replay import read_meta

        meta = read_meta(target.path)
        if target.options is None:
            target.options = dict(meta.get("options") or {})
    return creds


def transport_more(target: Any, creds: dict[str, Any], timeout: float) -> Transport:
    if isinstance(target, WinRMTarget):
        from proofshot.transports.winrm import WinRMTransport

        return WinRMTransport(target.name, host=target.host, port=target.port,
                              transport=target.transport, auth=target.auth, user=target.user,
                              password=creds.get("password"), ca=creds.get("ca"),
                              tls_verify=target.tls_verify, timeout=timeout)
    if isinstance(target, ReplayTarget):
        from proofshot.transports.replay import ReplayTransport

        return ReplayTransport(target.name, target.path)
    raise BadInput(f"target '{target.name}': type '{target.type}' is not supported")
