"""The SMB collector's plugin: file servers' shares and NTFS ACLs over SMB2/3."""

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


class SMBPlugin:
    name = "smb"
    target_types: tuple[str, ...] = ("smb",)

    def options(self, target_type: str) -> type[TargetOptions]:
        from proofshot.collectors.smb.options import SMBTarget

        found: dict[str, type[TargetOptions]] = {"smb": SMBTarget}
        return found[target_type]

    def tables(self) -> Sequence[Table]:
        from proofshot.collectors.smb.tables import TABLES

        return TABLES

    def collector(self) -> Collector:
        from proofshot.collectors.smb.collector import COLLECTOR

        return COLLECTOR

    def credentials(self, target: Any, secrets: SecretResolver, where: str) -> dict[str, Any]:
        w = f"{where}: target '{target.name}'"
        creds: dict[str, Any] = {"password": secrets.secret(target.password, w)}
        if target.user and not creds["password"]:
            raise BadInput(f"{w}: 'user' needs 'password' (env:NAME or file:PATH)")
        return creds

    def transport(self, target: Any, creds: Mapping[str, Any], store_root: Path,
                  timeout: float) -> Transport:
        from proofshot.transports.smb import SMBTransport

        return SMBTransport(target.name, host=target.host, port=target.port, user=target.user,
                            password=creds.get("password"), timeout=timeout)


PLUGIN = SMBPlugin()
