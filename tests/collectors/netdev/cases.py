"""The recorded device sessions the tests replay (../shared/recordings/devices), by platform."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.collectors.netdev.replay import RECORDINGS, Device, load

# recording prefix (Oxidized's model name) -> our platform
PLATFORM_OF = {"ios": "ios", "nxos": "nxos", "asa": "asa", "eos": "eos", "junos": "junos",
               "fortigate": "fortios", "fortios": "fortimanager", "routeros": "routeros",
               "aoscx": "aoscx", "vyos": "vyos", "opnsense": "opnsense", "pfsense": "pfsense"}
EXEC = {"junos", "routeros", "opnsense", "pfsense"}


@dataclass(frozen=True)
class Case:
    name: str  # the recording's name without '#simulation.yaml'
    platform: str

    @property
    def simulation(self) -> Path:
        return RECORDINGS / f"{self.name}#simulation.yaml"

    @property
    def output(self) -> Path:
        return RECORDINGS / f"{self.name}#output.txt"

    @property
    def secret(self) -> Path:
        return RECORDINGS / f"{self.name}#secret.yaml"

    def device(self) -> Device:
        return load(self.simulation, self.platform,
                    "exec" if self.platform in EXEC else "shell")


def _cases() -> dict[str, Case]:
    out: dict[str, Case] = {}
    if not RECORDINGS.is_dir():
        return out
    for sim in sorted(RECORDINGS.glob("*#simulation.yaml")):
        name = sim.name.removesuffix("#simulation.yaml")
        prefix = name.split("#", 1)[0]
        if prefix in PLATFORM_OF:
            out[name] = Case(name, PLATFORM_OF[prefix])
    return out


CASES = _cases()
