"""The label catalogue (model/labels.py) is held to the declarations: every declared table and
column has an English and a German label, every finding rule a German title and remedy, and
`proofshot tables --json` carries the labels the report and the web UI show. The catalogue is
proofshot's own: it covers the built-in collectors and rule sets (a plugin installed beside them,
e.g. tests/plugins/sample, brings its own words or shows its names)."""

from __future__ import annotations

import json

from proofshot.model import labels
from proofshot.scan.catalog import all_tables
from proofshot.service._drift import RULE as DRIFT_RULE
from proofshot.views.rules import BUILTIN, SEVERITIES
from tests.cli.test_errors import ps


def test_every_declared_table_and_column_has_both_labels() -> None:
    missing = []
    for t in all_tables(builtin_only=True):
        if t.name not in labels.TABLES:
            missing.append(t.name)
        for c in t.columns:
            if c.name not in labels.COLUMNS and (t.name, c.name) not in labels.COLUMN_OVERRIDES:
                missing.append(f"{t.name}.{c.name}")
    assert not missing, missing
    declared = {(t.name, c.name) for t in all_tables(builtin_only=True) for c in t.columns}
    assert set(labels.COLUMN_OVERRIDES) <= declared  # no override of a column that is gone
    for en, de in [*labels.TABLES.values(), *labels.COLUMNS.values()]:
        assert en and de


def test_every_rule_severity_and_role_is_in_german() -> None:
    builtin = {r.id for rules in BUILTIN.values() for r in rules} | {DRIFT_RULE}
    assert builtin <= set(labels.FINDINGS_DE)
    assert set(labels.FINDINGS_DE) <= builtin  # none stale
    for s in SEVERITIES:
        assert labels.term("severity", s, "de") != s or s == "info"
    assert labels.term("role", "before", "de") == "vorher"
    assert labels.term("event", "receive", "de") == "übergeben von"
    assert labels.column_label("files", "mtime", "de") == "Geändert am"
    assert labels.table_label("nope", "de") == "nope"  # unknown: the name as is


def test_tables_json_carries_the_labels() -> None:
    doc = json.loads(ps("tables", "files", "--json").stdout)
    assert doc[0]["label"] == {"en": "Files", "de": "Dateien"}
    cols = {c["name"]: c["label"] for c in doc[0]["columns"]}
    assert cols["sha256"] == {"en": "SHA-256", "de": "SHA-256"}
    assert cols["size"]["de"] == "Größe (Bytes)"
