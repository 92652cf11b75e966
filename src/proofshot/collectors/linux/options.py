"""The scope options of the linux collector's target type(s), validated by the scope loader."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator

from proofshot.collectors.options import TargetOptions


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
    # rescans: reuse the previous snapshot's hash of a file whose identity is unchanged
    trust_metadata: bool = False

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
    trust_metadata: bool = False  # as LocalTarget's
    accept_new_host_key: bool = False
    # windows: OpenSSH for Windows, PowerShell on the far side (collectors/windows)
    platform: Literal["linux", "windows"] = "linux"
    paths: list[str] | None = None  # windows: folders whose NTFS ACL is read
    event_hours: int | None = Field(default=None, ge=1)  # windows: change events read back

    _files = field_validator("files")(classmethod(lambda cls, v: _absolute_paths(v)))
