"""Package parsers: dpkg-query and rpm, both printed as
NAME<TAB>ARCH<TAB>VERSION<TAB>STATUS<TAB>SOURCE."""

from __future__ import annotations

from proofshot.model.table import Row


def parse_packages(text: str, manager: str) -> list[Row]:
    """Parse the tab-separated package list of `manager` (dpkg or rpm). Packages that dpkg
    knows but has no version of (status 'un') are skipped."""
    raw: list[tuple[str, str, str, str, str | None]] = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) < 4 or not parts[0] or not parts[2].strip():
            continue
        name, arch, version, status = (p.strip() for p in parts[:4])
        if manager == "rpm" and version.startswith("(none):"):
            version = version[len("(none):"):]
        source = parts[4].strip() if len(parts) > 4 else ""
        if source in ("", "(none)"):
            source_out: str | None = None
        else:
            source_out = source
        raw.append((name, arch, version, status, source_out))
    count: dict[tuple[str, str], int] = {}
    for name, arch, *_ in raw:
        count[(name, arch)] = count.get((name, arch), 0) + 1
    rows: list[Row] = []
    seen: set[tuple[str, str, str]] = set()
    for name, arch, version, status, src in raw:
        slot = version if count[(name, arch)] > 1 else ""
        if (name, arch, slot) in seen:
            continue
        seen.add((name, arch, slot))
        rows.append({"manager": manager, "name": name, "arch": arch, "slot": slot,
                     "version": version, "status": status, "source": src})
    return rows
