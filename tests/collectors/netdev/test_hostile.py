"""Hostile devices: each gives a clear status within its bound, and the rest of the scan goes on.

One scan holds a well-behaved replayed IOS switch beside devices that never show a prompt, page
forever, answer 50 MB, refuse the enable secret, or open with a banner line that looks like a
prompt; plus the transport refusing any command that is not declared.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from proofshot.collectors.netdev.platforms import platform
from proofshot.model.errors import TransportError
from proofshot.model.transcript import Query
from proofshot.transports.netdev import NetdevTransport
from tests.collectors.netdev.cases import CASES
from tests.collectors.netdev.conftest import ReplayServer
from tests.collectors.netdev.replay import ENABLE_SECRET, PASSWORD

IOS = "ios#C9200L-24P-4G_17.09.04a"
pytestmark = pytest.mark.skipif(IOS not in CASES, reason="../shared/recordings not present")


def _device(behaviour: str) -> Any:
    dev = CASES[IOS].device()
    dev.behaviour = behaviour
    return dev


@pytest.fixture(scope="module")
def hostile(replay_server: ReplayServer, tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("netdev-hostile")
    names = ["good", "noprompt", "endless", "huge", "enable", "badenable", "fakeprompt"]
    for n in names:
        replay_server.devices[f"h-{n}"] = _device(
            {"good": "replay", "badenable": "enable"}.get(n, n))
    targets = []
    for n in names:
        t = {"name": n, "type": "netdev", "platform": "ios", "host": "127.0.0.1",
             "port": replay_server.port, "user": f"h-{n}", "password": "env:NETDEV_PW",
             "accept_new_host_key": True, "timeout": 8}
        if n == "enable":
            t["enable"] = "env:NETDEV_ENABLE"
        if n == "badenable":
            t["enable"] = "env:NETDEV_WRONG"
        targets.append(t)
    scope = tmp / "scope.yaml"
    scope.write_text(yaml.safe_dump({"targets": targets}))
    store = tmp / "store"
    env = {**os.environ, "COLUMNS": "250", "NETDEV_PW": PASSWORD, "NETDEV_ENABLE": ENABLE_SECRET,
           "NETDEV_WRONG": "not-the-secret"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "proofshot", *args, "--store", str(store)],
                              capture_output=True, text=True, env=env, timeout=300, check=False)

    assert run("init").returncode == 0
    t0 = time.monotonic()
    r = run("scan", str(scope), "--label", "h")
    took = time.monotonic() - t0
    assert r.returncode == 3, r.stderr[-2000:]
    shown = json.loads(run("show", "h", "--json").stdout)
    return {"targets": {t["name"]: t for t in shown["targets"]}, "took": took,
            "stderr": r.stderr, "store": store}


def _config(t: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = t["tables"].get("device_config") or []
    return rows


def test_a_good_device_beside_hostile_ones_is_read_whole(hostile: dict[str, Any]) -> None:
    t = hostile["targets"]["good"]
    assert t["status"] == "ok"
    assert any(r["section"] == "interface GigabitEthernet1/0/1" for r in _config(t))


def test_enable_with_the_right_secret_reads_the_config(hostile: dict[str, Any]) -> None:
    t = hostile["targets"]["enable"]
    assert t["status"] == "ok"
    assert _config(t)


def test_each_hostile_device_has_a_clear_status(hostile: dict[str, Any]) -> None:
    ts = hostile["targets"]
    assert ts["noprompt"]["status"] == "failed"
    assert ts["badenable"]["status"] == "auth-failed"
    # the endless pager and the 50 MB answer cut the config query; the facts still came
    for n in ("endless", "huge"):
        assert ts[n]["status"] == "partial", ts[n]
        assert not _config(ts[n])


def test_reasons_name_what_happened(hostile: dict[str, Any]) -> None:
    """The reasons as the scan summary prints them (stderr), one per target."""
    err = hostile["stderr"]
    assert "no prompt within" in err
    assert "enable secret wrong" in err
    # over the scan's 8 s timeout, the endless pager and the 50 MB answer hit the timeout
    # first here (the output cap and the page limit: test_caps_and_page_limit below)
    for n in ("endless", "huge"):
        line = next(ln for ln in err.splitlines() if ln.strip().startswith(n))
        assert "config: timed out after" in line or "answer cut at" in line \
            or "paging did not stop" in line, line
    assert "not-the-secret" not in err
    stored = b"".join(p.read_bytes() for p in hostile["store"].rglob("*") if p.is_file())
    for secret in (ENABLE_SECRET, "not-the-secret"):
        assert secret.encode() not in stored


def test_a_banner_line_that_looks_like_a_prompt_is_not_taken_for_it(
        hostile: dict[str, Any]) -> None:
    t = hostile["targets"]["fakeprompt"]
    assert t["status"] == "ok"
    sections = {r["section"] for r in _config(t)}
    assert "interface GigabitEthernet1/0/1" in sections
    assert not any("this line above" in (r["lines"] or "") for r in _config(t))


def test_an_undeclared_command_is_never_sent(replay_server: ReplayServer,
                                             tmp_path: Path) -> None:
    replay_server.devices["h-undeclared"] = _device("replay")
    p = platform("ios")
    assert p is not None

    async def go() -> Any:
        t = NetdevTransport("u", "127.0.0.1", replay_server.port, dialect=p.dialect_for_scan(),
                            user="h-undeclared", password=PASSWORD,
                            known_hosts_path=tmp_path / "kh", accept_new_key=True)
        await t.open()
        try:
            bad = await t.run(Query("x", ("cli", "configure terminal")))
            good = await t.run(Query("v", ("cli", "show version")))
        finally:
            await t.close()
        return bad, good

    bad, good = asyncio.run(go())
    assert bad.status() == "error" and "nothing was sent" in (bad.error or "")
    assert good.status() == "ok" and b"Cisco IOS XE Software" in good.stdout


def test_caps_and_page_limit(replay_server: ReplayServer, tmp_path: Path) -> None:
    """The output cap cuts the 50 MB answer, the page limit stops the endless pager: each a
    clear status long before the command timeout; the session is then closed."""
    replay_server.devices["h-cap"] = _device("huge")
    replay_server.devices["h-pages"] = _device("endless")
    p = platform("ios")
    assert p is not None

    async def one(user: str, **kw: Any) -> Any:
        t = NetdevTransport("u", "127.0.0.1", replay_server.port, dialect=p.dialect_for_scan(),
                            user=user, password=PASSWORD, known_hosts_path=tmp_path / "kh",
                            accept_new_key=True, command_timeout=120, **kw)
        await t.open()
        try:
            first = await t.run(Query("c", ("cli", "show running-config")))
            after = await t.run(Query("v", ("cli", "show version")))
        finally:
            await t.close()
        return first, after

    cut, after = asyncio.run(one("h-cap", max_bytes=1 << 20))
    assert cut.status() == "truncated" and len(cut.stdout) == 1 << 20
    assert after.status() == "error" and "session closed earlier" in (after.error or "")
    paged, _ = asyncio.run(one("h-pages", max_pages=50))
    assert paged.status() == "error" and "paging did not stop after 50 pages" in paged.reason()


def test_a_press_any_key_login_screen(replay_server: ReplayServer, tmp_path: Path) -> None:
    """ProCurve asks for a key before its prompt (declared as `press_key`): the transport
    sends one and reads the configuration; without the declaration it is a clear no-prompt."""
    replay_server.devices["h-key"] = _device("presskey")
    p, ios = platform("procurve"), platform("ios")
    assert p is not None and ios is not None

    async def go(dialect: Any) -> Any:
        t = NetdevTransport("u", "127.0.0.1", replay_server.port, dialect=dialect,
                            user="h-key", password=PASSWORD, known_hosts_path=tmp_path / "kh",
                            accept_new_key=True, login_timeout=3)
        try:
            await t.open()
            return await t.run(Query("c", ("cli", "show running-config")))
        finally:
            await t.close()

    got = asyncio.run(go(p.dialect_for_scan()))
    assert got.status() == "ok" and b"interface GigabitEthernet1/0/1" in got.stdout
    with pytest.raises(TransportError, match="no prompt within 3s"):
        asyncio.run(go(ios.dialect_for_scan()))
