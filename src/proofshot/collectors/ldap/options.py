"""The scope options of the ldap collector's target type(s), validated by the scope loader."""

from __future__ import annotations

from typing import ClassVar, Literal

from proofshot.collectors.options import TargetOptions


class LDAPTarget(TargetOptions):
    SECRETS: ClassVar[tuple[str, ...]] = ("password",)

    type: Literal["ldap"]
    url: str
    user: str | None = None
    password: str | None = None
    base: str
    ca: str | None = None
    tls_verify: bool = True
