r"""Coercing Windows property values (pure): CIM's typed JSON and wmic's text alike.

PowerShell's ConvertTo-Json gives typed values (true, 42, "\/Date(1600000000000)\/" or an ISO
date, arrays); `wmic /format:list` gives everything as text ("TRUE", "42",
"20081105093432.000000+060", {"a","b"}); the registry gives dwords and yyyymmdd dates. The
parsers read both through these functions, so one parser serves a live host and a recording.
Missing is None, never a sentinel.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

_MS_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")
_DMTF = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\.\d+([+-]\d{3})$")
_WMIC_LIST = re.compile(r'^\{(.*)\}$', re.DOTALL)


def text(v: Any) -> str | None:
    """Text, None for missing or empty."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        items = [x for x in (text(i) for i in v) if x is not None]
        return ", ".join(items) or None
    if isinstance(v, dict):
        return None
    s = str(v).strip()
    return s or None


def integer(v: Any) -> int | None:
    if v is None or isinstance(v, bool):
        return int(v) if isinstance(v, bool) else None
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v)
    s = str(v).strip()
    if not s:
        return None
    try:
        return int(s, 16) if s.lower().startswith("0x") else int(s)
    except ValueError:
        return None


def boolean(v: Any) -> bool | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return bool(v)
    s = str(v).strip().lower()
    if s in ("true", "1", "yes", "on"):
        return True
    if s in ("false", "0", "no", "off"):
        return False
    return None


def strings(v: Any) -> list[str]:
    """A list of texts: a JSON array, one value, or wmic's {"a","b"}."""
    if v is None:
        return []
    if isinstance(v, (list, tuple)):
        return [x for x in (text(i) for i in v) if x is not None]
    s = str(v).strip()
    m = _WMIC_LIST.match(s)
    if m:
        return [x for x in (p.strip().strip('"') for p in m.group(1).split('","')) if x]
    return [s] if s else []


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def date(v: Any) -> str | None:
    """ISO 8601 UTC from /Date(ms)/, ISO text, DMTF (wmic/CIM text), yyyymmdd, M/D/YYYY, or a
    FILETIME in hex (old Win32_QuickFixEngineering); None when absent or unreadable."""
    s = text(v)
    if s is None:
        return None
    s = s.replace("\\/", "/")
    m = _MS_DATE.match(s)
    if m:
        return _iso(datetime.fromtimestamp(int(m.group(1)) / 1000, UTC))
    m = _DMTF.match(s)
    if m:
        y, mo, d, h, mi, se, off = m.groups()
        try:
            dt = datetime(int(y), int(mo), int(d), int(h), int(mi), int(se), tzinfo=UTC)
        except ValueError:
            return None
        return _iso(dt - timedelta(minutes=int(off)))
    if re.fullmatch(r"\d{8}", s):
        try:
            return datetime.strptime(s, "%Y%m%d").strftime("%Y-%m-%d")
        except ValueError:
            return None
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", s)
    if m:
        try:
            return datetime(int(m.group(3)), int(m.group(1)), int(m.group(2))).strftime("%Y-%m-%d")
        except ValueError:
            return None
    if re.fullmatch(r"[0-9a-fA-F]{15,16}", s):  # FILETIME: 100 ns since 1601
        ft = int(s, 16)
        return _iso(datetime(1601, 1, 1, tzinfo=UTC) + timedelta(microseconds=ft // 10))
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return _iso(dt)


def items(v: Any) -> list[dict[str, Any]]:
    """A section's objects: PowerShell may give one object where a list was meant."""
    if v is None:
        return []
    if isinstance(v, dict):
        return [v]
    return [x for x in v if isinstance(x, dict)]
