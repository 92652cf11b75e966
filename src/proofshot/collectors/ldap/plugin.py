"""The LDAP collector's plugin: a directory (Active Directory, OpenLDAP) over LDAP/LDAPS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from proofshot.collectors.base import Collector
from proofshot.collectors.plugin import SecretResolver
from proofshot.model.errors import BadInput
from proofshot.model.table import Table
from proofshot.transports.base import Transport

if TYPE_CHECKING:
    from proofshot.collectors.options import TargetOptions


class LDAPPlugin:
    name = "ldap"
    target_types: tuple[str, ...] = ("ldap",)

    def options(self, target_type: str) -> type[TargetOptions]:
        from proofshot.collectors.ldap.options import LDAPTarget

        found: dict[str, type[TargetOptions]] = {"ldap": LDAPTarget}
        return found[target_type]

    def tables(self) -> Sequence[Table]:
        from proofshot.collectors.ldap.tables import TABLES

        return TABLES

    def collector(self) -> Collector:
        from proofshot.collectors.ldap.collector import COLLECTOR

        return COLLECTOR

    def credentials(self, target: Any, secrets: SecretResolver, where: str) -> dict[str, Any]:
        w = f"{where}: target '{target.name}'"
        creds: dict[str, Any] = {"password": secrets.secret(target.password, w)}
        if target.user and not creds["password"]:
            raise BadInput(f"{w}: 'user' needs 'password' (env:NAME or file:PATH)")
        url = urlsplit(target.url)
        if url.scheme not in ("ldap", "ldaps") or not url.hostname:
            raise BadInput(f"{w}: url must be ldap://HOST[:PORT] or ldaps://HOST[:PORT]")
        if target.ca:
            ca = Path(target.ca).expanduser()
            if not ca.is_file():
                raise BadInput(f"{w}: CA file not found: {target.ca}")
            creds["ca"] = str(ca)
        return creds

    def transport(self, target: Any, creds: Mapping[str, Any], store_root: Path,
                  timeout: float) -> Transport:
        from proofshot.transports.ldap import LDAPTransport

        return LDAPTransport(target.name, url=target.url, user=target.user,
                             password=creds.get("password"), ca=creds.get("ca"),
                             tls_verify=target.tls_verify, timeout=timeout)


PLUGIN = LDAPPlugin()
