"""The scope options of the windows collector's target type (winrm), validated by the scope
loader; Windows over OpenSSH is `type: ssh` with `platform: windows` (collectors/linux)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from proofshot.collectors.options import TargetOptions


class WinRMTarget(TargetOptions):
    """PowerShell remoting (pypsrp). Basic authentication is not offered, and plain HTTP only
    with message encryption (negotiate, kerberos, ntlm or credssp all encrypt)."""

    SECRETS: ClassVar[tuple[str, ...]] = ("password",)

    type: Literal["winrm"]
    host: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)  # default 5986 (https) / 5985 (http)
    transport: Literal["https", "http"] = "https"
    auth: Literal["negotiate", "kerberos", "ntlm", "credssp"] = "negotiate"
    user: str = Field(min_length=1)
    password: str | None = None
    ca: str | None = None
    tls_verify: bool = True
    paths: list[str] | None = None  # folders whose NTFS ACL is read
    event_hours: int | None = Field(default=None, ge=1)
