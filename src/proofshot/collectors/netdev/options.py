"""The scope options of the netdev collector's target type, validated by the scope loader."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from proofshot.collectors.options import TargetOptions


class NetdevTarget(TargetOptions):
    """A switch, router or firewall over its SSH CLI (collectors/netdev/platforms.py)."""

    SECRETS: ClassVar[tuple[str, ...]] = ("password", "enable")

    type: Literal["netdev"]
    platform: str = Field(min_length=1)
    host: str = Field(min_length=1)
    port: int = Field(default=22, ge=1, le=65535)
    user: str = Field(min_length=1)
    key: str | None = None
    password: str | None = None
    enable: str | None = None  # privileged-mode secret
    accept_new_host_key: bool = False
