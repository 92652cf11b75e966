"""Does a host's own firewall let new connections reach a local port? A first approximation
over the `firewall_rules` rows (nftables and iptables-save alike).

For every input chain (an nft base chain with `hook input`, an iptables filter INPUT chain) the
rules are walked in order; rules about established traffic or the loopback interface are
skipped; the first accept/drop/reject rule that matches the protocol and port (or matches
everything) decides; else the chain policy does. A port is allowed when every input chain
allows it. Rules that also restrict the source (saddr, -s) count as allowing, marked
`restricted`. No input chain at all: allowed (no host firewall).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from proofshot.model.table import Row

_SKIP = re.compile(r"\bct state\b|\bctstate\b|--state\b|\biif(?:name)?\b|\boif(?:name)?\b|"
                   r"(?:^|\s)-[io]\s|\bicmp", re.IGNORECASE)
_DPORT = re.compile(r"(?:\bdport|--dports?)\s+(\{[^}]*\}|\S+)")
_SOURCE = re.compile(r"\bsaddr\b|(?:^|\s)-s\s|--src-range|\bip6? saddr\b")
_PROTO = re.compile(r"\b(tcp|udp|sctp)\b|(?:^|\s)-p\s+(\w+)")


@dataclass
class Verdict:
    allowed: bool
    restricted: bool = False
    rules: list[Row] = field(default_factory=list)  # deciding rows (rules or policies)
    firewall: bool = True  # False when the host has no input chain


def _action(rule: str) -> str | None:
    low = rule.lower()
    if re.search(r"\baccept\b|-j accept\b", low):
        return "accept"
    if re.search(r"\bdrop\b|\breject\b|-j (?:drop|reject)\b", low):
        return "drop"
    return None


def _ports(spec: str) -> set[int] | None:
    out: set[int] = set()
    for part in re.split(r"[\s,{}]+", spec):
        if not part:
            continue
        lo, sep, hi = part.replace(":", "-").partition("-")
        if lo.isdigit() and (not sep or hi.isdigit()):
            out.update(range(int(lo), int(hi if sep else lo) + 1))
        else:
            return None  # a named set or service: cannot tell
    return out


def _matches(rule: str, proto: str, port: int) -> bool | None:
    """True/False when the rule's match is about this port; None when it cannot be told."""
    protos = {a or b for a, b in _PROTO.findall(rule)}
    if protos and proto not in {p.lower() for p in protos}:
        return False
    m = _DPORT.search(rule)
    if m is None:
        return True
    ports = _ports(m.group(1))
    return None if ports is None else port in ports


Chains = dict[tuple[str, str, str, str], list[Row]]


def input_chains(rows: Iterable[Row]) -> Chains:
    chains: Chains = {}
    rows = list(rows)
    hooked = {(r["source"], r["family"], r["table"], r["chain"]) for r in rows
              if r.get("kind") == "chain" and " hook input " in f" {r.get('rule', '')} "}
    for r in rows:
        key = (r["source"], r["family"], r["table"], r["chain"])
        ipt = r["source"] in ("iptables", "ip6tables") and r["table"] == "filter" and \
            r["chain"] == "INPUT"
        if key in hooked or ipt:
            chains.setdefault(key, []).append(r)
    for rs in chains.values():
        rs.sort(key=lambda r: (r.get("position") or 0))
    return chains


def verdict(rows: Iterable[Row] | Chains, proto: str, port: int, family: str = "ip"
            ) -> Verdict:
    """Would a new connection to `proto`/`port` pass the host's input chains? `rows` may be
    the chains from `input_chains` already (built once per host, asked per socket)."""
    chains = rows if isinstance(rows, dict) else input_chains(rows)
    fam_ok = {"ip": ("ip", "inet"), "ip6": ("ip6", "inet")}.get(family, ("ip", "inet"))
    relevant = {k: v for k, v in chains.items() if k[1] in fam_ok}
    if not relevant:
        return Verdict(True, firewall=bool(chains))
    out = Verdict(True)
    for rs in relevant.values():
        decided: Row | None = None
        allowed = True
        for r in rs:
            if r.get("kind") != "rule":
                continue
            text = r.get("rule", "")
            action = _action(text)
            if action is None or _SKIP.search(text):
                continue
            match = _matches(text, proto, port)
            if match is False:
                continue
            if match is None and action == "drop":
                continue  # unknown set: do not assume it blocks
            decided, allowed = r, action == "accept"
            if allowed and _SOURCE.search(text):
                out.restricted = True
            break
        if decided is None:
            policy = next((r for r in rs if r.get("kind") == "policy"), None)
            if policy is not None:
                decided = policy
                allowed = "drop" not in policy["rule"].lower() and \
                    "reject" not in policy["rule"].lower()
        if decided is not None:
            out.rules.append(decided)
        if not allowed:
            out.allowed = False
    return out
