"""Accounts: /etc/passwd, the shadow summary (computed on the target), /etc/group, sudoers."""

from __future__ import annotations

import re

from proofshot.collectors.linux.parsers.common import files_lines, occurrence, to_int
from proofshot.model.table import Row

PASSWORD_STATES = frozenset({"set", "empty", "locked", "none"})


def parse_passwd(text: str) -> list[Row]:
    """Parse /etc/passwd (NIS `+`/`-` lines skipped); first entry of a name wins."""
    rows: list[Row] = []
    seen: set[str] = set()
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) != 7 or not parts[0] or parts[0][0] in "+-#" or parts[0] in seen:
            continue
        uid, gid = to_int(parts[2]), to_int(parts[3])
        if uid is None or gid is None:
            continue
        seen.add(parts[0])
        rows.append({"name": parts[0], "uid": uid, "gid": gid, "gecos": parts[4],
                     "home": parts[5] or None, "shell": parts[6] or None})
    return rows


def parse_shadow_summary(text: str) -> dict[str, Row]:
    """Parse the target-side summary `name:state:lastchg:min:max:warn:inactive:expire`.

    A line whose state is not one of the four words is dropped, so even a misbehaving
    target cannot make a hash reach a row.
    """
    out: dict[str, Row] = {}
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) != 8 or not parts[0] or parts[1] not in PASSWORD_STATES:
            continue
        out.setdefault(parts[0], {
            "password_state": parts[1],
            "last_change": to_int(parts[2]),
            "min_days": to_int(parts[3]),
            "max_days": to_int(parts[4]),
            "warn_days": to_int(parts[5]),
            "inactive_days": to_int(parts[6]),
            "expire": to_int(parts[7]),
        })
    return out


def users(passwd: str, shadow: str | None) -> list[Row]:
    """Join passwd rows with the shadow summary (None when shadow was not readable)."""
    summary = parse_shadow_summary(shadow) if shadow is not None else {}
    rows = parse_passwd(passwd)
    for row in rows:
        row.update(summary.get(row["name"], {}))
    return rows


def parse_group(text: str) -> list[Row]:
    rows: list[Row] = []
    seen: set[str] = set()
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) != 4 or not parts[0] or parts[0][0] in "+-#" or parts[0] in seen:
            continue
        gid = to_int(parts[2])
        if gid is None:
            continue
        seen.add(parts[0])
        members = list(dict.fromkeys(m.strip() for m in parts[3].split(",") if m.strip()))
        rows.append({"name": parts[0], "gid": gid, "members": members})
    return rows


def group_members(passwd: str, group: str) -> list[Row]:
    """Membership by listing in /etc/group and by primary gid in /etc/passwd."""
    groups = parse_group(group)
    by_gid: dict[int, str] = {}
    for g in groups:
        by_gid.setdefault(g["gid"], g["name"])
    via: dict[tuple[str, str], set[str]] = {}
    for g in groups:
        for m in g["members"]:
            via.setdefault((g["name"], m), set()).add("member")
    for u in parse_passwd(passwd):
        gname = by_gid.get(u["gid"], str(u["gid"]))
        via.setdefault((gname, u["name"]), set()).add("primary")
    return [{"group": g, "user": u, "via": "both" if len(v) == 2 else next(iter(v))}
            for (g, u), v in via.items()]


def _logical_lines(lines: list[str]) -> list[tuple[int, str]]:
    """Join backslash continuations; returns (first line number, text)."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    for i, line in enumerate(lines, 1):
        if not buf:
            start = i
        if line.endswith("\\"):
            buf.append(line[:-1])
            continue
        buf.append(line)
        out.append((start, " ".join(buf)))
        buf = []
    if buf:
        out.append((start, " ".join(buf)))
    return out


# "#" starts a comment unless digits follow in a user list: "#1001 ALL=(ALL) ALL" is a rule
# for uid 1001 (sudoers(5)); visudo rejects such a line that is not a rule
_UID_RULE = re.compile(r"#\d+\s*[,\s]")


def parse_sudoers(text: str) -> list[Row]:
    """Parse `grep -H -Z ''` over sudoers files into rule/defaults/alias/include rows."""
    rows: list[Row] = []
    counter: dict[tuple[object, ...], int] = {}
    for path, lines in files_lines(text).items():
        for lineno, raw in _logical_lines(lines):
            norm = " ".join(raw.split())
            if not norm:
                continue
            low = norm.lower()
            if low.startswith(("#include", "@include")):
                kind = "include"
            elif norm.startswith("#") and not _UID_RULE.match(norm):
                continue
            elif low.startswith("defaults"):
                kind = "defaults"
            elif norm.split()[0] in ("User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias",
                                     "Cmd_Alias"):
                kind = "alias"
            else:
                kind = "rule"
            rows.append({
                "file": path,
                "text": norm,
                "n": occurrence(counter, (path, norm)),
                "kind": kind,
                "principal": norm.split()[0] if kind == "rule" else None,
                "line": lineno,
            })
    return rows
