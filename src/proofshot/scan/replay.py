"""`type: replay`: answers recorded by `proofshot capture` (DIR/TARGET), scanned back through the
parsers of the collector that recorded them. Not a collector plugin (it reads no system; any
collector's capture replays), so the scope loader and scan/targets.py know it by name."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from proofshot.collectors.base import Collector
from proofshot.collectors.options import TargetOptions
from proofshot.transports.base import Transport

TYPE = "replay"


class ReplayTarget(TargetOptions):
    """`options` are the recorded target's options, filled in from the capture when the
    target is checked (preflight), so the stored scope re-derives the same way."""

    model_config = ConfigDict(extra="forbid", defer_build=True, populate_by_name=True)

    type: Literal["replay"]
    path: str = Field(min_length=1)
    # `options:` in the scope (the name TargetOptions.options() has in Python)
    recorded: dict[str, Any] | None = Field(default=None, alias="options")

    def options(self) -> dict[str, Any]:
        """The recorded target's options (see preflight), under this target's name."""
        return {**(self.recorded or {}), "name": self.name}


def collector(target: ReplayTarget) -> Collector | None:
    from proofshot.scan.catalog import collector as collector_named
    from proofshot.transports.replay import read_meta

    return collector_named(str(read_meta(target.path).get("collector")))


def preflight(target: ReplayTarget) -> dict[str, Any]:
    from proofshot.transports.replay import read_meta

    meta = read_meta(target.path)
    if target.recorded is None:
        target.recorded = dict(meta.get("options") or {})
    return {}


def transport(target: ReplayTarget) -> Transport:
    from proofshot.transports.replay import ReplayTransport

    return ReplayTransport(target.name, target.path)
