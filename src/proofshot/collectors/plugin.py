"""What a collector plugin declares, so that adding one is one module plus one entry point.

A plugin (registered under the entry-point group `proofshot.collectors`, see model/plugins.py)
names its collector, the scope target types it reads and their typed options (a pydantic model
per type, collectors/options.py: the scope loader validates each target with it, so every option
error is file:line:field), how the target's secrets are resolved, the transport that reaches it, and the
tables it writes (their declarations name the key columns the views' evidence uses). Heavy
imports (protocol libraries, the collector's parsers) happen only in `collector()` and
`transport()`, so listing plugins stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from proofshot.collectors.base import Collector
from proofshot.model.snapshot import SnapshotReader, TargetEntry
from proofshot.model.table import Table
from proofshot.transports.base import Transport

if TYPE_CHECKING:
    from proofshot.collectors.options import TargetOptions

class SecretResolver(Protocol):
    """Resolves the scope's secret references (scan/secrets.py); errors are bad input and
    name the reference, never the value."""

    def secret(self, ref: str | None, where: str) -> str | None: ...

    def key_file(self, path: str, where: str) -> str: ...


@runtime_checkable
class CollectorPlugin(Protocol):
    """A collector as the scan, the scope loader and the docs find it.

    `name` is what a snapshot records as its target's collector (re-derivation finds it by
    that name). `target_types` are the scope `type:`s it reads; `options(type)` is that type's
    options model (a TargetOptions subclass, imported only when a scope is validated)."""

    name: str
    target_types: tuple[str, ...]

    def options(self, target_type: str) -> type[TargetOptions]: ...

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


@runtime_checkable
class TargetCollector(Protocol):
    """A collector plugin whose targets of one type may be read by another collector (an SSH
    target with `platform: windows` is read by the Windows collector): the scan asks it."""

    def collector_for(self, target: Any) -> Collector: ...


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
