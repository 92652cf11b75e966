"""Firewall parsers: `nft list ruleset` text and iptables-save output."""

from __future__ import annotations

import re

from proofshot.collectors.linux.parsers.common import occurrence, to_int
from proofshot.model.table import Row

_COUNTER_RE = re.compile(r"\bcounter packets (\d+) bytes (\d+)")
_IPT_COUNTS_RE = re.compile(r"^\[(\d+):(\d+)\]\s*")


def parse_nft(text: str) -> list[Row]:
    """Parse `nft list ruleset` by block nesting: tables, chains (with their hook/policy line)
    and rules; sets, maps and other table objects become one row each with their body."""
    rows: list[Row] = []
    counter: dict[tuple[object, ...], int] = {}
    position: dict[tuple[str, str, str], int] = {}
    family = table = ""
    chain: str | None = None
    obj: tuple[str, str] | None = None  # (kind, name) of a set/map/... being collected
    obj_body: list[str] = []
    depth = 0

    def add(chain_name: str, rule: str, kind: str, packets: int | None = None,
            nbytes: int | None = None) -> None:
        pkey = (family, table, chain_name)
        position[pkey] = position.get(pkey, 0) + 1
        rows.append({
            "source": "nft", "family": family, "table": table, "chain": chain_name,
            "rule": rule, "n": occurrence(counter, ("nft", family, table, chain_name, rule)),
            "kind": kind, "position": position[pkey], "packets": packets, "bytes": nbytes,
        })

    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line or line.startswith("#"):
            continue
        opens = line.endswith("{")
        closes = line == "}"
        if obj is not None:
            if closes and depth == 2:
                add("", f"{obj[1]} {{ {' '.join(obj_body)} }}", obj[0])
                obj, obj_body, depth = None, [], 1
            else:
                depth += line.count("{") - line.count("}")
                obj_body.append(line)
            continue
        if closes:
            depth = max(depth - 1, 0)
            if depth <= 1:
                chain = None
            if depth == 0:
                family = table = ""
            continue
        words = line.rstrip("{").split()
        if depth == 0 and opens and len(words) >= 3 and words[0] == "table":
            family, table, depth = words[1], words[2], 1
            continue
        if depth == 0 and opens and len(words) == 2 and words[0] == "table":
            family, table, depth = "ip", words[1], 1
            continue
        if depth == 1 and opens and len(words) >= 2:
            if words[0] == "chain":
                chain, depth = words[1], 2
                continue
            kind = words[0] if words[0] in ("set", "map") else "other"
            obj, obj_body, depth = (kind, " ".join(words)), [], 2
            continue
        if depth == 2 and chain is not None:
            if line.startswith("type ") and " hook " in line:
                hook, _, policy = line.partition(" policy ")
                add(chain, hook.rstrip(";").strip(), "chain")
                if policy:
                    add(chain, f"policy {policy.rstrip(';').strip()}", "policy")
                continue
            if line.startswith("policy "):
                add(chain, line.rstrip(";"), "policy")
                continue
            m = _COUNTER_RE.search(line)
            packets = nbytes = None
            if m:
                packets, nbytes = int(m.group(1)), int(m.group(2))
                line = " ".join(_COUNTER_RE.sub("counter", line).split())
            add(chain, line, "rule", packets, nbytes)
            continue
        if opens:
            depth += 1
    return rows


def parse_iptables_save(text: str, source: str) -> list[Row]:
    """Parse iptables-save / ip6tables-save (`source` is iptables or ip6tables)."""
    family = "ip6" if source == "ip6tables" else "ip"
    rows: list[Row] = []
    counter: dict[tuple[object, ...], int] = {}
    position: dict[tuple[str, str], int] = {}
    table = ""

    def add(chain: str, rule: str, kind: str, packets: int | None, nbytes: int | None) -> None:
        position[(table, chain)] = position.get((table, chain), 0) + 1
        rows.append({
            "source": source, "family": family, "table": table, "chain": chain, "rule": rule,
            "n": occurrence(counter, (table, chain, rule)), "kind": kind,
            "position": position[(table, chain)], "packets": packets, "bytes": nbytes,
        })

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("*"):
            table = line[1:].strip()
            continue
        if not table or line == "COMMIT":
            continue
        if line.startswith(":"):
            parts = line[1:].split()
            if len(parts) >= 2:
                m = re.match(r"\[(\d+):(\d+)\]", parts[2]) if len(parts) > 2 else None
                add(parts[0], f"policy {parts[1]}", "policy",
                    to_int(m.group(1)) if m else None, to_int(m.group(2)) if m else None)
            continue
        m = _IPT_COUNTS_RE.match(line)
        packets = nbytes = None
        if m:
            packets, nbytes = int(m.group(1)), int(m.group(2))
            line = line[m.end():]
        parts = line.split(None, 2)
        if len(parts) >= 2 and parts[0] == "-A":
            add(parts[1], " ".join(parts[2].split()) if len(parts) > 2 else "", "rule",
                packets, nbytes)
    return rows
