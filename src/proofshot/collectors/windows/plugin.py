"""The Windows collector's plugin: hosts over PowerShell remoting (`type: winrm`). Windows over
OpenSSH (`type: ssh`, `platform: windows`) is read by this collector too; the linux plugin,
which owns `type: ssh`, hands such a target over (collectors/linux/plugin.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proofshot.collectors.base import Collector
from proofshot.collectors.plugin import SecretResolver
from proofshot.model.errors import BadInput
from proofshot.model.table import Table
from proofshot.transports.base import Transport

if TYPE_CHECKING:
    from proofshot.collectors.options import TargetOptions


class WindowsPlugin:
    name = "windows"
    target_types: tuple[str, ...] = ("winrm",)

    def options(self, target_type: str) -> type[TargetOptions]:
        from proofshot.collectors.windows.options import WinRMTarget

        found: dict[str, type[TargetOptions]] = {"winrm": WinRMTarget}
        return found[target_type]

    def tables(self) -> Sequence[Table]:
        from proofshot.collectors.windows.tables import TABLES

        return TABLES

    def collector(self) -> Collector:
        from proofshot.collectors.windows.collector import COLLECTOR

        return COLLECTOR

    def credentials(self, target: Any, secrets: SecretResolver, where: str) -> dict[str, Any]:
        w = f"{where}: target '{target.name}'"
        creds: dict[str, Any] = {"password": secrets.secret(target.password, w)}
        if target.auth != "kerberos" and not creds["password"]:
            raise BadInput(f"{w}: auth {target.auth} needs 'password' (env:NAME or file:PATH)")
        if target.ca:
            ca = Path(target.ca).expanduser()
            if not ca.is_file():
                raise BadInput(f"{w}: CA file not found: {target.ca}")
            creds["ca"] = str(ca)
        if target.transport == "http" and (target.ca or not target.tls_verify):
            raise BadInput(f"{w}: 'ca' and 'tls_verify' apply to transport https only")
        return creds

    def transport(self, target: Any, creds: Mapping[str, Any], store_root: Path,
                  timeout: float) -> Transport:
        from proofshot.transports.winrm import WinRMTransport

        return WinRMTransport(target.name, host=target.host, port=target.port,
                              transport=target.transport, auth=target.auth, user=target.user,
                              password=creds.get("password"), ca=creds.get("ca"),
                              tls_verify=target.tls_verify, timeout=timeout)


PLUGIN = WindowsPlugin()
