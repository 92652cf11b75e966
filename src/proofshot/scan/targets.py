"""From a scope target to the collector plugin that reads it: its collector, credentials and
transport (scan/catalog.py finds the plugin by the target's type)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from proofshot.collectors.base import Collector
from proofshot.collectors.options import TargetOptions
from proofshot.collectors.plugin import CollectorPlugin, TargetCollector
from proofshot.model.errors import BadInput
from proofshot.scan import replay, secrets
from proofshot.scan.catalog import for_target_type
from proofshot.transports.base import Transport


class Unsupported(Exception):
    """This target type has no collector in this installation; recorded as unverifiable."""


class _Secrets:
    """scan/secrets.py as the resolver plugins are handed."""

    def secret(self, ref: str | None, where: str) -> str | None:
        return secrets.resolve(ref, where)

    def key_file(self, path: str, where: str) -> str:
        return secrets.check_key_file(path, where)


SECRETS = _Secrets()


def plugin_for(target: TargetOptions | Any) -> CollectorPlugin:
    found = for_target_type(target.type)
    if found is None:
        raise Unsupported(f"no collector for target type '{target.type}' in this installation")
    return found


def collector_for(target: TargetOptions | Any) -> Collector:
    if isinstance(target, replay.ReplayTarget):  # the collector that recorded the answers
        recorded = replay.collector(target)
        if recorded is None:
            raise Unsupported(f"target '{target.name}': the capture's collector is not "
                              "installed")
        return recorded
    found = plugin_for(target)
    if isinstance(found, TargetCollector):
        return found.collector_for(target)
    return found.collector()


def preflight(target: TargetOptions | Any, where: str) -> dict[str, Any]:
    """Resolve secrets and check key files before anything is written (bad input -> exit 2)."""
    if isinstance(target, replay.ReplayTarget):
        return replay.preflight(target)
    found = for_target_type(target.type)
    return found.credentials(target, SECRETS, where) if found is not None else {}


def transport_for(target: TargetOptions | Any, creds: dict[str, Any], store_root: Path,
                  timeout: float) -> Transport:
    if isinstance(target, replay.ReplayTarget):
        return replay.transport(target)
    found = for_target_type(target.type)
    if found is None:
        raise BadInput(f"target '{target.name}': type '{target.type}' is not supported")
    return found.transport(target, creds, store_root, timeout)


def options_for(target: TargetOptions | Any) -> dict[str, Any]:
    """The target's fields its collector's plan reads (secret references left out)."""
    if isinstance(target, TargetOptions):
        return target.options()
    data: dict[str, Any] = target.model_dump(exclude={"password", "community", "auth_key",
                                                       "priv_key", "enable"})
    return data
