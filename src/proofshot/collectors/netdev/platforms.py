"""Platform knowledge as data: one small declaration per device platform.

A declaration says how the CLI behaves (prompt, pager, privileged mode, session commands,
error strings: the transport's Dialect), which show-class commands fetch the running
configuration, the facts and the inventory, how the configuration is cut into sections, which
lines are volatile (they move without anyone changing the device), which line says who
changed it last, and which values are secrets beyond the rules every platform shares
(netdev/secrets.py). A new platform is a new entry here, not code.

The commands are the ones Oxidized's models send (its recorded sessions in
../shared/recordings/devices prove them on real devices). Every command is read-only:
tests/collectors/netdev/test_readonly.py checks each against a show-class grammar, and the
transport refuses anything not declared here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from proofshot.transports.netdev import Dialect

Structure = Literal["indent", "slash", "words"]
InventoryFormat = Literal["cisco", "junos", "eos", "none"]

_CISCO_ERR = (r"^\s*% ?(?:Invalid|Incomplete|Ambiguous|Unknown|Unrecognized|Bad)",
              r"^\s*% ?Authorization failed", r"^\s*% ?Permission denied")
_PROMPT_CISCO = r"^[\w.:/()@-]+[#>] ?$"


@dataclass(frozen=True)
class Platform:
    name: str
    vendor: str
    dialect: Dialect
    config: str  # the running configuration
    facts: tuple[str, ...] = ()  # version, hardware: read with `facts` patterns below
    inventory: tuple[str, ...] = ()  # alternatives: the first that answers is used
    inventory_format: InventoryFormat = "none"
    structure: Structure = "indent"
    section_depth: int = 1  # levels of the configuration's hierarchy that name a section
    comment: str = "!"  # a line of only this is a separator, no content ("": none)
    # fact -> regex over the facts answers, then the configuration (first group, first match)
    fact_patterns: dict[str, str] = field(default_factory=dict)
    volatile: tuple[str, ...] = ()  # regexes of configuration lines that move by themselves
    attribution: str | None = None  # regex with groups 'at' and 'by' (who changed it last)
    secrets: tuple[str, ...] = ()  # extra secret rules: regexes with group 'v'
    aliases: tuple[str, ...] = ()

    @property
    def commands(self) -> tuple[str, ...]:
        """Every command a scan of this platform may send (queries; session ones apart)."""
        return tuple(dict.fromkeys((self.config, *self.facts, *self.inventory)))

    def dialect_for_scan(self) -> Dialect:
        """The dialect with the allow-list of commands the transport may send."""
        return replace(self.dialect, commands=frozenset(self.commands))


def _d(platform: str, **kw: object) -> Dialect:
    return Dialect(platform=platform, **kw)  # type: ignore[arg-type]


PLATFORMS: tuple[Platform, ...] = (
    Platform(
        "ios", "Cisco",
        _d("ios", prompt=_PROMPT_CISCO, privileged=r"#\s*$", enable="enable",
           session=("terminal length 0", "terminal width 0"), errors=_CISCO_ERR),
        config="show running-config", facts=("show version",), inventory=("show inventory",),
        inventory_format="cisco",
        fact_patterns={
            "hostname": r"(?m)^(\S+) uptime is",
            "os_version": r"(?m)^Cisco IOS.*?Software.*?, Version ([^\s,]+)",
            "model": r"(?mi)^cisco (\S+) \(.*?\) processor",
            "serial": r"(?m)^Processor board ID (\S+)",
            "image": r'(?m)^System image file is "([^"]+)"',
            "uptime": r"(?m)^\S+ uptime is (.+?)\s*$",
        },
        volatile=(r"^Building configuration", r"^Current configuration : \d+ bytes",
                  r"^! Last configuration change at", r"^! NVRAM config last updated at",
                  r"^! No configuration change since last restart", r"^ntp clock-period"),
        attribution=r"^! Last configuration change at (?P<at>.+?)(?: by (?P<by>\S+))?\s*$",
        aliases=("iosxe", "ios-xe", "iosxr"),
    ),
    Platform(
        "nxos", "Cisco",
        _d("nxos", prompt=r"^[\w.:/()@-]+# ?$", session=("terminal length 0",),
           errors=_CISCO_ERR),
        config="show running-config", facts=("show version",),
        inventory=("show inventory all", "show inventory"), inventory_format="cisco",
        fact_patterns={
            "hostname": r"(?m)^\s*Device name: (\S+)",
            "os_version": r"(?m)^\s*(?:NXOS|system): +version (\S+)",
            "model": r"(?m)^\s*cisco (.+?) [Cc]hassis",
            "serial": r"(?m)^\s*Processor Board ID (\S+)",
            "image": r"(?m)^\s*(?:NXOS|system) image file is: +(\S+)",
            "uptime": r"(?m)^Kernel uptime is (.+?)\s*$",
        },
        volatile=(r"^!Time:", r"^!Running configuration last done at:",
                  r"^!Command: show running-config"),
    ),
    Platform(
        "asa", "Cisco",
        _d("asa", prompt=_PROMPT_CISCO, privileged=r"#\s*$", enable="enable",
           session=("terminal pager 0",), errors=(r"^ERROR: ", *_CISCO_ERR)),
        config="more system:running-config", facts=("show version",),
        inventory=("show inventory",), inventory_format="cisco",
        fact_patterns={
            "hostname": r"(?m)^(\S+) up \d",
            "os_version": r"(?m)^Cisco Adaptive Security Appliance Software Version (\S+)",
            "model": r"(?m)^Hardware:\s+([^,]+),",
            "serial": r"(?m)^Serial Number: (\S+)",
            "image": r'(?m)^System image file is "([^"]+)"',
            "uptime": r"(?m)^\S+ up (\d.+?)\s*$",
        },
        volatile=(r"^: Written by", r"^: Saved", r"^Cryptochecksum:", r"^ntp clock-period"),
        attribution=r"^: Written by (?P<by>\S+) at (?P<at>.+?)\s*$",
        comment="!",
    ),
    Platform(
        "eos", "Arista",
        _d("eos", prompt=_PROMPT_CISCO, privileged=r"#\s*$", enable="enable",
           errors=_CISCO_ERR),
        config="show running-config | no-more | exclude ! Time:",
        facts=("show inventory | no-more",), inventory=("show inventory | no-more",),
        inventory_format="eos",
        fact_patterns={  # the configuration's first line: '! device: NAME (MODEL, EOS-VER)'
            "hostname": r"(?m)^! device: (\S+) \(",
            "model": r"(?m)^! device: \S+ \(([^,]+),",
            "os_version": r"(?m)^! device: \S+ \([^,]+, EOS-([^)\s]+)\)",
            "serial": r"(?mi)^\s*HW Version\s+Serial Number.*\n\s*-+.*\n\s*\S+\s+(\S+)",
        },
        volatile=(r"^! Time:", r"^! Startup-config last modified at"),
        attribution=r"^! Startup-config last modified at (?P<at>.+?) by (?P<by>\S+)",
    ),
    Platform(
        "junos", "Juniper",
        _d("junos", mode="exec", errors=(r"^error: ", r"^syntax error")),
        config="show configuration | display omit",
        facts=("show version", "show chassis hardware"), inventory=("show chassis hardware",),
        inventory_format="junos", section_depth=2, comment="#",
        fact_patterns={
            "hostname": r"(?m)^\s*(?:Hostname: |host-name )([^;\s]+)",
            "model": r"(?m)^Model: (\S+)",
            "os_version": r"(?m)^Junos: (\S+)",
            "serial": r"(?m)^Chassis\s+(\S+)",
        },
        volatile=(r"^## Last commit:", r"^## Last changed:"),
        attribution=r"^## Last commit: (?P<at>.+?) by (?P<by>\S+)",
        secrets=(r'"(?P<v>[^"]*)";\s*## SECRET-DATA',),
    ),
    Platform(
        "fortios", "Fortinet",
        _d("fortios", prompt=r"^[\w.:/~-]+(?: \([\w.-]+\))? [#$] ?$", more=r"--More-- ?$",
           errors=(r"^Command fail\.", r"^Unknown action", r"^command parse error")),
        config="show | grep .", facts=("get system status",), comment="#",
        section_depth=2,
        fact_patterns={
            "hostname": r"(?m)^Hostname: (\S+)",
            "os_version": r"(?m)^Version: \S+ (v[\d.]+,build\d+)",
            "model": r"(?m)^Version: (\S+) v",
            "serial": r"(?m)^Serial-Number: (\S+)",
        },
        # FortiOS re-encrypts ENC values (random salt) and re-exports encrypted private keys
        # at every read, and FortiGuard updates internet-service ids by itself: their
        # movement says nothing about the device (Oxidized's significant_changes agree)
        volatile=(r"^#conf_file_ver=", r"^#buildno=", r"^#config-version=", r"^set \S+ ENC ",
                  r"^set private-key ", r"^set internet-service-id "),
        attribution=r"^#config-version=.*?:user=(?P<by>[^:\s]+)",
        secrets=(r"\bset \S+ ENC (?P<v>\S+)",),
        aliases=("fortigate",),
    ),
    Platform(
        "fortimanager", "Fortinet",
        _d("fortimanager", prompt=r"^[\w.:/~-]+(?: \([\w.-]+\))? [#$] ?$", more=r"--More-- ?$",
           errors=(r"^Command fail\.", r"^Unknown action", r"^command parse error")),
        config="show", facts=("get system status",), comment="#", section_depth=2,
        fact_patterns={
            "hostname": r"(?m)^Hostname\s*: (\S+)",
            "os_version": r"(?m)^Version\s*: (.+?)\s*$",
            "model": r"(?m)^Platform Type\s*: (\S+)",
            "serial": r"(?m)^Serial Number\s*: (\S+)",
        },
        volatile=(r"^#config-version=", r"^#branch_pt=", r"^#conf_file_ver=", r"^set \S+ ENC ",
                  r"^set private-key "),
        secrets=(r"\bset \S+ ENC (?P<v>\S+)",),
    ),
    Platform(
        "routeros", "MikroTik",
        _d("routeros", mode="exec", errors=(r"^(?:bad command name|syntax error|expected )",)),
        config="/export show-sensitive",
        facts=("/system resource print", "/system package update print"),
        structure="slash", comment="#",
        fact_patterns={
            "hostname": r"(?m)^/system identity\nset name=(\S+)",
            "os_version": r"(?m)^\s*version: (.+?)\s*$",
            "model": r"(?m)^\s*board-name: (.+?)\s*$",
            "uptime": r"(?m)^\s*uptime: (\S+)",
        },
        volatile=(r"^# \S+ \S+ by RouterOS", r"^# \w{3}/\d\d/\d{4} \S+ by RouterOS"),
    ),
    Platform(
        "aoscx", "HPE Aruba",
        _d("aoscx", prompt=r"^[\w.:/()@-]+# ?$", session=("no page",), errors=_CISCO_ERR),
        config="show running-config", facts=("show version", "show system"),
        fact_patterns={
            "hostname": r"(?m)^Hostname\s*: (\S+)",
            "os_version": r"(?m)^Version\s*: (\S+)",
            "model": r"(?m)^Product Name\s*: (.+?)\s*$",
            "serial": r"(?m)^Chassis Serial Nbr\s*: (\S+)",
            "uptime": r"(?m)^Up Time\s*: (.+?)\s*$",
        },
        volatile=(r"^Current configuration:",),
    ),
    Platform(  # no recorded session: declared from Oxidized's procurve model
        "procurve", "HPE Aruba",
        _d("procurve", prompt=r"^[\w.()-]+[#>] ?$", privileged=r"#\s*$", enable="enable",
           session=("no page",), press_key=r"Press any key to continue",
           errors=(r"^Invalid input:",)),
        config="show running-config", facts=("show version", "show system-information"),
        fact_patterns={
            "hostname": r"(?m)^\s*System Name\s*:\s*(\S+)",
            "os_version": r"(?m)^\s*Software revision\s*:\s*(\S+)",
            "serial": r"(?m)^\s*Serial Number\s*:\s*(\S+)",
            "uptime": r"(?m)^\s*Up Time\s*:\s*(.+?)\s*$",
        },
        volatile=(r"^Running configuration:",),
    ),
    Platform(
        "vyos", "VyOS",
        _d("vyos", prompt=r"^[\w.-]+@[\w.-]+:[~/\w.-]*[$#] ?$", more=r"^:$|\(END\)$",
           errors=(r"^\s*Invalid command:", r"^\s*Configuration path: .* is not valid")),
        config="show configuration commands | no-more", facts=("show version",),
        structure="words", section_depth=3, comment="#",
        fact_patterns={
            "hostname": r"(?m)^set system host-name '?([^'\s]+)",
            "os_version": r"(?m)^Version:\s+(.+?)\s*$",
            "model": r"(?m)^Hardware model:\s+(.+?)\s*$",
            "serial": r"(?m)^Hardware S/N:\s+(\S+)",
            "uptime": r"(?m)^Uptime:\s+(.+?)\s*$",
        },
    ),
    Platform(
        "opnsense", "Deciso",
        _d("opnsense", mode="exec", errors=(r"^cat: .*: No such file",)),
        config="cat /conf/config.xml",
        facts=('opnsense-version || echo "OPNsense "`cat /usr/local/opnsense/version/opnsense`',),
        section_depth=2, comment="",
        fact_patterns={"os_version": r"(?m)^(OPNsense \S+)",
                       "hostname": r"<hostname>([^<]+)</hostname>"},
        volatile=(r"^\s*<time>\d+(?:\.\d+)?</time>$",),
    ),
    Platform(
        "pfsense", "Netgate",
        _d("pfsense", mode="exec", errors=(r"^cat: .*: No such file",)),
        config="cat /cf/conf/config.xml", facts=("cat /etc/version",),
        section_depth=2, comment="",
        fact_patterns={"os_version": r"(?m)^(\S+)",
                       "hostname": r"<hostname>([^<]+)</hostname>"},
        volatile=(r"^\s*<lastchange>", r"^\s*<time>\d+</time>"),
    ),
    Platform(
        "frr", "FRRouting",
        _d("frr", prompt=r"^[\w.-]+[#>] ?$", session=("terminal length 0",),
           errors=(r"^% (?:Unknown command|Command incomplete|Ambiguous command)",)),
        config="show running-config", facts=("show version",),
        fact_patterns={
            "hostname": r"(?m)^FRRouting \S+ \((\S+)\)",
            "os_version": r"(?m)^FRRouting (\S+)",
        },
        volatile=(r"^Building configuration", r"^Current configuration:"),
    ),
)

_BY_NAME = {n: p for p in PLATFORMS for n in (p.name, *p.aliases)}


def platform(name: str) -> Platform | None:
    return _BY_NAME.get(name.lower())


def names() -> list[str]:
    return sorted(_BY_NAME)
