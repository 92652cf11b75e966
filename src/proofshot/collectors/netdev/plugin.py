"""The netdev collector's plugin: switches, routers and firewalls over their SSH CLI."""

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


class NetdevPlugin:
    name = "netdev"
    target_types: tuple[str, ...] = ("netdev",)

    def options(self, target_type: str) -> type[TargetOptions]:
        from proofshot.collectors.netdev.options import NetdevTarget

        found: dict[str, type[TargetOptions]] = {"netdev": NetdevTarget}
        return found[target_type]

    def tables(self) -> Sequence[Table]:
        from proofshot.collectors.netdev.tables import TABLES

        return TABLES

    def collector(self) -> Collector:
        from proofshot.collectors.netdev.collector import COLLECTOR

        return COLLECTOR

    def credentials(self, target: Any, secrets: SecretResolver, where: str) -> dict[str, Any]:
        from proofshot.collectors.netdev.platforms import names, platform

        w = f"{where}: target '{target.name}'"
        if platform(target.platform) is None:
            raise BadInput(f"{w}: unknown platform '{target.platform}'; known: "
                           + ", ".join(names()))
        creds: dict[str, Any] = {}
        if target.key:
            creds["key_path"] = secrets.key_file(target.key, w)
        creds["password"] = secrets.secret(target.password, w)
        creds["enable"] = secrets.secret(target.enable, w)
        if not (target.key or target.password):
            raise BadInput(f"{w}: needs 'password' (env:NAME or file:PATH) or 'key'")
        return creds

    def transport(self, target: Any, creds: Mapping[str, Any], store_root: Path,
                  timeout: float) -> Transport:
        from proofshot.collectors.netdev.platforms import platform
        from proofshot.transports.netdev import NetdevTransport

        found = platform(target.platform)
        if found is None:  # checked in credentials()
            raise BadInput(f"target '{target.name}': unknown platform '{target.platform}'")
        return NetdevTransport(
            target.name, host=target.host, port=target.port, dialect=found.dialect_for_scan(),
            user=target.user, key_path=creds.get("key_path"), password=creds.get("password"),
            enable_secret=creds.get("enable"), known_hosts_path=str(store_root / "known_hosts"),
            accept_new_key=target.accept_new_host_key, command_timeout=timeout,
            login_timeout=min(timeout, 30.0),
        )


PLUGIN = NetdevPlugin()
