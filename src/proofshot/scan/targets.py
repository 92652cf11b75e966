"""From a scope target to the transport and collector that read it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from proofshot.collectors.base import Collector
from proofshot.model.errors import BadInput
from proofshot.scan.catalog import collector as collector_named
from proofshot.scan.catalog import for_target_type
from proofshot.scan.scope import (
    LDAPTarget,
    LocalTarget,
    NetdevTarget,
    ReplayTarget,
    SMBTarget,
    SNMPTarget,
    SSHTarget,
    WinRMTarget,
)
from proofshot.scan.secrets import check_key_file, resolve
from proofshot.transports.base import Transport


class Unsupported(Exception):
    """This target type has no collector in this version; recorded as unverifiable."""


def collector_for(target: Any) -> Collector:
    if isinstance(target, SSHTarget) and target.platform == "windows":
        found = collector_named("windows")
    elif isinstance(target, ReplayTarget):
        from proofshot.transports.replay import read_meta

        found = collector_named(str(read_meta(target.path).get("collector")))
    else:
        found = for_target_type(target.type)
    if found is None:
        raise Unsupported(f"no collector for target type '{target.type}' in this version")
    return found


def preflight(target: Any, where: str) -> dict[str, Any]:
    """Resolve secrets and check key files before anything is written (bad input -> exit 2)."""
    creds: dict[str, Any] = {}
    if isinstance(target, SSHTarget):
        if target.key:
            creds["key_path"] = check_key_file(target.key, f"{where}: target '{target.name}'")
        creds["password"] = resolve(target.password, f"{where}: target '{target.name}'")
        if not (target.key or target.password or target.agent):
            creds["use_agent"] = True
    if isinstance(target, NetdevTarget):
        from proofshot.collectors.netdev.platforms import names, platform

        w = f"{where}: target '{target.name}'"
        if platform(target.platform) is None:
            raise BadInput(f"{w}: unknown platform '{target.platform}'; known: "
                           + ", ".join(names()))
        if target.key:
            creds["key_path"] = check_key_file(target.key, w)
        creds["password"] = resolve(target.password, w)
        creds["enable"] = resolve(target.enable, w)
        if not (target.key or target.password):
            raise BadInput(f"{w}: needs 'password' (env:NAME or file:PATH) or 'key'")
    if isinstance(target, SNMPTarget):
        w = f"{where}: target '{target.name}'"
        for fld in ("community", "auth_key", "priv_key"):
            creds[fld] = resolve(getattr(target, fld), w)
        if target.version == "3" and not target.user:
            raise BadInput(f"{w}: SNMP version 3 needs 'user'")
        if target.version != "3" and not creds["community"]:
            raise BadInput(f"{w}: SNMP version {target.version} needs 'community'")
    if isinstance(target, (LDAPTarget, SMBTarget)):
        w = f"{where}: target '{target.name}'"
        creds["password"] = resolve(target.password, w)
        if target.user and not creds["password"]:
            raise BadInput(f"{w}: 'user' needs 'password' (env:NAME or file:PATH)")
    if isinstance(target, LDAPTarget):
        from urllib.parse import urlsplit

        url = urlsplit(target.url)
        if url.scheme not in ("ldap", "ldaps") or not url.hostname:
            raise BadInput(f"{w}: url must be ldap://HOST[:PORT] or ldaps://HOST[:PORT]")
        if target.ca:
            ca = Path(target.ca).expanduser()
            if not ca.is_file():
                raise BadInput(f"{w}: CA file not found: {target.ca}")
            creds["ca"] = str(ca)
    if isinstance(target, (WinRMTarget, ReplayTarget, SSHTarget)):
        from proofshot.scan.windows_targets import preflight_more

        creds.update(preflight_more(target, f"{where}: target '{target.name}'"))
    return creds


def transport_for(target: Any, creds: dict[str, Any], store_root: Path,
                  timeout: float) -> Transport:
    if isinstance(target, LocalTarget):
        from proofshot.transports.local import LocalTransport

        return LocalTransport(target.name, sudo=target.sudo, timeout=timeout)
    if isinstance(target, SSHTarget):
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
    if isinstance(target, NetdevTarget):
        from proofshot.collectors.netdev.platforms import platform
        from proofshot.transports.netdev import NetdevTransport

        found = platform(target.platform)
        assert found is not None  # checked in preflight
        return NetdevTransport(
            target.name, host=target.host, port=target.port, dialect=found.dialect_for_scan(),
            user=target.user, key_path=creds.get("key_path"), password=creds.get("password"),
            enable_secret=creds.get("enable"), known_hosts_path=str(store_root / "known_hosts"),
            accept_new_key=target.accept_new_host_key, command_timeout=timeout,
            login_timeout=min(timeout, 30.0),
        )
    if isinstance(target, SNMPTarget):
        from proofshot.transports.snmp import SNMPAuth, SNMPTransport

        auth = SNMPAuth(version=target.version, community=creds.get("community"),
                        user=target.user, auth_protocol=target.auth_protocol,
                        auth_key=creds.get("auth_key"), priv_protocol=target.priv_protocol,
                        priv_key=creds.get("priv_key"))
        return SNMPTransport(target.name, host=target.host, port=target.port, auth=auth,
                             timeout=timeout)
    if isinstance(target, LDAPTarget):
        from proofshot.transports.ldap import LDAPTransport

        return LDAPTransport(target.name, url=target.url, user=target.user,
                             password=creds.get("password"), ca=creds.get("ca"),
                             tls_verify=target.tls_verify, timeout=timeout)
    if isinstance(target, SMBTarget):
        from proofshot.transports.smb import SMBTransport

        return SMBTransport(target.name, host=target.host, port=target.port, user=target.user,
                            password=creds.get("password"), timeout=timeout)
    if isinstance(target, (WinRMTarget, ReplayTarget)):
        from proofshot.scan.windows_targets import transport_more

        return transport_more(target, creds, timeout)
    raise BadInput(f"target '{target.name}': type '{target.type}' is not supported")


def options_for(target: Any) -> dict[str, Any]:
    if isinstance(target, ReplayTarget):  # the recorded target's options (see preflight)
        return {**(target.options or {}), "name": target.name}
    data: dict[str, Any] = target.model_dump(exclude={"password", "community", "auth_key",
                                                       "priv_key", "enable"})
    return data
