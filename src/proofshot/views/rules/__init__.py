"""The rule catalogue: every rule of every module, ids unique.

Built-in rule sets plus every `proofshot.rules` entry point (a tuple of `Rule`s, e.g. beside a
collector plugin's tables); two sets of one name, or two rules of one id, are an error."""

from __future__ import annotations

from typing import Any

from proofshot.model.plugins import PluginError, discover
from proofshot.views.rules import ad, linux, netdev, snmp, windows
from proofshot.views.rules.base import SEVERITIES, Context, Hit, Rule

GROUP = "proofshot.rules"
BUILTIN: dict[str, tuple[Rule, ...]] = {"linux": linux.RULES, "snmp": snmp.RULES, "ad": ad.RULES,
                                         "windows": windows.RULES, "netdev": netdev.RULES}


def _is_rule_set(obj: Any) -> bool:
    return isinstance(obj, tuple) and all(isinstance(r, Rule) for r in obj)


RULE_SETS: dict[str, tuple[Rule, ...]] = discover(GROUP, BUILTIN, _is_rule_set, "rule set")
RULES: tuple[Rule, ...] = tuple(r for rules in RULE_SETS.values() for r in rules)

if len({r.id for r in RULES}) != len(RULES):
    raise PluginError("two finding rules share an id: "
                      + ", ".join(sorted({r.id for r in RULES
                                          if sum(x.id == r.id for x in RULES) > 1})))

__all__ = ["RULES", "RULE_SETS", "SEVERITIES", "Context", "Hit", "Rule"]
