"""The scope options of the smb collector's target type(s), validated by the scope loader."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from proofshot.collectors.options import TargetOptions


class SMBTarget(TargetOptions):
    SECRETS: ClassVar[tuple[str, ...]] = ("password",)

    type: Literal["smb"]
    host: str
    port: int = Field(default=445, ge=1, le=65535)
    shares: list[str] | None = None
    user: str | None = None
    password: str | None = None
    depth: int = Field(default=3, ge=0)
