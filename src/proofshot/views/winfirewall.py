"""Would the Windows Firewall let a connection to a listening port in? (pure, conservative)

Reachable (True) when a profile is switched off (which profile a network is in is not known
here, so any profile off counts) or when an enabled inbound allow rule matches the protocol
and local port, unless an enabled inbound block rule of every profile matches too (block wins
in Windows). Not reachable (False) when the profiles are on and nothing allows it. None when
the profiles or the rules were not read. Remote address and program filters are not evaluated:
a rule limited to some addresses or one program still counts as allowing (an upper bound).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

_PROTO = {"tcp": ("tcp", "6", "any", ""), "udp": ("udp", "17", "any", "")}


@dataclass
class Verdict:
    allowed: bool | None
    rows: list[Mapping[str, Any]] = field(default_factory=list)
    profiles: list[Mapping[str, Any]] = field(default_factory=list)


def _port_matches(ports: Iterable[Any], port: int) -> bool:
    items = [str(p) for p in ports] or ["Any"]
    for p in items:
        if p.lower() == "any":
            return True
        if "-" in p:
            lo, _, hi = p.partition("-")
            if lo.isdigit() and hi.isdigit() and int(lo) <= port <= int(hi):
                return True
        elif p.isdigit() and int(p) == port:
            return True
    return False


def _matches(r: Mapping[str, Any], proto: str, port: int) -> bool:
    return (r.get("enabled") is True and r.get("direction") == "inbound"
            and str(r.get("protocol") or "").lower() in _PROTO.get(proto, ())
            and _port_matches(r.get("local_ports") or [], port))


def verdict(rules: Iterable[Mapping[str, Any]], profiles: Iterable[Mapping[str, Any]],
            proto: str, port: int) -> Verdict:
    profs = list(profiles)
    if not profs:
        return Verdict(None)
    off = [p for p in profs if p.get("enabled") is False]
    if off:
        return Verdict(True, profiles=off)
    hits = [r for r in rules if _matches(r, proto, port)]
    blocks = [r for r in hits if r.get("action") == "block"
              and str(r.get("profiles") or "Any").lower() in ("any", "domain, private, public")]
    if blocks:
        return Verdict(False, rows=blocks)
    allows = [r for r in hits if r.get("action") == "allow"]
    return Verdict(bool(allows), rows=allows)
