"""Who a host talks to: established TCP connections (ss) aggregated to service level, and the
neighbour (ARP/NDP) cache (ip -j neigh).

A connection is one side of a TCP session. Its service port is the local port when the host
listens on it (inbound), else the peer's port (outbound); the other port is ephemeral and
never kept, so a client that reconnects does not look like a change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from proofshot.collectors.linux.parsers.common import to_int
from proofshot.model.table import Row

_PROC_RE = re.compile(r'\("((?:[^"\\]|\\.)*)",pid=(\d+)')


def _endpoint(text: str) -> tuple[str, int] | None:
    addr, sep, port_s = text.rpartition(":")
    port = to_int(port_s)
    if not sep or port is None:
        return None
    if addr.startswith("[") and addr.endswith("]"):
        addr = addr[1:-1]
    addr = addr.split("%", 1)[0]
    if addr.lower().startswith("::ffff:") and "." in addr:
        addr = addr[7:]  # IPv4-mapped IPv6: the peer is an IPv4 host
    return addr, port


def listening_ports(listening: Iterable[Row]) -> set[int]:
    """TCP ports this host listens on (from `listening` rows)."""
    return {r["port"] for r in listening if r.get("proto") == "tcp" and isinstance(r.get("port"),
                                                                                     int)}


def parse_ss_established(text: str, listening: set[int] | None = None) -> list[Row]:
    """Parse `ss -H -tnp state established` (columns: Recv-Q Send-Q Local Peer [Process]).

    `listening`: TCP ports the host listens on; without it the lower port is taken as the
    service port (a heuristic, recorded in the row's `basis`)."""
    merged: dict[tuple[str, str, str, int], Row] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 4:
            continue
        if parts[0].upper() == "ESTAB":  # output of ss without the state filter
            parts = parts[1:]
        if not (parts[0].isdigit() and parts[1].isdigit()) or len(parts) < 4:
            continue
        local, peer = _endpoint(parts[2]), _endpoint(parts[3])
        if local is None or peer is None:
            continue
        if listening is not None:
            inbound, basis = local[1] in listening, "listening"
        else:
            inbound, basis = local[1] <= peer[1], "lower-port"
        port = local[1] if inbound else peer[1]
        direction = "in" if inbound else "out"
        key = (direction, local[0], peer[0], port)
        row = merged.setdefault(key, {
            "direction": direction, "local_address": local[0], "remote_address": peer[0],
            "port": port, "processes": [], "basis": basis, "count": 0,
        })
        row["count"] += 1
        for name, _pid in _PROC_RE.findall(" ".join(parts[4:])):
            if name not in row["processes"]:
                row["processes"].append(name)
    for row in merged.values():
        row["processes"].sort()
    return sorted(merged.values(), key=lambda r: (r["direction"], r["local_address"],
                                                  r["remote_address"], r["port"]))


def parse_ip_neigh(text: str) -> list[Row]:
    """Parse `ip -j neigh show`; entries without a link-layer address (FAILED, INCOMPLETE)
    say only that nobody answered and are left out."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    rows: dict[tuple[str, str], Row] = {}
    for d in data if isinstance(data, list) else []:
        if not isinstance(d, dict):
            continue
        dst, dev, mac = d.get("dst"), d.get("dev"), d.get("lladdr")
        if not (isinstance(dst, str) and isinstance(dev, str) and isinstance(mac, str)):
            continue
        state = d.get("state")
        states = [s for s in state if isinstance(s, str)] if isinstance(state, list) else []
        rows[(dev, dst)] = {
            "interface": dev, "address": dst, "mac": mac.lower(),
            "family": "inet6" if ":" in dst else "inet",
            "router": "router" in d,
            "state": ",".join(states) or None,
        }
    return [rows[k] for k in sorted(rows)]


def _as_list(x: object) -> list[Any]:
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def _named(x: object) -> list[tuple[str, dict[str, Any]]]:
    """lldpcli's JSON names objects by a key (`{"eth1": {...}}`) and turns a repeated one into
    a list of such objects; an unnamed one is the object itself (name '')."""
    out: list[tuple[str, dict[str, Any]]] = []
    for item in _as_list(x):
        if not isinstance(item, dict):
            raise ValueError(f"lldpcli: unexpected {type(item).__name__} where an object is")
        if len(item) == 1 and isinstance(next(iter(item.values())), dict) \
                and next(iter(item)) not in ("id",):
            name, body = next(iter(item.items()))
            out.append((str(name), body))
        else:
            out.append(("", item))
    return out


def _idv(x: object) -> tuple[str | None, str | None]:
    if isinstance(x, dict):
        v = x.get("value")
        return (str(v) if v is not None else None,
                str(x["type"]) if x.get("type") is not None else None)
    return (str(x) if x is not None else None), None


def parse_lldpcli(text: str) -> list[Row]:
    """`lldpcli -f json show neighbors details` (lldpd 1.0): one row per neighbour and local
    interface. An answer without the top-level "lldp" object is not lldpcli's: ValueError."""
    doc = json.loads(text)
    if not isinstance(doc, dict) or "lldp" not in doc:
        raise ValueError("lldpcli: no top-level 'lldp' object")
    rows: list[Row] = []
    for lldp in _as_list(doc["lldp"]):
        if not isinstance(lldp, dict):
            raise ValueError("lldpcli: 'lldp' is not an object")
        for ifname, body in _named(lldp.get("interface")):
            chassis = _named(body.get("chassis"))
            sys_name, ch = chassis[0] if chassis else ("", {})
            chassis_id, chassis_sub = _idv(ch.get("id"))
            port = body.get("port") or {}
            port_id, port_sub = _idv(port.get("id"))
            caps = sorted(str(c.get("type", "")).lower() for c in _as_list(ch.get("capability"))
                          if isinstance(c, dict) and c.get("enabled"))
            rows.append({
                "local_port_id": ifname, "chassis_id": chassis_id or sys_name or None,
                "chassis_id_subtype": chassis_sub, "port_id": port_id or None,
                "port_id_subtype": port_sub, "port_descr": port.get("descr"),
                "sys_name": sys_name or None, "sys_descr": ch.get("descr"),
                "capabilities": caps,
                "mgmt_addresses": sorted(str(a) for a in _as_list(ch.get("mgmt-ip"))),
                "via": body.get("via"), "age": body.get("age"),
            })
    return rows
