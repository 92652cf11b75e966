"""proofshot tables: the table reference, generated from the declarations."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from proofshot.cli.common import out
from proofshot.model.labels import LANGS, column_label, table_label
from proofshot.scan.catalog import all_tables


def _with_labels(data: dict[str, Any]) -> dict[str, Any]:
    """A declaration with its display labels (en, de) from the label catalogue."""
    name = data["name"]
    data["label"] = {lang: table_label(name, lang) for lang in LANGS}
    for c in data["columns"]:
        c["label"] = {lang: column_label(name, c["name"], lang) for lang in LANGS}
    return data


def tables(
    name: Annotated[str | None, typer.Argument(help="One table.")] = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="Markdown for docs.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    builtin: Annotated[bool, typer.Option(
        "--builtin", help="Only the tables of the collectors built into proofshot (as in "
        "docs/tables.md), not those of installed plugins.")] = False,
) -> None:
    """Document the tables: key, columns, which are volatile or sensitive."""
    decls = [t for t in all_tables(builtin) if name is None or t.name == name]
    if name and not decls:
        from proofshot.model.errors import BadInput

        raise BadInput(f"no table named '{name}' (see 'proofshot tables')")
    if as_json:
        print(json.dumps([_with_labels(t.to_data()) for t in decls], indent=2,
                         ensure_ascii=False))
        return
    for t in decls:
        if markdown:
            out.print(f"## {t.name}\n\n{t.doc}\n\nCollector: {t.collector or '-'}; key: "
                      f"{', '.join(t.key)}\n\n| column | type | flags | description |\n"
                      "|---|---|---|---|", markup=False)
        else:
            out.print(f"[bold]{t.name}[/bold] ({table_label(t.name)}) - {t.doc}  "
                      f"(key: {', '.join(t.key)})")
        for c in t.columns:
            flags = ",".join(f for f, on in (("key", c.name in t.key), ("volatile", c.volatile),
                                             ("sensitive", c.sensitive), ("lines", c.lines)) if on)
            if markdown:
                out.print(f"| {c.name} | {c.type} | {flags} | {c.doc} |", markup=False)
            else:
                out.print(f"    {c.name:<18} {c.type:<5} {flags:<14} {c.doc}", markup=False)
        out.print("")
