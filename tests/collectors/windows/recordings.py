"""Test-side loaders: real Windows recordings (../shared/recordings/windows, GLPI agent's
`wmic /format:list` answers and `reg export` files) turned into the property dicts that
PowerShell's JSON gives, so the collector's parsers run on answers of real machines.

wmic gives every value as text (TRUE, 42, DMTF dates, {"a","b"} lists); the parsers accept
that as well as JSON's typed values. Registry values become what the collector's
Get-ProofshotKey gives: dword -> int, hex(2) -> the expanded-string text, hex(7) -> list of
strings, other hex -> {"b64": ...}, strings as they are.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3] / ".." / "shared" / "recordings" / "windows"
WMI_DIR = ROOT / "wmi"
REG_DIR = ROOT / "registry"


def text_of(path: Path) -> str:
    raw = path.read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16")
    if len(raw) > 1 and raw[1:2] == b"\x00":
        return raw.decode("utf-16-le")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def wmi(path: Path) -> list[dict[str, Any]]:
    """Instances of a wmic /format:list answer: blank-line-separated Property=Value blocks."""
    out: list[dict[str, Any]] = []
    cur: dict[str, Any] = {}
    for line in text_of(path).replace("\r", "").split("\n"):
        if line.startswith("#"):
            continue
        if not line.strip():
            if cur:
                out.append(cur)
                cur = {}
            continue
        if "=" in line:
            k, v = line.split("=", 1)
            cur[k.strip()] = v
    if cur:
        out.append(cur)
    return out


_VALUE = re.compile(r'^("(?P<name>(?:[^"\\]|\\.)*)"|@)=(?P<data>.*)$', re.DOTALL)


def _unescape(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s)


def _reg_value(data: str) -> Any:
    if data.startswith('"'):
        return _unescape(data[1:-1])
    if data.startswith("dword:"):
        return int(data[6:], 16)
    m = re.match(r"hex(?:\((\w+)\))?:(.*)$", data, re.DOTALL)
    if m:
        kind = m.group(1)
        raw = bytes(int(b, 16) for b in m.group(2).replace("\\", "").replace(" ", "")
                    .replace("\n", "").split(",") if b)
        if kind == "2":
            return raw.decode("utf-16-le").rstrip("\0")
        if kind == "7":
            return [s for s in raw.decode("utf-16-le").split("\0") if s]
        if kind == "b" and len(raw) == 8:
            return int.from_bytes(raw, "little")
        return {"b64": base64.b64encode(raw).decode()}
    return data


def reg(path: Path) -> list[dict[str, Any]]:
    """Keys of a `reg export` file as [{"key", "values"}], in file order."""
    text = text_of(path).replace("\r", "")
    lines: list[str] = []
    for line in text.split("\n"):  # join continuation lines (a trailing backslash)
        if lines and lines[-1].endswith("\\") and not lines[-1].endswith('\\\\"'):
            lines[-1] = lines[-1][:-1] + line.strip()
        else:
            lines.append(line)
    out: list[dict[str, Any]] = []
    for line in lines:
        if line.startswith("[") and line.endswith("]"):
            out.append({"key": line[1:-1], "values": {}})
        elif out:
            m = _VALUE.match(line)
            if m:
                name = _unescape(m.group("name")) if m.group("name") is not None else ""
                out[-1]["values"][name] = _reg_value(m.group("data"))
    return out


_APPX = {"NAME": "Name", "PUBLISHER": "Publisher", "PUBID": "PublisherId",
         "ARCH": "Architecture", "VERSION": "Version", "FOLDER": "InstallLocation",
         "SYSTEM_CATEGORY": "Category"}


def appx(path: Path) -> list[dict[str, Any]]:
    """The GLPI agent's AppX listing (KEY: value blocks) as Get-AppxPackage's properties."""
    out: list[dict[str, Any]] = []
    cur: dict[str, Any] = {}
    for line in text_of(path).replace("\r", "").split("\n"):
        if not line.strip():
            if cur:
                out.append(cur)
                cur = {}
            continue
        k, _, v = line.partition(": ")
        if k in _APPX:
            cur[_APPX[k]] = v
    if cur:
        out.append(cur)
    return out
