"""Service parsers: systemctl list-unit-files / list-units, unit files on disk, SysV links."""

from __future__ import annotations

import re

from proofshot.collectors.linux.parsers.common import sections
from proofshot.model.table import Row

_RC_RE = re.compile(r"/rc([0-6S])\.d/S\d*(.+)$")


def parse_unit_files(text: str) -> dict[str, str]:
    """`systemctl list-unit-files --type=service --no-legend`: unit -> state."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].endswith(".service"):
            out.setdefault(parts[0], parts[1])
    return out


def parse_units(text: str) -> dict[str, tuple[str, str, str | None]]:
    """`systemctl list-units --type=service --all --plain --no-legend`: unit -> (active, sub,
    description)."""
    out: dict[str, tuple[str, str, str | None]] = {}
    for line in text.splitlines():
        parts = line.lstrip("●* ").split(None, 4)
        if len(parts) >= 4 and parts[0].endswith(".service"):
            desc = parts[4].strip() if len(parts) > 4 else None
            out.setdefault(parts[0], (parts[2], parts[3], desc or None))
    return out


def parse_unit_paths(text: str) -> list[str]:
    """Service unit names from paths found on disk."""
    names: dict[str, None] = {}
    for line in text.splitlines():
        name = line.rsplit("/", 1)[-1].strip()
        if name.endswith(".service") and len(name) > len(".service"):
            names.setdefault(name)
    return list(names)


_CONFIG_DIRS = {"/etc/systemd/system": "", "/run/systemd/system": "-runtime"}
_INSTALL_RE = re.compile(r"^\s*(WantedBy|RequiredBy|UpheldBy|Alias|Also|DefaultInstance)\s*=(.*)$")


def _base(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _dir(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def derive_unit_states(text: str) -> dict[str, str]:
    """unit -> state as `systemctl list-unit-files` reports it without a running systemd,
    from the `unit_files` sections (units, links, install); an answer in the older format (a
    bare list of unit file paths) gives the names with an empty state."""
    sec = sections(text)
    if "units" not in sec:
        return dict.fromkeys(parse_unit_paths(text), "")
    unit_dirs: list[str] = []
    found: dict[str, tuple[str, str]] = {}  # name -> (path, symlink target or "")
    for line in sec["units"].splitlines():
        path, _, target = line.partition("\t")
        name = _base(path)
        if not name.endswith(".service") or len(name) <= len(".service"):
            continue
        if _dir(path) not in unit_dirs:
            unit_dirs.append(_dir(path))
        found.setdefault(name, (path, target))
    install: dict[str, dict[str, list[str]]] = {}
    for line in sec.get("install", "").splitlines():
        path, _, rest = line.partition("\t")
        m = _INSTALL_RE.match(rest)
        if m:
            install.setdefault(path, {}).setdefault(m.group(1), []).extend(m.group(2).split())
    # enablement links in the config dirs: (suffix, link name, target's name)
    links: list[tuple[str, str, str, bool]] = []
    for line in sec.get("links", "").splitlines():
        path, _, target = line.partition("\t")
        parent = _dir(path)
        top = parent if parent in _CONFIG_DIRS else _dir(parent)
        if top not in _CONFIG_DIRS or not target:
            continue
        links.append((_CONFIG_DIRS[top], _base(path), _base(target), parent == top))
    states: dict[str, str] = {}
    for name, (path, target) in found.items():
        runtime = "-runtime" if path.startswith("/run/") else ""
        file = path
        if target:
            if target == "/dev/null":
                states[name] = "masked" + runtime
                continue
            if _base(target) != name:
                states[name] = "alias"
                continue
            resolved = target if target.startswith("/") else f"{_dir(path)}/{target}"
            if _dir(resolved) not in unit_dirs:
                states[name] = "linked" + runtime
                continue
            file = resolved
        info = install.get(file) or install.get(found.get(_base(file), (file, ""))[0]) or {}
        aliases = set(info.get("Alias", []))
        state = ""
        for suffix in ("", "-runtime"):
            for sfx, link, dest, top_level in links:
                if sfx != suffix or dest != name:
                    continue
                if not top_level or link in aliases or link == name:
                    state = "enabled" + suffix
                    break
            if state:
                break
        if not state:
            if any(info.get(k) for k in ("WantedBy", "RequiredBy", "UpheldBy", "Alias")):
                state = "disabled"
            elif info.get("Also"):
                state = "indirect"
            else:
                state = "static"
        states[name] = state
    return states


def systemd_services(unit_files: str | None, units: str | None,
                     unit_paths: str | None) -> list[Row]:
    """Join the systemd answers; any of them may be missing (None). Without systemctl's
    list-unit-files (systemd not running), the states are derived from the unit files."""
    states = parse_unit_files(unit_files) if unit_files is not None else {}
    if unit_files is None and unit_paths is not None:
        states = derive_unit_states(unit_paths)
    runtime = parse_units(units) if units is not None else {}
    rows: list[Row] = []
    for name in list(states) + [n for n in runtime if n not in states]:
        active, sub, desc = runtime.get(name, (None, None, None))
        rows.append({"manager": "systemd", "name": name, "enabled": states.get(name) or None,
                     "active": active, "sub": sub, "description": desc, "runlevels": []})
    return rows


def parse_sysv(text: str) -> list[Row]:
    """SysV init scripts (section `scripts`) and start links (section `links`)."""
    sec = sections(text)
    levels: dict[str, set[str]] = {}
    for line in sec.get("links", "").splitlines():
        m = _RC_RE.search(line.strip())
        if m:
            levels.setdefault(m.group(2), set()).add(m.group(1))
    rows: list[Row] = []
    seen: set[str] = set()
    for line in sec.get("scripts", "").splitlines():
        name = line.strip().rsplit("/", 1)[-1]
        if not name or name in seen or name.startswith(".") or name in ("README", "functions"):
            continue
        seen.add(name)
        lv = sorted(levels.get(name, set()))
        rows.append({"manager": "sysv", "name": name,
                     "enabled": "enabled" if lv else "disabled", "active": None, "sub": None,
                     "description": None, "runlevels": lv})
    return rows
