"""`proofshot tables`: the table reference comes from the declarations, and docs/tables.md is
that reference for the collectors built into proofshot (a stale copy fails here)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_errors import ps


def test_tables_docs_from_declarations() -> None:
    proc = ps("tables", "users")
    assert proc.returncode == 0
    assert "password_state" in proc.stdout and "key" in proc.stdout
    proc = ps("tables", "nosuchtable")
    assert proc.returncode == 2


def test_table_reference_in_docs_is_generated_from_the_declarations() -> None:
    """docs/tables.md is `proofshot tables --markdown --builtin`; regenerate it when a table
    changes."""
    proc = ps("tables", "--markdown", "--builtin", env={"COLUMNS": "200"})
    assert proc.returncode == 0
    docs = Path(__file__).resolve().parents[2] / "docs" / "tables.md"
    assert proc.stdout == docs.read_text(), (
        "docs/tables.md is stale: proofshot tables --markdown --builtin > docs/tables.md")
