"""The Linux collector's plugin: this machine (`type: local`) and hosts over SSH (`type: ssh`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from proofshot.collectors.base import Collector
from proofshot.collectors.plugin import SecretResolver, TargetOptions
from proofshot.model.table import Table
from proofshot.transports.base import Transport


def _absolute_paths(v: list[str]) -> list[str]:
    """`files:` as the collector needs it (checked here, so a bad one is a scope error)."""
    if not v:
        raise ValueError("expected a non-empty list of absolute paths")
    for r in v:
        if not r.startswith("/") or "\0" in r or "\n" in r:
            raise ValueError(f"{r!r} is not an absolute path")
    return v


class LocalTarget(TargetOptions):
    type: Literal["local"]
    files: list[str] = Field(default_factory=lambda: ["/etc"])
    cert_paths: list[str] | None = None
    sudo: bool = False

    _files = field_validator("files")(classmethod(lambda cls, v: _absolute_paths(v)))


class SSHTarget(TargetOptions):
    SECRETS: ClassVar[tuple[str, ...]] = ("password",)

    type: Literal["ssh"]
    host: str = Field(min_length=1)
    port: int = Field(default=22, ge=1, le=65535)
    user: str = Field(min_length=1)
    key: str | None = None
    password: str | None = None
    agent: bool = False
    sudo: bool = False
    files: list[str] = Field(default_factory=lambda: ["/etc"])
    cert_paths: list[str] | None = None
    accept_new_host_key: bool = False

    _files = field_validator("files")(classmethod(lambda cls, v: _absolute_paths(v)))


class LinuxPlugin:
    name = "linux"
    targets: Mapping[str, type[TargetOptions]] = {"local": LocalTarget, "ssh": SSHTarget}

    def tables(self) -> Sequence[Table]:
        from proofshot.collectors.linux.tables import TABLES

        return TABLES

    def collector(self) -> Collector:
        from proofshot.collectors.linux.collector import COLLECTOR

        return COLLECTOR

    def credentials(self, target: Any, secrets: SecretResolver, where: str) -> dict[str, Any]:
        creds: dict[str, Any] = {}
        if isinstance(target, SSHTarget):
            w = f"{where}: target '{target.name}'"
            if target.key:
                creds["key_path"] = secrets.key_file(target.key, w)
            creds["password"] = secrets.secret(target.password, w)
            if not (target.key or target.password or target.agent):
                creds["use_agent"] = True
        return creds

    def transport(self, target: Any, creds: Mapping[str, Any], store_root: Path,
                  timeout: float) -> Transport:
        if isinstance(target, LocalTarget):
            from proofshot.transports.local import LocalTransport

            return LocalTransport(target.name, sudo=target.sudo, timeout=timeout)
        from proofshot.transports.ssh import SSHTransport

        assert isinstance(target, SSHTarget)
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
