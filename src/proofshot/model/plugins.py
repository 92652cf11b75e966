"""Plugins found through entry points (Nornir's registry, without its shared mutable state).

A plugin kind is an entry-point group (`proofshot.collectors`, `proofshot.rules`); each entry
point names one object, registered under the entry point's name. Built-in plugins are passed in
as well, so a stale or missing installation record never loses them; a name registered twice
for different objects is an error, never a silent override.

    group                   object                          Protocol
    proofshot.collectors    a collector plugin              collectors.plugin.CollectorPlugin
    proofshot.rules         a tuple of finding rules        views.rules.base.Rule (each)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import Any, TypeVar

from proofshot.model.errors import ProofshotError

T = TypeVar("T")


class PluginError(ProofshotError):
    """A plugin could not be registered (duplicate name, wrong kind, failed import)."""


def discover(group: str, builtin: Mapping[str, T], check: Callable[[Any], bool],
             kind: str) -> dict[str, T]:
    """The plugins of `group`: the built-in ones plus every entry point, by name. `check`
    says whether a loaded object is of the kind; `kind` names it in errors."""
    found: dict[str, T] = dict(builtin)
    origin = {name: "built in" for name in builtin}
    for ep in sorted(entry_points(group=group), key=lambda e: (e.name, e.value)):
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plugin is named, not swallowed
            raise PluginError(f"plugin '{ep.name}' ({ep.value}, group {group}) cannot be "
                              f"loaded: {exc!r}") from None
        if not check(obj):
            raise PluginError(f"plugin '{ep.name}' ({ep.value}) is not a {kind}")
        if ep.name in found:
            if found[ep.name] is obj:
                continue
            raise PluginError(f"two {kind}s are named '{ep.name}': {origin[ep.name]} and "
                              f"{ep.value}")
        found[ep.name] = obj
        origin[ep.name] = ep.value
    return found
