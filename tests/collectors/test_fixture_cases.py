"""Every collector's parsers against every fixture folder (NAPALM's getter suite, for tables).

A case folder holds the raw answers of one real system: `meta.json` ({"answers": {QUERY: {argv,
exit, stderr, error}}}), `QUERY.out` (each answer's stdout), optionally `options.json` (the
scope options it was captured with) and `expected.json` ({"rows": {TABLE: [...]},
"not_collected": {TABLE: STATUS}}). Cases live in tests/collectors/<collector>/fixtures/<case>/.

For every registered collector plugin (built in or installed), on its own cases and on hostile
answers made from the shared junk fixtures (empty, garbage, a failing tool): every table either
builds rows that validate against its declaration with unique keys, or says why it was not
collected (NotCollected); no parser may crash. A collector without options here fails the suite,
so a new collector is covered the day it is registered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from proofshot.collectors.base import NotCollected, Plan
from proofshot.collectors.plugin import CollectorPlugin
from proofshot.model.table import Row
from proofshot.model.transcript import Answer
from proofshot.scan.catalog import plugins

HERE = Path(__file__).parent
JUNK = {"empty": b"", "garbage": (HERE / "linux" / "fixtures" / "garbage" / "garbage.out")
        .read_bytes(), "text": b"hello\nworld: 42\n\x00\xff\n"}

# options to plan each collector with (its scope target's fields, secrets left out)
OPTIONS: dict[str, dict[str, Any]] = {
    "linux": {"files": ["/etc"]},
    "snmp": {"version": "2c"},
    "ldap": {"base": "DC=pslab,DC=test", "url": "ldaps://dc.pslab.test"},
    "smb": {"shares": ["public"], "depth": 2},
    "windows": {"type": "winrm", "paths": ["D:\\Daten"]},
    "netdev": {"platform": "ios"},
    "inventory": {"files": ["rack.conf"]},  # tests/plugins/sample
}


def _cases() -> list[tuple[str, Path]]:
    return [(p.parent.parent.parent.name, p.parent)
            for p in sorted(HERE.glob("*/fixtures/*/meta.json"))]


def _answers(case: Path) -> dict[str, Answer]:
    meta = json.loads((case / "meta.json").read_text())
    return {q: Answer(q, m["argv"], m["exit"], (case / f"{q}.out").read_bytes(),
                      m["stderr"].encode(), 0.0, error=m["error"])
            for q, m in meta["answers"].items()}


def _build(plan: Plan, answers: dict[str, Answer]) -> dict[str, list[Row] | str]:
    """Table -> rows (validated, keys unique) or the NotCollected status; a table whose
    queries the answers do not hold (captured before the query existed) is left out."""
    out: dict[str, list[Row] | str] = {}
    for spec in plan.specs:
        if any(q not in answers for q in spec.queries if q not in spec.optional):
            continue
        try:
            built = list(spec.build(answers))
            for r in built:
                spec.table.validate(r)
        except NotCollected as exc:
            out[spec.table.name] = exc.status
            continue
        keys = [spec.table.key_of(spec.table.validate(r)) for r in built]
        assert len(keys) == len(set(keys)), f"{spec.table.name}: duplicate keys"
        out[spec.table.name] = built
    return out


def test_every_collector_is_in_the_suite() -> None:
    assert set(plugins()) <= set(OPTIONS), "add the new collector's options to OPTIONS"


def test_there_are_cases() -> None:
    assert ("linux", HERE / "linux" / "fixtures" / "debian12") in _cases()


@pytest.mark.parametrize(("collector", "case"), _cases(), ids=lambda x: getattr(x, "name", x))
def test_case_folder(collector: str, case: Path) -> None:
    plugin: CollectorPlugin = plugins()[collector]
    opts_file = case / "options.json"
    options = json.loads(opts_file.read_text()) if opts_file.is_file() else OPTIONS[collector]
    plan = plugin.collector().plan(options)
    built = _build(plan, _answers(case))
    assert built, "the case answers none of the collector's tables"
    expected_file = case / "expected.json"
    if expected_file.is_file():
        expected = json.loads(expected_file.read_text())
        for name, rows in expected.get("rows", {}).items():
            assert built[name] == rows, name
        for name, status in expected.get("not_collected", {}).items():
            assert built[name] == status, name


@pytest.mark.parametrize("junk", sorted(JUNK))
@pytest.mark.parametrize("exit_code", [0, 1])
@pytest.mark.parametrize("collector", sorted(OPTIONS))
def test_hostile_answers_never_crash_a_parser(collector: str, junk: str, exit_code: int) -> None:
    plugin = plugins().get(collector)
    if plugin is None:
        pytest.skip(f"collector {collector} is not installed")
    plan = plugin.collector().plan(OPTIONS[collector])
    answers = {s.query.id: Answer(s.query.id, list(s.query.argv), exit_code, JUNK[junk],
                                  b"error\n" if exit_code else b"", 0.0) for s in plan.steps}
    built = _build(plan, answers)
    assert set(built) == {s.table.name for s in plan.specs}
