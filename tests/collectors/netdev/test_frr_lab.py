"""A real router: FRR (zebra, staticd) in a lab host, its CLI reached over SSH into vtysh.

Scanned by `proofshot scan` twice without a change (idle noise: none), then changed with vtysh as
an admin would (a static route added, an interface description edited) and scanned again: the
diff shows exactly those lines, each in its section, and nothing else.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.lab import Lab
from tests.lab.frr import ROUTER_INDEX, USER, FRRRouter


@pytest.fixture(scope="module")
def router(lab: Lab) -> Iterator[FRRRouter]:
    if not Path("/usr/lib/frr/zebra").exists():
        pytest.skip("frr is not installed (.ci/install installs it)")
    r = FRRRouter(lab.add(ROUTER_INDEX))
    r.start()
    try:
        yield r
    finally:
        r.stop()


def test_frr_change_is_exactly_the_diff(router: FRRRouter, tmp_path: Path) -> None:
    env = {**os.environ, "FRR_PW": router.password}
    store = tmp_path / "store"

    def cli(*args: str, ok: tuple[int, ...] = (0,)) -> str:
        r = subprocess.run([sys.executable, "-m", "proofshot", *args, "--store", str(store)],
                           capture_output=True, text=True, env=env, timeout=300, check=False)
        assert r.returncode in ok, f"{args}: exit {r.returncode}\n{r.stdout}\n{r.stderr}"
        return r.stdout

    scope = tmp_path / "scope.yaml"
    scope.write_text(yaml.safe_dump({"targets": [{
        "name": "r1", "type": "netdev", "platform": "frr", "host": router.host.ip,
        "user": USER, "password": "env:FRR_PW", "timeout": 30}]}))
    cli("init")
    cli("scan", str(scope), "--label", "before")
    time.sleep(1.1)  # uptime moves between scans: volatile, never a change
    cli("scan", str(scope), "--label", "idle")
    idle = json.loads(cli("diff", "before", "idle", "--json", ok=(0, 1)))
    assert idle["changes"] == [] and idle["unverifiable"] == []

    router.vtysh("configure terminal", "ip route 198.51.100.128/25 Null0",
                 "interface eth0", "description uplink to core (changed)")
    cli("scan", str(scope), "--label", "after")
    diff: dict[str, Any] = json.loads(cli("diff", "idle", "after", "--json", ok=(0, 1)))
    by_section = {c["key"]["section"]: c for c in diff["changes"]}
    assert set(by_section) == {"ip route", "interface eth0"}, diff["changes"]
    for c in diff["changes"]:
        assert c["table"] == "device_config" and c["kind"] == "changed"
        assert c["columns"] == ["lines"]

    def delta(c: dict[str, Any]) -> tuple[set[str], set[str]]:
        a, b = set(c["before"]["lines"].split("\n")), set(c["after"]["lines"].split("\n"))
        return a - b, b - a

    assert delta(by_section["ip route"]) == (set(), {"ip route 198.51.100.128/25 Null0"})
    assert delta(by_section["interface eth0"]) == (
        {" description uplink to the lab bridge"}, {" description uplink to core (changed)"})
    shown = json.loads(cli("show", "after", "--json"))
    facts = shown["targets"][0]["tables"]["device_facts"][0]
    assert facts["hostname"] == "r1" and facts["os_version"].startswith("8.")
    assert router.password.encode() not in b"".join(
        p.read_bytes() for p in store.rglob("*") if p.is_file())
