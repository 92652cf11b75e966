"""The SNMP collector's plugin: network devices and hosts over SNMP v1, v2c and v3."""

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


class SNMPPlugin:
    name = "snmp"
    target_types: tuple[str, ...] = ("snmp",)

    def options(self, target_type: str) -> type[TargetOptions]:
        from proofshot.collectors.snmp.options import SNMPTarget

        found: dict[str, type[TargetOptions]] = {"snmp": SNMPTarget}
        return found[target_type]

    def tables(self) -> Sequence[Table]:
        from proofshot.collectors.snmp.tables import TABLES

        return TABLES

    def collector(self) -> Collector:
        from proofshot.collectors.snmp.collector import COLLECTOR

        return COLLECTOR

    def credentials(self, target: Any, secrets: SecretResolver, where: str) -> dict[str, Any]:
        w = f"{where}: target '{target.name}'"
        creds = {f: secrets.secret(getattr(target, f), w) for f in target.SECRETS}
        if target.version == "3" and not target.user:
            raise BadInput(f"{w}: SNMP version 3 needs 'user'")
        if target.version != "3" and not creds["community"]:
            raise BadInput(f"{w}: SNMP version {target.version} needs 'community'")
        return creds

    def transport(self, target: Any, creds: Mapping[str, Any], store_root: Path,
                  timeout: float) -> Transport:
        from proofshot.transports.snmp import SNMPAuth, SNMPTransport

        auth = SNMPAuth(version=target.version, community=creds.get("community"),
                        user=target.user, auth_protocol=target.auth_protocol,
                        auth_key=creds.get("auth_key"), priv_protocol=target.priv_protocol,
                        priv_key=creds.get("priv_key"))
        return SNMPTransport(target.name, host=target.host, port=target.port, auth=auth,
                             timeout=timeout)


PLUGIN = SNMPPlugin()
