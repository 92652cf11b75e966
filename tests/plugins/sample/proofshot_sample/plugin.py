"""Scope `type: inventory` (`path: DIR`, `files: [NAME, ...]`): each file's `name=value` lines
become rows of table `inventory_items`. The transport reads files and never parses; the
collector's parser is pure."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from proofshot.collectors.base import Answers, Collector, Plan, Step, TableSpec
from proofshot.collectors.options import TargetOptions
from proofshot.collectors.plugin import SecretResolver, Sheet
from proofshot.model.errors import Unreachable
from proofshot.model.snapshot import SnapshotReader, TargetEntry
from proofshot.model.table import Row, Table, col, table
from proofshot.model.transcript import Answer, Query
from proofshot.transports.base import Transport

ITEMS = table("inventory_items", "One `name=value` line of an inventory file.", ("file", "name"),
              (col("file", doc="file name"), col("name", doc="item name"),
               col("value", doc="item value")), platforms=("any",), collector="inventory")


class InventoryTarget(TargetOptions):
    type: Literal["inventory"]
    path: str
    files: list[str] = Field(min_length=1)


def parse(file: str, text: str) -> Iterator[Row]:
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            yield {"file": file, "name": name.strip(), "value": value.strip()}


class InventoryCollector:
    name = "inventory"
    version = "1"

    def tables(self) -> Sequence[Table]:
        return (ITEMS,)

    def plan(self, options: Mapping[str, Any]) -> Plan:
        files = [str(f) for f in options["files"]]
        steps = [Step(Query(f"read:{f}", ("read", f), doc=f"inventory file {f}")) for f in files]

        def build(answers: Answers) -> list[Row]:
            return [r for f in files for r in parse(f, answers[f"read:{f}"].text)]

        return Plan(steps=steps, specs=[TableSpec(ITEMS, tuple(s.query.id for s in steps),
                                                  build)])


class DirTransport:
    """Answers ("read", NAME) with the bytes of DIR/NAME."""

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path

    async def open(self) -> dict[str, str]:
        if not self.path.is_dir():
            raise Unreachable(f"{self.path}: no such directory")
        return {"transport": "dir"}

    async def run(self, query: Query, stdin: bytes | None = None) -> Answer:
        start = time.monotonic()
        try:
            data = (self.path / query.argv[1]).read_bytes()
        except OSError as exc:
            return Answer.failed(query, error=exc.strerror or "unreadable")
        return Answer(query.id, list(query.argv), 0, data, b"", time.monotonic() - start)

    async def close(self) -> None:
        return None


class InventoryPlugin:
    name = "inventory"
    target_types: tuple[str, ...] = ("inventory",)

    def options(self, target_type: str) -> type[TargetOptions]:
        return InventoryTarget

    def tables(self) -> Sequence[Table]:
        return (ITEMS,)

    def collector(self) -> Collector:
        return InventoryCollector()

    def credentials(self, target: Any, secrets: SecretResolver, where: str) -> dict[str, Any]:
        return {}

    def transport(self, target: Any, creds: Mapping[str, Any], store_root: Path,
                  timeout: float) -> Transport:
        return DirTransport(target.name, Path(target.path))

    def data_sheets(self, snap: SnapshotReader, target: TargetEntry) -> Sequence[Sheet]:
        rows = tuple((r["name"], r["value"]) for r in snap.iter_rows(target, "inventory_items"))
        return (Sheet({"en": "Rack inventory", "de": "Rack-Inventar"}, ("Item", "Value"), rows),)


PLUGIN = InventoryPlugin()
