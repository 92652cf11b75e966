"""Finding the optional views and the job record, which are built beside the report.

A section whose source is absent is omitted, never faked. A module that exists but fails to import
for another reason is a bug and raises. Results are normalised to plain data (dicts and lists).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any


def optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        raise


def plain(value: Any) -> Any:
    """Objects the views return, as JSON-like data."""
    if hasattr(value, "to_json") and callable(value.to_json):
        return plain(value.to_json())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    if hasattr(value, "model_dump") and callable(value.model_dump):
        return plain(value.model_dump())
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return value
