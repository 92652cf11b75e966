"""A replay server (replay.py) in a thread of its own for the session: scans run as `proofshot`
subprocesses against it, as a technician's would against real devices."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.collectors.netdev.replay import Device, start


class ReplayServer:
    """Users -> devices; add devices before a scan, edit them between scans."""

    def __init__(self) -> None:
        self.devices: dict[str, Device] = {}
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.server: Any = asyncio.run_coroutine_threadsafe(
            start(self.devices.get), self.loop).result(30)
        self.port: int = self.server.sockets[0].getsockname()[1]

    def close(self) -> None:
        async def stop() -> None:
            self.server.close()
            await self.server.wait_closed()
        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self.loop.close()  # else its self-pipe is finalized before it, in a later test


@pytest.fixture(scope="session")
def replay_server() -> Iterator[ReplayServer]:
    srv = ReplayServer()
    try:
        yield srv
    finally:
        srv.close()
