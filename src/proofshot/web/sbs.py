"""A unified line diff (the diff engine's `diff` of a `lines` column) as side-by-side rows."""

from __future__ import annotations

import re
from dataclasses import dataclass

_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass(frozen=True)
class Side:
    no: int | None
    text: str
    kind: str  # same | del | add | none


@dataclass(frozen=True)
class Pair:
    left: Side
    right: Side
    hunk: str = ""  # set on a hunk header row (the sides are empty then)


def side_by_side(unified: list[str]) -> list[Pair]:
    """Removed lines beside the added lines that replace them; context on both sides."""
    out: list[Pair] = []
    ln = rn = 0
    dels: list[tuple[int, str]] = []
    adds: list[tuple[int, str]] = []
    blank = Side(None, "", "none")

    def flush() -> None:
        for i in range(max(len(dels), len(adds))):
            left = Side(dels[i][0], dels[i][1], "del") if i < len(dels) else blank
            right = Side(adds[i][0], adds[i][1], "add") if i < len(adds) else blank
            out.append(Pair(left, right))
        dels.clear()
        adds.clear()

    for line in unified:
        if line.startswith(("--- ", "+++ ")) and not out and not dels and not adds and ln == 0:
            continue
        m = _HUNK.match(line)
        if m:
            flush()
            ln, rn = int(m.group(1)), int(m.group(2))
            out.append(Pair(blank, blank, line))
        elif line.startswith("-"):
            dels.append((ln, line[1:]))
            ln += 1
        elif line.startswith("+"):
            adds.append((rn, line[1:]))
            rn += 1
        else:
            flush()
            text = line[1:] if line.startswith(" ") else line
            out.append(Pair(Side(ln, text, "same"), Side(rn, text, "same")))
            ln += 1
            rn += 1
    flush()
    return out
