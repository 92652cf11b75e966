"""Pure parts of the netdev collector: secret rules, sections, volatile lines, attribution.
Inputs are written here in the devices' own syntax (lines as in the recordings and FRR)."""

from __future__ import annotations

import hashlib

from proofshot.collectors.netdev.parsers import config_rows, facts_row, sections
from proofshot.collectors.netdev.platforms import PLATFORMS, Platform, platform
from proofshot.collectors.netdev.secrets import SecretRules


def kh(v: str) -> str:
    return "hmac:" + hashlib.sha256(v.encode()).hexdigest()


def P(name: str) -> Platform:
    p = platform(name)
    assert p is not None
    return p


def test_secret_rules_keep_the_type_and_hide_the_value() -> None:
    rules = SecretRules()
    cases = {
        "enable secret 9 $9$abcdefSECRET": ("enable secret 9 hmac:", "SECRET"),
        "username bob privilege 15 password 7 0822455D0A16": ("password 7 hmac:", "0822455D"),
        "username oxidized password $sha512$5000$AAAA== pbkdf2": ("pbkdf2", "AAAA"),
        "mgmtuser username u password 0 MGMT PASSW0RD secret 0 MGMT SECR3T":
            ("password 0 hmac:", "PASSW0RD"),
        "snmp-server community s3cr3t RW 5": ("RW 5", "s3cr3t"),
        "snmp-server host 10.0.0.1 vrf M informs version 2c c0mm  tty": ("version 2c", "c0mm"),
        "snmp-server user admin network-admin auth md5 AUTHK priv aes-128 PRIVK localizedV2key":
            ("localizedV2key", "AUTHK"),
        " tacacs-server host 192.0.2.1 key 7 0934AB": ("key 7 hmac:", "0934AB"),
        "set interfaces wireguard wg0 private-key 'WGKEY='": ("private-key", "WGKEY"),
        "    set psksecret ENC AAAABBBB": ("ENC hmac:", "AAAABBBB"),
        "add name=x password=routerpw": ("password=hmac:", "routerpw"),
        "<password>xmlpw</password>": ("<password>hmac:", "xmlpw"),
        '"ftp://user:urlpw@192.0.2.1/x";': ("ftp://user:hmac:", "urlpw"),
    }
    for line, (kept, gone) in cases.items():
        out = rules.mask(line, kh)
        assert kept in out and gone not in out, (line, out)
    # a changed secret is a changed hash; an unchanged one the same hash
    assert rules.mask("enable secret 9 A", kh) != rules.mask("enable secret 9 B", kh)
    assert rules.mask("enable secret 9 A", kh) == rules.mask("enable secret 9 A", kh)
    # words after 'key' that are no secret, descriptions: untouched
    for line in ("crypto key generate rsa", " description key account switch"):
        assert rules.mask(line, kh) == line
    pem = "x\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\nabc\n-----END RSA PRIVATE KEY-----\ny"
    out = rules.mask(pem, kh)
    assert "MIIE" not in out and out.startswith("x\n-----MASKED RSA PRIVATE KEY hmac:")


def test_sections_of_each_structure() -> None:
    ios = sections(["hostname r1", "ip route 0.0.0.0 0.0.0.0 192.0.2.1",
                    "interface Gi1/0/2", " description uplink", " switchport mode trunk",
                    "ip route 10.0.0.0 255.0.0.0 192.0.2.2", "end"], P("ios"))
    assert ios == {"hostname": ["hostname r1"],
                   "ip route": ["ip route 0.0.0.0 0.0.0.0 192.0.2.1",
                                "ip route 10.0.0.0 255.0.0.0 192.0.2.2"],
                   "interface Gi1/0/2": ["interface Gi1/0/2", " description uplink",
                                         " switchport mode trunk"],
                   "(end)": ["end"]}
    junos = sections(["system {", "    host-name fw1;", "    login {", "        user a {",
                      "            uid 2001;", "        }", "    }", "}"], P("junos"))
    assert set(junos) == {"system", "system > host-name", "system > login"}
    assert junos["system > login"][-1] == "    }"
    assert junos["system"] == ["system {", "}"]
    forti = sections(["config firewall policy", '    edit 1', '        set name "a"', "    next",
                      '    edit 2', '        set name "b"', "    next", "end"], P("fortios"))
    assert forti['config firewall policy > edit 1'] == ['    edit 1', '        set name "a"',
                                                        "    next"]
    ros = sections(["# comment", "/ip address", "add address=192.0.2.1/24 interface=ether1"],
                   P("routeros"))
    assert ros["/ip address"][1].startswith("add address")
    vyos = sections(["set interfaces ethernet eth0 address '192.0.2.1/24'",
                     "set system host-name 'fw1'"], P("vyos"))
    assert set(vyos) == {"interfaces ethernet eth0", "system"}


def test_a_block_added_at_the_end_moves_no_closer() -> None:
    """FortiOS: 'next'/'end' belong to the block they close, so a new 'edit 3' after 'edit 2'
    changes no line of 'edit 2'."""
    p = P("fortios")
    before = ["config firewall policy", "    edit 2", "        set name b", "    next", "end"]
    after = [*before[:4], "    edit 3", "        set name c", "    next", "end"]
    a = {r["section"]: r["lines"] for r in config_rows("\n".join(before), p)}
    b = {r["section"]: r["lines"] for r in config_rows("\n".join(after), p)}
    assert a["config firewall policy > edit 2"] == b["config firewall policy > edit 2"]
    assert "config firewall policy > edit 3" in b and "config firewall policy > edit 3" not in a


def test_volatile_lines_and_attribution() -> None:
    p = P("ios")
    text = ("Building configuration...\r\n\r\nCurrent configuration : 3722 bytes\r\n!\r\n"
            "! Last configuration change at 11:54:34 UTC Thu Aug 29 2024 by alice\r\n!\r\n"
            "hostname sw1\r\nntp clock-period 36028797\r\nend\r\n")
    rows = {r["section"]: r for r in config_rows(text, p)}
    assert rows["ntp clock-period"]["lines"] is None
    assert rows["ntp clock-period"]["volatile_lines"] == "ntp clock-period 36028797"
    assert "Current configuration : 3722 bytes" in rows["(header)"]["volatile_lines"]
    f = facts_row(p, "sw1 uptime is 3 weeks\nProcessor board ID FOC123\n", text)
    assert f["changed_by"] == "alice" and f["last_change"].startswith("11:54:34 UTC")
    assert f["serial"] == "FOC123" and f["uptime"] == "3 weeks" and f["hostname"] == "sw1"
    j = P("junos")
    f = facts_row(j, "Model: srx300\nJunos: 22.4R3\n",
                  "## Last commit: 2024-12-06 11:41:05 UTC by root\nversion 22.4;\n")
    assert f["changed_by"] == "root" and f["model"] == "srx300"


def test_every_platform_declaration_is_complete() -> None:
    names = [p.name for p in PLATFORMS]
    assert len(set(names)) == len(names)
    for p in PLATFORMS:
        assert p.config and p.vendor and p.dialect.platform == p.name
        assert p.dialect.mode in ("shell", "exec")
        assert p.structure in ("indent", "slash", "words")
        assert platform(p.name.upper()) is p
