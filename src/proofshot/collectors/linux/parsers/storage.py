"""Block device and filesystem parsers (util-linux `-P` output, df -P -i)."""

from __future__ import annotations

import re

from proofshot.collectors.linux.parsers.common import none_if_empty, pairs, to_int
from proofshot.model.table import Row

_DF_RE = re.compile(r"^(.*?)\s+(\d+|-)\s+(\d+|-)\s+(\d+|-)\s+(\d+%|-)\s+(/.*)$")


def parse_lsblk(text: str) -> list[Row]:
    """Parse `lsblk -P -b -o NAME,KNAME,PKNAME,...`; one row per (device, parent)."""
    rows: list[Row] = []
    seen: set[tuple[str, str]] = set()
    for line in text.splitlines():
        f = pairs(line)
        name = f.get("KNAME") or f.get("NAME")
        if not name:
            continue
        parent = f.get("PKNAME", "")
        if (name, parent) in seen:
            continue
        seen.add((name, parent))
        ro = f.get("RO")
        rows.append({
            "name": name,
            "parent": parent,
            "label_name": none_if_empty(f.get("NAME")),
            "type": none_if_empty(f.get("TYPE")),
            "size": to_int(f.get("SIZE")),
            "fstype": none_if_empty(f.get("FSTYPE")),
            "mountpoint": none_if_empty(f.get("MOUNTPOINT")),
            "uuid": none_if_empty(f.get("UUID")),
            "label": none_if_empty(f.get("LABEL")),
            "model": none_if_empty(f.get("MODEL")),
            "serial": none_if_empty(f.get("SERIAL")),
            "read_only": None if ro not in ("0", "1") else ro == "1",
        })
    return rows


def parse_df_inodes(text: str) -> dict[str, tuple[int | None, int | None, int | None]]:
    """Parse `df -P -i`: mount point -> (inodes, used, free)."""
    out: dict[str, tuple[int | None, int | None, int | None]] = {}
    for line in text.splitlines():
        m = _DF_RE.match(line)
        if not m:
            continue
        out[m.group(6)] = (to_int(m.group(2)), to_int(m.group(3)), to_int(m.group(4)))
    return out


# Mounts that hold kernel object handles, not files (`ip netns add` pins a namespace this way).
_HANDLES = frozenset({"nsfs"})


def parse_findmnt(text: str, df_inodes: str = "") -> list[Row]:
    """Parse `findmnt -P -b -o TARGET,SOURCE,FSTYPE,OPTIONS,SIZE,USED,AVAIL`; the last mount
    of a target (the visible one) wins. Inode numbers come from `df -P -i` when given."""
    inodes = parse_df_inodes(df_inodes)
    by_target: dict[str, Row] = {}
    for line in text.splitlines():
        f = pairs(line)
        target = f.get("TARGET")
        if not target or f.get("FSTYPE") in _HANDLES:
            continue
        ino = inodes.get(target, (None, None, None))
        total = ino[0] if ino[0] else None
        by_target.pop(target, None)
        by_target[target] = {
            "target": target,
            "source": none_if_empty(f.get("SOURCE")),
            "fstype": none_if_empty(f.get("FSTYPE")),
            "options": [o for o in f.get("OPTIONS", "").split(",") if o],
            "size": to_int(f.get("SIZE")),
            "used": to_int(f.get("USED")),
            "avail": to_int(f.get("AVAIL")),
            "inodes": total,
            "inodes_used": ino[1] if total else None,
            "inodes_free": ino[2] if total else None,
        }
    return list(by_target.values())
