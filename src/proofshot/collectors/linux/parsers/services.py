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


def systemd_services(unit_files: str | None, units: str | None,
                     unit_paths: str | None) -> list[Row]:
    """Join the systemd answers; any of them may be missing (None)."""
    states = parse_unit_files(unit_files) if unit_files is not None else {}
    if unit_files is None and unit_paths is not None:
        states = dict.fromkeys(parse_unit_paths(unit_paths), "")
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
