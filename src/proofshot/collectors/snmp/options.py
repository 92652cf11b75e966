"""The scope options of the snmp collector's target type(s), validated by the scope loader."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from proofshot.collectors.options import TargetOptions


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
