"""Bad and good device configurations for each netdev rule (tests/views/test_rules.py runs them)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

SALT = b"test-salt"  # the same salt as tests/views/test_rules.py


def _kh(value: str) -> str:
    return "hmac:" + hmac.new(SALT, value.encode(), hashlib.sha256).hexdigest()


GOOD_BASE = ["aaa new-model", "ntp server 192.0.2.5", "logging host 192.0.2.9",
             "username ops secret 9 " + _kh("$9$x"), "ip ssh version 2"]


def cfg(*extra: str, base: list[str] | None = None) -> dict[str, Any]:
    lines = [*(GOOD_BASE if base is None else base), *extra]
    rows = [{"section": f"s{i}", "lines": ln, "volatile_lines": None, "position": i}
            for i, ln in enumerate(lines)]
    return {"device_config": rows}


def facts(model: str, version: str) -> dict[str, Any]:
    return {"device_facts": [{"platform": "ios", "model": model, "os_version": version}]}


def _no(word: str) -> list[str]:
    return [ln for ln in GOOD_BASE if word not in ln]


NETDEV_CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "netdev-telnet": (cfg(" transport input telnet ssh"), cfg(" transport input ssh")),
    "netdev-http-mgmt": (cfg("ip http server"), cfg("no ip http server")),
    "netdev-ssh-v1": (cfg("ip ssh version 1"), cfg()),
    "netdev-snmp-default-community": (cfg("snmp-server community " + _kh("public") + " RO"),
                                      cfg("snmp-server community " + _kh("x7Hq2") + " RO")),
    "netdev-snmp-write": (cfg("snmp-server community " + _kh("x7Hq2") + " RW"),
                          cfg("snmp-server community " + _kh("x7Hq2") + " RO")),
    "netdev-weak-password-type": (cfg("username bob password 7 " + _kh("0822")), cfg()),
    "netdev-no-aaa": (cfg(base=_no("aaa")), cfg()),
    "netdev-no-ntp": (cfg(base=_no("ntp")), cfg()),
    "netdev-no-remote-logging": (cfg(base=_no("logging")), cfg()),
    "netdev-default-account": (cfg("username admin secret 9 " + _kh("$9$y")), cfg()),
    "netdev-firmware-drift": (facts("C9200L", "17.9.4a"), facts("C9200L", "17.12.1")),
}
# firmware drift needs peers of the same model: tests/views/test_rules.py's PEERS hold none of
# device_facts, so the 'bad' case is judged against these two
NETDEV_PEERS = {"n1": facts("C9200L", "17.12.1"), "n2": facts("C9200L", "17.12.1")}
