"""What a collector plugin declares, so that adding one is one module plus one entry point.

A plugin (registered under the entry-point group `proofshot.collectors`, see model/plugins.py)
names its collector, the scope target types it reads and their typed options (a pydantic model
per type: the scope loader validates each target with it, so every option error is
file:line:field), how the target's secrets are resolved, the transport that reaches it, and the
tables it writes (their declarations name the key columns the views' evidence uses). Heavy
imports (protocol libraries, the collector's parsers) happen only in `collector()` and
`transport()`, so listing plugins stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from proofshot.collectors.base import Collector
from proofshot.model.snapshot import SnapshotReader, TargetEntry
from proofshot.model.table import Table
from proofshot.transports.base import Transport

REF_PREFIXES = ("env:", "file:", "keyring:")


def secret_ref(value: str | None) -> str | None:
    """A secret field holds a reference, never the secret (the error does not repeat it)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(REF_PREFIXES):
        raise ValueError(
            "secrets may not be written in the scope; use env:NAME, file:PATH or keyring:NAME"
        )
    return value


class TargetOptions(BaseModel):
    """One scope target: `name`, `type` and the options of its collector. Subclasses declare
    `type: Literal["..."]` and list their secret-reference fields in SECRETS (checked to be
    references here, resolved at scan time)."""

    # schemas are built on first validation, not at import: a scan of this machine never
    # validates a file and starts faster
    model_config = ConfigDict(extra="forbid", defer_build=True)
    SECRETS: ClassVar[tuple[str, ...]] = ()

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:@-]+$")
    timeout: float | None = Field(default=None, gt=0)
    type: str  # each subclass narrows it to its Literal["..."]

    @field_validator("*", mode="after")
    @classmethod
    def _secrets_are_references(cls, v: Any, info: ValidationInfo) -> Any:
        if info.field_name in cls.SECRETS:
            return secret_ref(v)
        return v

    def options(self) -> dict[str, Any]:
        """The fields a collector's plan reads (secret references left out)."""
        return self.model_dump(exclude=set(self.SECRETS))


class SecretResolver(Protocol):
    """Resolves the scope's secret references (scan/secrets.py); errors are bad input and
    name the reference, never the value."""

    def secret(self, ref: str | None, where: str) -> str | None: ...

    def key_file(self, path: str, where: str) -> str: ...


@runtime_checkable
class CollectorPlugin(Protocol):
    """A collector as the scan, the scope loader and the docs find it.

    `name` is what a snapshot records as its target's collector (re-derivation finds it by
    that name). `targets` maps each scope `type:` it reads to that type's options model."""

    name: str
    targets: Mapping[str, type[TargetOptions]]

    def tables(self) -> Sequence[Table]:
        """Every table it may write (docs, `proofshot tables`, the views' evidence keys)."""
        ...

    def collector(self) -> Collector: ...

    def credentials(self, target: Any, secrets: SecretResolver, where: str
                    ) -> dict[str, Any]:
        """Resolve the target's secrets and check what must exist before anything is written
        (a missing key file, an unset variable): raises BadInput."""
        ...

    def transport(self, target: Any, creds: Mapping[str, Any], store_root: Path,
                  timeout: float) -> Transport:
        """The transport that reaches the target (not yet opened)."""
        ...


@dataclass(frozen=True)
class Sheet:
    """One section a collector adds to a target's data sheet in the documentation report:
    a title per language ("en" at least; the report's language when it has one) and a grid."""

    titles: Mapping[str, str]
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles["en"]


@runtime_checkable
class DataSheets(Protocol):
    """A collector plugin that also says what a reader of the documentation report should see
    of its targets (the report lists every target's tables anyway)."""

    def data_sheets(self, snap: SnapshotReader, target: TargetEntry) -> Sequence[Sheet]: ...
