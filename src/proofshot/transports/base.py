"""The narrow gateway every query goes through (Ansible's lesson: one I/O seam makes replay easy)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

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

    # Optional abilities, each its own Protocol below (the runner asks with isinstance).


@runtime_checkable
class BatchRunner(Protocol):
    """A transport that runs several small queries of the same privilege in one process or
    channel and gives each its exact answer, or None for the ones the caller must run alone."""

    async def run_batch(self, queries: Sequence[Query]) -> list[Answer | None]: ...


Sink = Callable[[bytes], None]


@runtime_checkable
class StreamRunner(Protocol):
    """A transport that hands a large answer's stdout to `sink` as it arrives (Query.stream);
    the Answer it returns holds no stdout of its own."""

    async def run_stream(self, query: Query, sink: Sink) -> Answer: ...
