"""Session fixtures: one Net-SNMP snmpd and one snmpsim on 127.0.0.1 (see agents.py)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.collectors.snmp.agents import Snmpd, Snmpsim, free_udp_port, missing_tools


@pytest.fixture(scope="session")
def snmpd_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snmpd]:
    missing = missing_tools()
    if missing:
        pytest.skip(f"Net-SNMP tools missing: {', '.join(missing)} "
                    "(run tests/collectors/snmp/install.sh)")
    agent = Snmpd(tmp_path_factory.mktemp("snmpd"), free_udp_port(),
                  community="ps-comm-" + secrets.token_hex(8))
    agent.start()
    yield agent
    agent.stop()


@pytest.fixture(scope="session")
def snmpsim_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snmpsim]:
    missing = missing_tools()
    if missing:
        pytest.skip(f"Net-SNMP tools missing: {', '.join(missing)}")
    why = Snmpsim.available()
    if why:
        pytest.skip(why)
    sim = Snmpsim(tmp_path_factory.mktemp("snmpsim"), free_udp_port())
    try:
        sim.start()
    except BaseException:
        sim.stop()
        raise
    yield sim
    sim.stop()
