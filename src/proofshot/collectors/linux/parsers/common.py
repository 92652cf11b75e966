"""Small helpers shared by the Linux parsers."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

SECTION_RE = re.compile(r"^==> (.+) <==$")
_PAIR_RE = re.compile(r'([A-Z0-9_:%-]+)="((?:[^"\\]|\\.)*)"')
_HEX_ESC_RE = re.compile(r"\\x([0-9a-fA-F]{2})")


def to_int(value: str | None) -> int | None:
    """An integer, or None when the text is not one."""
    if value is None:
        return None
    value = value.strip()
    try:
        return int(value)
    except ValueError:
        return None


def to_real(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        out = float(value.strip())
    except ValueError:
        return None
    if out != out or out in (float("inf"), float("-inf")):
        return None
    return out


def none_if_empty(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def sections(text: str) -> dict[str, str]:
    """Split script output framed by `==> NAME <==` lines into NAME -> body."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        m = SECTION_RE.match(line)
        if m:
            current = out.setdefault(m.group(1), [])
            continue
        if current is not None:
            current.append(line)
    return {k: "\n".join(v).strip("\n") for k, v in out.items()}


def pairs(line: str) -> dict[str, str]:
    """Parse util-linux `-P` output: KEY="value" pairs with \\xHH escapes."""
    out: dict[str, str] = {}
    for m in _PAIR_RE.finditer(line):
        raw = m.group(2)
        raw = _HEX_ESC_RE.sub(lambda h: chr(int(h.group(1), 16)), raw)
        out[m.group(1)] = raw.replace('\\"', '"').replace("\\\\", "\\")
    return out


def nul_records(text: str) -> Iterator[tuple[str, str]]:
    """Parse `grep -Z -H ''` output: records `PATH\\0LINE\\n` (a path may hold newlines)."""
    pos = 0
    size = len(text)
    while pos < size:
        nul = text.find("\0", pos)
        if nul < 0:
            return
        nl = text.find("\n", nul + 1)
        if nl < 0:
            nl = size
        path = text[pos:nul]
        line = text[nul + 1 : nl]
        pos = nl + 1
        if path:
            yield path, line


def files_lines(text: str) -> dict[str, list[str]]:
    """Group `grep -Z -H ''` records by file, keeping the order of lines."""
    out: dict[str, list[str]] = {}
    for path, line in nul_records(text):
        out.setdefault(path, []).append(line)
    return out


def split_words(line: str) -> list[str]:
    """Split a config line like a shell would; fall back to whitespace on bad quoting."""
    try:
        return shlex.split(line, comments=False, posix=True)
    except ValueError:
        return line.split()


def strip_comment(line: str) -> str:
    """Drop a `#` comment starting a line (after blanks); keeps inline text intact."""
    stripped = line.strip()
    if stripped.startswith("#"):
        return ""
    return stripped


def occurrence(counter: dict[tuple[object, ...], int], key: tuple[object, ...]) -> int:
    """1 for the first row with this key, 2 for the second, ...: keeps keys unique."""
    counter[key] = counter.get(key, 0) + 1
    return counter[key]
