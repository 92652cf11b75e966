"""The narrow gateway every query goes through (Ansible's lesson: one I/O seam makes replay easy)."""

from __future__ import annotations

from typing import Protocol

from proofshot.model.transcript import Answer, Query


class Transport(Protocol):
    """Runs declared queries on one target. Implementations: local, ssh, replay."""

    name: str

    async def open(self) -> dict[str, str]:
        """Connect; return facts about the connection (e.g. host key fingerprint). May raise
        Unreachable, AuthFailed or HostKeyChanged."""
        ...

    async def run(self, query: Query, stdin: bytes | None = None) -> Answer:
        """Run one query; never raises for a failed command: the failure is in the Answer."""
        ...

    async def close(self) -> None: ...

    # Optional (the runner looks for it): `async def run_batch(self, queries: Sequence[Query])
    # -> list[Answer | None]` runs several small queries of the same privilege in one process or
    # channel and gives each its exact answer, or None for the ones the caller must run alone.
