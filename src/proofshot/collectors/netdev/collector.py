"""NetdevCollector: a switch's, router's or firewall's configuration, facts and inventory.

Queries are ("cli", COMMAND) with COMMAND from the platform's declaration (platforms.py); the
transport (transports/netdev.py) sends nothing else. Answers are masked with the platform's
secret rules before they are stored or parsed (`masker`, used by the scan), so rows and
transcripts hold keyed hashes where the device had secrets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from proofshot.collectors.base import Answers, NotCollected, Plan, Step, TableSpec
from proofshot.collectors.netdev import parsers as P
from proofshot.collectors.netdev import tables as T
from proofshot.collectors.netdev.platforms import Platform, platform
from proofshot.collectors.netdev.secrets import Hasher, SecretRules, mask_bytes
from proofshot.model.table import Row, Table
from proofshot.model.transcript import Query


def _qid(kind: str, i: int = 0) -> str:
    return kind if i == 0 else f"{kind}:{i}"


def platform_of(options: Mapping[str, Any]) -> Platform:
    name = str(options.get("platform") or "")
    found = platform(name)
    if found is None:
        raise NotCollected(f"no platform declaration '{name}' in this version", "unsupported")
    return found


class NetdevCollector:
    """Network devices over their SSH CLI (platform knowledge in platforms.py)."""

    name = "netdev"
    version = "1"

    def tables(self) -> Sequence[Table]:
        return T.TABLES

    def plan(self, options: Mapping[str, Any]) -> Plan:
        p = platform_of(options)
        steps = [Step(Query("config", ("cli", p.config), doc="running configuration",
                            batch=False))]
        facts = [_qid("facts", i + 1) for i in range(len(p.facts))]
        steps += [Step(Query(q, ("cli", cmd), doc="version and hardware facts", batch=False))
                  for q, cmd in zip(facts, p.facts, strict=True)]
        inv = [_qid("inventory", i + 1) for i in range(len(p.inventory))]
        steps += [Step(Query(q, ("cli", cmd), doc="modules, power supplies, transceivers",
                             batch=False))
                  for q, cmd in zip(inv, p.inventory, strict=True)
                  if cmd not in p.facts]
        # an inventory command that is also a facts command is asked once (as facts)
        inv_q = tuple(facts[p.facts.index(cmd)] if cmd in p.facts else q
                      for q, cmd in zip(inv, p.inventory, strict=True))

        def build_config(a: Answers) -> list[Row]:
            return P.config_rows(a["config"].text, p)

        def build_facts(a: Answers) -> list[Row]:
            text = "\n".join(a[q].text for q in facts if a[q].status() == "ok")
            cfg = a["config"].text if a["config"].status() == "ok" else None
            return [P.facts_row(p, text, cfg)]

        def build_inventory(a: Answers) -> Iterator[Row]:
            if p.inventory_format == "none" or not inv_q:
                raise NotCollected(f"platform {p.name} declares no inventory parser")
            ok = [q for q in inv_q if q in a and a[q].status() == "ok"]
            if not ok:
                why = "; ".join(f"{q}: {a[q].reason()}" for q in inv_q if q in a)
                raise NotCollected(f"no inventory command answered ({why})", "failed")
            yield from P.inventory_rows(a[ok[0]].text, p)

        def build_addresses(a: Answers) -> Iterator[Row]:
            yield from P.address_rows(a["config"].text, p)

        specs = [
            TableSpec(T.DEVICE_CONFIG, ("config",), build_config),
            TableSpec(T.DEVICE_FACTS, ("config", *facts), build_facts,
                      optional=("config", *facts)),
            TableSpec(T.DEVICE_INVENTORY, tuple(dict.fromkeys(inv_q)), build_inventory,
                      optional=tuple(dict.fromkeys(inv_q)) if len(inv_q) > 1 else ()),
            TableSpec(T.DEVICE_ADDRESSES, ("config",), build_addresses),
        ]
        return Plan(steps=steps, specs=specs)

    def masker(self, options: Mapping[str, Any]) -> Callable[[bytes, Hasher], bytes]:
        """Bytes of an answer -> the same with the platform's secrets as keyed hashes."""
        try:
            rules = SecretRules(platform_of(options).secrets)
        except NotCollected:
            rules = SecretRules()
        return lambda data, kh: mask_bytes(data, rules, kh)


COLLECTOR = NetdevCollector()
