"""The Windows Firewall verdict of the paths view (views/winfirewall.py), on rows as the
Windows tables hold them."""

from __future__ import annotations

from typing import Any

from proofshot.views.winfirewall import verdict

ON = [{"profile": p, "enabled": True} for p in ("domain", "private", "public")]


def rule(action: str = "allow", ports: list[str] | None = None, enabled: bool = True,
         proto: str = "TCP", direction: str = "inbound", profiles: str = "Any") -> dict[str, Any]:
    return {"name": f"r-{action}", "enabled": enabled, "direction": direction, "action": action,
            "protocol": proto, "local_ports": ports or ["Any"], "profiles": profiles}


def test_rules_and_profiles() -> None:
    assert verdict([], [], "tcp", 80).allowed is None  # not read: no verdict
    assert verdict([], ON, "tcp", 80).allowed is False  # on, nothing allows it
    assert verdict([rule(ports=["80", "443"])], ON, "tcp", 443).allowed is True
    assert verdict([rule(ports=["8000-8100"])], ON, "tcp", 8080).allowed is True
    assert verdict([rule(ports=["80"])], ON, "tcp", 81).allowed is False
    assert verdict([rule(ports=["80"], enabled=False)], ON, "tcp", 80).allowed is False
    assert verdict([rule(ports=["80"], proto="UDP")], ON, "tcp", 80).allowed is False
    assert verdict([rule(ports=["80"], direction="outbound")], ON, "tcp", 80).allowed is False
    both = [rule(ports=["80"]), rule("block", ["80"])]
    v = verdict(both, ON, "tcp", 80)
    assert v.allowed is False and v.rows == [both[1]]  # block wins
    off = [*ON[:2], {"profile": "public", "enabled": False}]
    v = verdict([], off, "tcp", 80)
    assert v.allowed is True and v.profiles == [off[2]]
