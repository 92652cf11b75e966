"""Configuration parsers: cron, sshd, time synchronisation."""

from __future__ import annotations

import re

from proofshot.collectors.linux.parsers.common import files_lines, occurrence, sections
from proofshot.model.table import Row

_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\s*=")
_PERIODS = {"cron.hourly": "@hourly", "cron.daily": "@daily", "cron.weekly": "@weekly",
            "cron.monthly": "@monthly"}


def _cron_job(path: str, words: list[str]) -> tuple[str | None, str, str] | None:
    """(user, schedule, command) of a crontab line, or None when it is not one."""
    system = "/var/spool/cron" not in path
    anacron = path.endswith("anacrontab")
    user: str | None = None
    if anacron:
        if len(words) < 4:
            return None
        return "root", f"{words[0]} {words[1]}", " ".join(words[3:])
    if words[0].startswith("@"):
        n = 1
    elif len(words) >= 6:
        n = 5
    else:
        return None
    sched = " ".join(words[:n])
    rest = words[n:]
    if system:
        if len(rest) < 2:
            return None
        user, rest = rest[0], rest[1:]
    else:
        user = path.rsplit("/", 1)[-1]
    if not rest:
        return None
    return user, sched, " ".join(rest)


def parse_cron(text: str) -> list[Row]:
    sec = sections(text)
    rows: list[Row] = []
    counter: dict[tuple[object, ...], int] = {}
    for path, lines in files_lines(sec.get("lines", "")).items():
        for raw in lines:
            line = " ".join(raw.split())
            if not line or line.startswith("#"):
                continue
            row: Row = {"file": path, "entry": line,
                        "n": occurrence(counter, (path, line))}
            if _ENV_RE.match(line):
                row.update(kind="env")
            else:
                job = _cron_job(path, line.split(" "))
                if job is None:
                    continue
                row.update(kind="job", user=job[0], schedule=job[1], command=job[2])
            rows.append(row)
    for line in sec.get("scripts", "").splitlines():
        path = line.strip()
        parts = path.rsplit("/", 2)
        if len(parts) < 3 or parts[1] not in _PERIODS:
            continue
        rows.append({"file": path, "entry": path, "n": occurrence(counter, (path, path)),
                     "kind": "script", "user": "root", "schedule": _PERIODS[parts[1]],
                     "command": path})
    return rows


def parse_sshd_effective(text: str) -> list[Row]:
    """`sshd -T`: lower-case `keyword value` lines."""
    rows: list[Row] = []
    counter: dict[tuple[object, ...], int] = {}
    for line in text.splitlines():
        parts = line.strip().split(None, 1)
        if len(parts) < 1 or not parts[0].isalnum() or parts[0].lower() != parts[0]:
            continue
        kw = parts[0]
        rows.append({"source": "effective", "match": "", "keyword": kw,
                     "n": occurrence(counter, ("effective", kw)),
                     "value": parts[1].strip() if len(parts) > 1 else ""})
    return rows


def parse_sshd_config(text: str) -> list[Row]:
    """sshd_config files: `Keyword value` or `Keyword=value`; lines after `Match` belong to it
    until the next Match (or the end of the file)."""
    rows: list[Row] = []
    counter: dict[tuple[object, ...], int] = {}
    for path, lines in files_lines(text).items():
        match = ""
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+)(.*)$", line)
            if not m:
                continue
            kw, value = m.group(1).lower(), " ".join(m.group(2).split())
            if kw == "match":
                match = "" if value.lower() == "all" else value
                continue
            rows.append({"source": path, "match": match, "keyword": kw,
                         "n": occurrence(counter, (path, match, kw)), "value": value})
    return rows


_TIME_KW = {"server", "pool", "peer", "servers"}


def parse_time_sync(text: str) -> list[Row]:
    """chrony/ntpd/openntpd `server|pool|peer NAME opts`, timesyncd `NTP=`/`FallbackNTP=`."""
    rows: list[Row] = []
    seen: set[tuple[str, str, str]] = set()

    def add(path: str, kind: str, server: str, opts: list[str]) -> None:
        if (path, kind, server) not in seen:
            seen.add((path, kind, server))
            rows.append({"file": path, "kind": kind, "server": server, "options": opts})

    for path, lines in files_lines(text).items():
        for raw in lines:
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if "timesyncd" in path:
                k, sep, v = line.partition("=")
                if sep and k.strip() in ("NTP", "FallbackNTP"):
                    for server in v.split():
                        add(path, k.strip(), server, [])
                continue
            words = line.split()
            if len(words) >= 2 and words[0] in _TIME_KW:
                add(path, words[0], words[1], words[2:])
    return rows
