"""The rule catalogue: every rule of every module, ids unique."""

from __future__ import annotations

from proofshot.views.rules import ad, linux, netdev, snmp, windows
from proofshot.views.rules.base import SEVERITIES, Context, Hit, Rule

RULES: tuple[Rule, ...] = (*linux.RULES, *snmp.RULES, *ad.RULES, *windows.RULES, *netdev.RULES)

if len({r.id for r in RULES}) != len(RULES):  # pragma: no cover - a programming error
    raise RuntimeError("duplicate rule id")

__all__ = ["RULES", "SEVERITIES", "Context", "Hit", "Rule"]
