"""The collectors this version has, by name: one list for scans, re-derivation and docs.

Each collector is imported only when asked for (a local scan never loads ldap3 or
smbprotocol). The name is what a snapshot records as its target's collector, so a stored
snapshot finds the collector that can re-derive it.
"""

from __future__ import annotations

from importlib import import_module

from proofshot.collectors.base import Collector
from proofshot.model.table import Table

# collector name -> module holding COLLECTOR; target type -> collector name
COLLECTORS = {
    "linux": "proofshot.collectors.linux.collector",
    "snmp": "proofshot.collectors.snmp.collector",
    "ldap": "proofshot.collectors.ldap.collector",
    "smb": "proofshot.collectors.smb.collector",
    "windows": "proofshot.collectors.windows.collector",
    "netdev": "proofshot.collectors.netdev.collector",
}
FOR_TARGET = {"local": "linux", "ssh": "linux", "snmp": "snmp", "ldap": "ldap", "smb": "smb",
              "winrm": "windows", "netdev": "netdev"}


def collector(name: str) -> Collector | None:
    """The collector recorded as `name`, None when this version has none of that name."""
    module = COLLECTORS.get(name)
    if module is None:
        return None
    found: Collector = import_module(module).COLLECTOR
    return found


def for_target_type(type_: str) -> Collector | None:
    name = FOR_TARGET.get(type_)
    return collector(name) if name else None


def all_tables() -> list[Table]:
    """Every table every collector declares (for docs and `proofshot tables`)."""
    tables = [t for module in COLLECTORS.values() for t in import_module(module).COLLECTOR.tables()]
    return sorted(tables, key=lambda t: t.name)
