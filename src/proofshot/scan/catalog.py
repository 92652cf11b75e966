"""Every table every collector declares (for docs and `proofshot tables`)."""

from __future__ import annotations

from proofshot.model.table import Table


def all_tables() -> list[Table]:
    from proofshot.collectors.linux.collector import COLLECTOR as linux

    return sorted(linux.tables(), key=lambda t: t.name)
