"""No noise, by Oxidized's own list: `*#significant_changes.yaml` names configuration lines
whose change alone is no change of the device (`fail`: FortiOS re-encrypted ENC values and
private keys, IOS clock stamps) and lines that are (`pass`). Each such line of the recorded
configuration is changed alone; the rows the diff compares (volatile columns apart) must stay
the same for `fail` lines and differ for `pass` lines. Lines of other commands' output that
Oxidized keeps in its file (RouterOS history, IOS show version) are not in ours: skipped."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
import yaml

from proofshot.collectors.netdev.collector import COLLECTOR
from proofshot.collectors.netdev.parsers import config_rows
from proofshot.collectors.netdev.platforms import platform
from tests.collectors.netdev.cases import CASES


def kh(v: str) -> str:
    return "hmac:" + hashlib.sha256(v.encode()).hexdigest()


CASES_SIG = sorted(n for n, c in CASES.items()
                   if (c.simulation.parent / f"{n}#significant_changes.yaml").exists())


def _compared(raw: str, plat: str) -> dict[str, Any]:
    p = platform(plat)
    assert p is not None
    masked = COLLECTOR.masker({"platform": plat})(raw.encode(), kh).decode()
    return {r["section"]: r["lines"] for r in config_rows(masked, p)}


def _tweak(s: str) -> str:
    """The same line with its last letter or digit changed."""
    m = list(re.finditer(r"[A-Za-z0-9]", s))
    assert m, s
    i = m[-1].start()
    return s[:i] + ("7" if s[i] != "7" else "8") + s[i + 1:]


@pytest.mark.skipif(not CASES_SIG, reason="../shared/recordings not present")
@pytest.mark.parametrize("name", CASES_SIG)
def test_significant_changes(name: str) -> None:
    case = CASES[name]
    p = platform(case.platform)
    assert p is not None
    spec = yaml.safe_load((case.simulation.parent / f"{name}#significant_changes.yaml")
                          .read_text())
    raw = case.device().answers[p.config + "\n"][0]
    base = _compared(raw, case.platform)
    checked = 0
    for kind in ("fail", "pass"):
        for s in spec.get(kind) or []:
            s = str(s).replace("\\$", "$")
            if s not in raw:
                continue  # from another command's output in Oxidized's file
            if "-----" in s:
                continue  # a PEM marker: its block's content is listed (and tested) too
            line = next(ln for ln in raw.split("\n") if s in ln).strip()
            if kind == "fail" and line in base.get(line, "") and line.startswith("config "):
                continue  # a section's own name: renaming it is a change
            changed = _compared(raw.replace(s, _tweak(s), 1), case.platform)
            if kind == "fail":
                assert changed == base, f"{name}: {s!r} alone changed the compared rows"
            else:
                assert changed != base, f"{name}: {s!r} changed nothing"
            checked += 1
    assert checked, f"{name}: no listed line in the recorded configuration"
