"""The Linux collector's plugin: this machine (`type: local`) and hosts over SSH (`type: ssh`).

An SSH target with `platform: windows` (OpenSSH for Windows) goes over the same transport but is
read by the Windows collector (collectors/windows): `collector_for` hands it over."""

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


class LinuxPlugin:
    name = "linux"
    target_types: tuple[str, ...] = ("local", "ssh")

    def options(self, target_type: str) -> type[TargetOptions]:
        from proofshot.collectors.linux.options import LocalTarget, SSHTarget

        found: dict[str, type[TargetOptions]] = {"local": LocalTarget, "ssh": SSHTarget}
        return found[target_type]

    def tables(self) -> Sequence[Table]:
        from proofshot.collectors.linux.tables import TABLES

        return TABLES

    def collector(self) -> Collector:
        from proofshot.collectors.linux.collector import COLLECTOR

        return COLLECTOR

    def collector_for(self, target: Any) -> Collector:
        if getattr(target, "platform", "linux") == "windows":
            from proofshot.collectors.windows.collector import COLLECTOR as WINDOWS

            return WINDOWS
        return self.collector()

    def credentials(self, target: Any, secrets: SecretResolver, where: str) -> dict[str, Any]:
        creds: dict[str, Any] = {}
        if target.type == "ssh":
            w = f"{where}: target '{target.name}'"
            if target.platform == "windows" and target.sudo:
                raise BadInput(f"{w}: sudo does not apply to platform windows (use an account "
                               "in the groups README names)")
            if target.platform != "windows" and (target.paths or target.event_hours):
                raise BadInput(f"{w}: 'paths' and 'event_hours' apply to platform windows only")
            if target.key:
                creds["key_path"] = secrets.key_file(target.key, w)
            creds["password"] = secrets.secret(target.password, w)
            if not (target.key or target.password or target.agent):
                creds["use_agent"] = True
        return creds

    def transport(self, target: Any, creds: Mapping[str, Any], store_root: Path,
                  timeout: float) -> Transport:
        if target.type == "local":
            from proofshot.transports.local import LocalTransport

            return LocalTransport(target.name, sudo=target.sudo, timeout=timeout)
        from proofshot.transports.ssh import SSHTransport

        return SSHTransport(
            target.name,
            host=target.host,
            port=target.port,
            user=target.user,
            key_path=creds.get("key_path"),
            password=creds.get("password"),
            use_agent=bool(target.agent or creds.get("use_agent")),
            sudo=target.sudo,
            known_hosts_path=str(store_root / "known_hosts"),
            accept_new_key=target.accept_new_host_key,
            timeout=timeout,
        )


PLUGIN = LinuxPlugin()
