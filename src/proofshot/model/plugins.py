"""Plugins found through entry points (Nornir's registry, without its shared mutable state).

A plugin kind is an entry-point group (`proofshot.collectors`, `proofshot.rules`); each entry
point names one object, registered under the entry point's name. Built-in plugins are passed in
as well, so a stale or missing installation record never loses them; a name registered twice
for different objects is an error, never a silent override.

    group                   object                          Protocol
    proofshot.collectors    a collector plugin              collectors.plugin.CollectorPlugin
    proofshot.rules         a tuple of finding rules        views.rules.base.Rule (each)

Finding the entry points (importlib.metadata reading every installed distribution's record,
~100 in a venv: ~30 ms a process) is done once per installation state: the `proofshot.*`
groups are cached beside this module's bytecode under a fingerprint of what that scan reads
(sys.path; per path directory the distributions in it and the modification time of each one's
entry_points.txt). Installing, removing or upgrading a distribution, or editing
its entry points, changes the fingerprint and the next process scans again. A cache that
cannot be read or written is no error: the scan is done as without it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from proofshot.model.errors import ProofshotError

T = TypeVar("T")


class PluginError(ProofshotError):
    """A plugin could not be registered (duplicate name, wrong kind, failed import)."""


PREFIX = "proofshot."  # the groups kept in the cache
_CACHE_FORMAT = 1
_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")


@dataclass(frozen=True)
class Entry:
    """One entry point as importlib.metadata.EntryPoint names and loads it."""

    name: str
    value: str
    group: str

    def load(self) -> Any:
        m = _VALUE.match(self.value)
        if m is None:
            raise ValueError(f"not an entry point reference: {self.value!r}")
        obj: Any = importlib.import_module(m.group("module"))
        for part in filter(None, (m.group("attr") or "").split(".")):
            obj = getattr(obj, part)
        return obj


_TABLE: dict[str, list[tuple[str, str]]] | None = None


def entry_points(*, group: str) -> list[Entry]:
    """The installed entry points of a `proofshot.*` group (cached, see the module doc)."""
    global _TABLE
    if _TABLE is None:
        _TABLE = _entry_table()
    return [Entry(name, value, group) for name, value in _TABLE.get(group, [])]


def _fingerprint() -> list[Any]:
    """What importlib.metadata's scan depends on: the path, the distributions in each of its
    directories (names carry the version: added, removed, upgraded) and the mtime of each one's
    entry_points.txt (edited). Not a directory's own mtime: sys.path[0] is often the working
    directory, which changes all the time."""
    out: list[Any] = [sys.version, sys.path]
    for entry in sys.path:
        try:
            names = sorted(n for n in os.listdir(entry or ".")
                           if n.endswith((".dist-info", ".egg-info")))
        except OSError:
            out.append(None)
            continue
        stamps = []
        for n in names:
            try:
                stamps.append(os.stat(os.path.join(entry or ".", n, "entry_points.txt"))
                              .st_mtime_ns)
            except OSError:
                stamps.append(0)
        out.append([names, stamps])
    return out


def cache_file() -> Path:
    """Beside this module's own bytecode (its __pycache__, or PYTHONPYCACHEPREFIX's), per
    interpreter: a cache of what is installed, not of the user's data, so a command never
    writes into the user's directories (a bad command line writes nothing). Written also
    under PYTHONDONTWRITEBYTECODE (installs byte-compile ahead, .ci/install does); where the
    directory is read-only nothing is cached and every process reads the distributions."""
    tag = hashlib.sha256(f"{sys.executable}\0{sys.prefix}".encode()).hexdigest()[:16]
    return Path(importlib.util.cache_from_source(__file__)).parent / f"entry-points-{tag}.json"


def _entry_table() -> dict[str, list[tuple[str, str]]]:
    fp = _fingerprint()
    path = cache_file()
    try:
        data = json.loads(path.read_text())
        if data.get("format") == _CACHE_FORMAT and data.get("fingerprint") == fp:
            return {g: [(n, v) for n, v in eps] for g, eps in data["groups"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass
    from importlib.metadata import entry_points as installed

    every = installed()  # all groups in one scan of the distributions
    groups: dict[str, list[tuple[str, str]]] = {
        g: [(ep.name, ep.value) for ep in every.select(group=g)]
        for g in sorted(every.groups) if g.startswith(PREFIX)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"format": _CACHE_FORMAT, "fingerprint": fp,
                                   "groups": groups}))
        os.replace(tmp, path)
    except OSError:
        pass
    return groups


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
