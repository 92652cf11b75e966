"""Network parsers: ss, ip -j link/addr/route, resolv.conf/nsswitch.conf, /etc/hosts."""

from __future__ import annotations

import json
import re
from typing import Any

from proofshot.collectors.linux.parsers.common import files_lines, to_int
from proofshot.model.table import Row

_PROC_RE = re.compile(r'\("((?:[^"\\]|\\.)*)",pid=(\d+)')


def parse_ss(text: str) -> list[Row]:
    """Parse `ss -tulpn` (header optional); sockets on the same proto/address/port merge."""
    merged: dict[tuple[str, str, int], Row] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 5 or parts[0] not in ("tcp", "udp"):
            continue
        addr, sep, port_s = parts[4].rpartition(":")
        port = to_int(port_s)
        if not sep or port is None:
            continue
        if addr.startswith("[") and "]" in addr:
            addr = addr[1:].replace("]", "", 1)
        key = (parts[0], addr, port)
        row = merged.setdefault(key, {"proto": parts[0], "address": addr, "port": port,
                                      "processes": [], "sockets": 0, "pids": []})
        row["sockets"] += 1
        for name, pid in _PROC_RE.findall(" ".join(parts[6:])):
            if name not in row["processes"]:
                row["processes"].append(name)
            if pid not in row["pids"]:
                row["pids"].append(pid)
    for row in merged.values():
        row["processes"].sort()
        row["pids"].sort(key=int)
    return list(merged.values())


def parse_port_range(text: str) -> tuple[int, int] | None:
    """/proc/sys/net/ipv4/ip_local_port_range: 'LOW\tHIGH'."""
    parts = text.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def is_udp_client(row: Row, ports: tuple[int, int] | None) -> bool:
    """An unconnected UDP socket of a client, not a service: bound on a port of the host's
    ephemeral range (the kernel picked it, e.g. for each snmpbulkwalk run) by a process. Kernel
    sockets (WireGuard on 51820) and sockets whose process is unknown (no root) stay services."""
    return (ports is not None and row.get("proto") == "udp" and bool(row.get("processes"))
            and ports[0] <= int(row["port"]) <= ports[1])


def split_listening(text: str, port_range: str | None) -> tuple[list[Row], list[Row]]:
    """`ss -tulpn` as (services, UDP client sockets); see is_udp_client."""
    ports = parse_port_range(port_range) if port_range is not None else None
    rows = parse_ss(text)
    clients = [r for r in rows if is_udp_client(r, ports)]
    return [r for r in rows if not is_udp_client(r, ports)], clients


def _json_list(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except ValueError:
        return []
    if not isinstance(data, list):
        return []
    return [d for d in data if isinstance(d, dict)]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _strs(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def parse_ip_link(text: str) -> list[Row]:
    rows: list[Row] = []
    seen: set[str] = set()
    for d in _json_list(text):
        name = _str(d.get("ifname"))
        if name is None or name in seen:
            continue
        seen.add(name)
        info = d.get("linkinfo")
        kind = _str(info.get("info_kind")) if isinstance(info, dict) else None
        rows.append({
            "name": name,
            "kind": kind,
            "link_type": _str(d.get("link_type")),
            "mac": _str(d.get("address")),
            "mtu": _int(d.get("mtu")),
            "state": _str(d.get("operstate")),
            "flags": _strs(d.get("flags")),
            "master": _str(d.get("master")),
            "ifindex": _int(d.get("ifindex")),
        })
    return rows


def parse_ip_addr(text: str) -> list[Row]:
    rows: list[Row] = []
    seen: set[tuple[str, str]] = set()
    for d in _json_list(text):
        name = _str(d.get("ifname"))
        infos = d.get("addr_info")
        if name is None or not isinstance(infos, list):
            continue
        for a in infos:
            if not isinstance(a, dict) or _str(a.get("local")) is None:
                continue
            address = f"{a['local']}/{a.get('prefixlen')}"
            if (name, address) in seen:
                continue
            seen.add((name, address))
            lft = _int(a.get("valid_life_time"))
            rows.append({
                "interface": name,
                "address": address,
                "family": _str(a.get("family")),
                "scope": _str(a.get("scope")),
                "label": _str(a.get("label")),
                "dynamic": bool(a.get("dynamic", False)),
                "valid_lifetime": None if lft is None or lft == 4294967295 else lft,
            })
    return rows


def parse_ip_route(text: str, family: str) -> list[Row]:
    """Parse `ip -j -4|-6 route show table all`; `family` is inet or inet6."""
    rows: list[Row] = []
    seen: set[tuple[str, str, str, str, int]] = set()
    for d in _json_list(text):
        dst = _str(d.get("dst"))
        if dst is None:
            continue
        table = str(d.get("table", "main"))
        rtype = _str(d.get("type")) or "unicast"
        dev = _str(d.get("dev")) or ""
        metric = _int(d.get("metric")) or 0
        key = (table, rtype, dst, dev, metric)
        if key in seen:
            continue
        seen.add(key)
        hops: list[str] = []
        nh = d.get("nexthops")
        if isinstance(nh, list):
            for h in nh:
                if isinstance(h, dict):
                    hops.append(f"{h.get('gateway', '')}@{h.get('dev', '')}")
        rows.append({
            "family": family, "table": table, "type": rtype, "dst": dst, "dev": dev,
            "metric": metric,
            "gateway": _str(d.get("gateway")),
            "nexthops": hops,
            "protocol": _str(d.get("protocol")),
            "scope": _str(d.get("scope")),
            "prefsrc": _str(d.get("prefsrc")),
            "flags": _strs(d.get("flags")),
        })
    return rows


def parse_resolver(text: str) -> list[Row]:
    """Parse resolv.conf and nsswitch.conf lines (grep -H -Z framing)."""
    rows: list[Row] = []
    position: dict[tuple[str, str], int] = {}
    seen: set[tuple[str, str, str]] = set()

    def add(source: str, keyword: str, value: str) -> None:
        if (source, keyword, value) in seen:
            return
        seen.add((source, keyword, value))
        position[(source, keyword)] = position.get((source, keyword), 0) + 1
        rows.append({"source": source, "keyword": keyword, "value": value,
                     "position": position[(source, keyword)]})

    for path, lines in files_lines(text).items():
        nss = path.endswith("nsswitch.conf")
        for line in lines:
            line = line.split("#", 1)[0].strip()
            if nss:
                db, sep, rest = line.partition(":")
                if sep and db.strip() in ("hosts", "passwd", "group", "shadow", "sudoers"):
                    add(path, f"nsswitch:{db.strip()}", " ".join(rest.split()))
                continue
            line = line.split(";", 1)[0].strip()
            words = line.split()
            if len(words) < 2:
                continue
            if words[0] in ("nameserver", "domain"):
                add(path, words[0], words[1])
            elif words[0] in ("search", "options", "sortlist"):
                for w in words[1:]:
                    add(path, words[0], w)
    return rows


def parse_hosts(text: str) -> list[Row]:
    rows: list[Row] = []
    seen: set[tuple[str, str]] = set()
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) < 2:
            continue
        for i, name in enumerate(words[1:]):
            if (words[0], name) in seen:
                continue
            seen.add((words[0], name))
            rows.append({"address": words[0], "name": name, "canonical": i == 0})
    return rows
