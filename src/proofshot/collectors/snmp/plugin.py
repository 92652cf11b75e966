"""The SNMP collector's plugin: network devices and hosts over SNMP v1, v2c and v3."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from proofshot.collectors.base import Collector
from proofshot.collectors.plugin import SecretResolver, TargetOptions
from proofshot.model.errors import BadInput
from proofshot.model.table import Table
from proofshot.transports.base import Transport


class SNMPTarget(TargetOptions):
    SECRETS: ClassVar[tuple[str, ...]] = ("community", "auth_key", "priv_key")

    type: Literal["snmp"]
    host: str
    port: int = Field(default=161, ge=1, le=65535)
    version: Literal["1", "2c", "3"] = "2c"
    community: str | None = None
    user: str | None = None
    auth_protocol: str | None = None
    auth_key: str | None = None
    priv_protocol: str | None = None
    priv_key: str | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _v(cls, v: Any) -> Any:
        return str(v) if isinstance(v, (int, float)) else v


class SNMPPlugin:
    name = "snmp"
    targets: Mapping[str, type[TargetOptions]] = {"snmp": SNMPTarget}

    def tables(self) -> Sequence[Table]:
        from proofshot.collectors.snmp.tables import TABLES

        return TABLES

    def collector(self) -> Collector:
        from proofshot.collectors.snmp.collector import COLLECTOR

        return COLLECTOR

    def credentials(self, target: Any, secrets: SecretResolver, where: str) -> dict[str, Any]:
        w = f"{where}: target '{target.name}'"
        creds = {f: secrets.secret(getattr(target, f), w) for f in SNMPTarget.SECRETS}
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
