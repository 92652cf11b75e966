"""Findings: what was already wrong in one snapshot, by the rules in views/rules.

A finding is identified across snapshots by (rule, target, subject); its evidence names the
rows it rests on. Targets or tables that were not read produce no finding (and no "fixed").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from proofshot.views.rules import RULES, SEVERITIES, Context, Rule
from proofshot.views.rules.base import Hasher
from proofshot.views.snapshot import SnapshotData


@dataclass
class Finding:
    rule: str
    severity: str
    target: str
    title: str
    subject: str
    remedy: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    detail: str = ""

    @property
    def ident(self) -> tuple[str, str, str]:
        return (self.rule, self.target, self.subject)

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "target": self.target,
                "title": self.title, "subject": self.subject, "detail": self.detail,
                "remedy": self.remedy,
                "evidence": self.evidence}


def tables_needed(rules: Iterable[Rule] = RULES) -> set[str]:
    need = {t for r in rules for t in r.tables}
    return need | {"services"}  # time-not-synced looks at services when present


def evaluate(snap: SnapshotData, keyed_hash: Hasher | None = None,
             rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Every rule over the snapshot; sorted by severity, target, rule, subject."""
    ctx = Context(snap, keyed_hash)
    out: list[Finding] = []
    seen: dict[tuple[str, str, str], Finding] = {}
    for rule in rules:
        for h in rule.check(ctx):
            f = Finding(rule.id, rule.severity, h.target, rule.title, h.subject,
                        rule.remedy, h.evidence, h.detail)
            first = seen.get(f.ident)
            if first is not None:  # one finding per (rule, target, subject): evidence joined
                first.evidence += [e for e in f.evidence if e not in first.evidence]
                continue
            seen[f.ident] = f
            out.append(f)
    order: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}
    out.sort(key=lambda f: (order.get(f.severity, 9), f.target, f.rule, f.subject))
    return out
