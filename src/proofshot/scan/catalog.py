"""The collectors this installation has: built in, plus every `proofshot.collectors` entry point.

A collector plugin (collectors/plugin.py) is found by its name (what a snapshot records as its
target's collector, so a stored snapshot finds the collector that can re-derive it) and by the
scope target types it reads. Two plugins of one name, or two claiming one target type, are an
error. Listing plugins imports only their small plugin modules: a local scan never loads ldap3
or smbprotocol.
"""

from __future__ import annotations

from functools import cache

from proofshot.collectors.base import Collector
from proofshot.collectors.ldap.plugin import PLUGIN as LDAP
from proofshot.collectors.linux.plugin import PLUGIN as LINUX
from proofshot.collectors.netdev.plugin import PLUGIN as NETDEV
from proofshot.collectors.plugin import CollectorPlugin
from proofshot.collectors.smb.plugin import PLUGIN as SMB
from proofshot.collectors.snmp.plugin import PLUGIN as SNMP
from proofshot.collectors.windows.plugin import PLUGIN as WINDOWS
from proofshot.model.plugins import PluginError, discover
from proofshot.model.table import Table

GROUP = "proofshot.collectors"
BUILTIN: dict[str, CollectorPlugin] = {"linux": LINUX, "snmp": SNMP, "ldap": LDAP, "smb": SMB,
                                        "windows": WINDOWS, "netdev": NETDEV}


@cache
def plugins() -> dict[str, CollectorPlugin]:
    """Every collector plugin by name (read once per process)."""
    found = discover(GROUP, BUILTIN, lambda o: isinstance(o, CollectorPlugin), "collector plugin")
    for name, p in found.items():
        if p.name != name:
            raise PluginError(f"collector plugin registered as '{name}' calls itself '{p.name}'")
    target_types()  # a type claimed twice is an error as soon as plugins are listed
    return found


@cache
def target_types() -> dict[str, CollectorPlugin]:
    """scope `type:` -> the plugin that reads it (its options model: plugin.options(type))."""
    out: dict[str, CollectorPlugin] = {}
    for p in discover(GROUP, BUILTIN, lambda o: isinstance(o, CollectorPlugin),
                      "collector plugin").values():
        for type_ in p.target_types:
            if type_ in out:
                raise PluginError(f"target type '{type_}' is claimed by collectors "
                                  f"'{out[type_].name}' and '{p.name}'")
            out[type_] = p
    return out


def plugin(name: str) -> CollectorPlugin | None:
    return plugins().get(name)


def collector(name: str) -> Collector | None:
    """The collector recorded as `name`, None when this installation has none of that name."""
    p = plugins().get(name)
    return p.collector() if p is not None else None


def for_target_type(type_: str) -> CollectorPlugin | None:
    return target_types().get(type_)


def all_tables(builtin_only: bool = False) -> list[Table]:
    """Every table every collector declares (for docs and `proofshot tables`); with
    `builtin_only` those of the collectors built into proofshot (docs/tables.md)."""
    found = BUILTIN if builtin_only else plugins()
    return sorted((t for p in found.values() for t in p.tables()), key=lambda t: t.name)
