"""Pure: security descriptors parsed (collectors/ntsd.py) and read as ACL rows by the SMB and
LDAP parsers."""

from __future__ import annotations

import base64

from proofshot.collectors import ntsd
from proofshot.collectors.ldap import parsers as LP
from proofshot.collectors.smb import parsers as SP
from proofshot.transports.jsonlines import dump_line
from tests.collectors.sdbytes import ace as _ace
from tests.collectors.sdbytes import sd as _sd


def test_sd_round_trip_and_rights() -> None:
    raw = _sd("S-1-5-32-544", [_ace(0, 0x03, 0x1301BF, "S-1-5-21-1-2-3-1105"),
                               _ace(1, 0x00, 0x2, "S-1-5-21-1-2-3-4242"),
                               _ace(0, 0x1B, 0x1F01FF, "S-1-1-0")], protected=True)
    sd = ntsd.parse_sd(raw)
    assert sd.owner == "S-1-5-32-544" and sd.protected and sd.dacl is not None
    assert [a.sid for a in sd.dacl] == ["S-1-5-21-1-2-3-1105", "S-1-5-21-1-2-3-4242", "S-1-1-0"]
    assert sd.dacl[0].flags == ("OI", "CI") and sd.dacl[1].denies and sd.dacl[2].inherited
    assert ntsd.rights(0x1F01FF) == ["full-control"]
    assert "write" in ntsd.rights(0x1301BF) and "full-control" not in ntsd.rights(0x1301BF)
    assert ntsd.rights(0x10000000, "ds") == ["full-control"]
    line = dump_line({"p": "/Key Files", "d": 1,
                      "sd": base64.b64encode(raw).decode().rstrip("=")}).decode()
    rows = list(SP.acl("public", line.splitlines()))
    assert {r["trustee"] for r in rows} == {"BUILTIN\\Administrators", "S-1-5-21-1-2-3-1105",
                                            "S-1-5-21-1-2-3-4242", "Everyone"}
    assert rows[0]["path"] == "/Key Files"
    # the DACL order is kept (owner row: no place in the DACL), for the access view's evaluation
    assert [(r["type"], r.get("position")) for r in rows] == [
        ("owner", None), ("allow", 0), ("deny", 1), ("allow", 2)]
    ad = LP.ace_rows("OU=x", "ou", sd, lambda s: s)
    assert [r.get("position") for r in ad] == [None, 0, 1, 2]


def test_truncated_descriptor_is_an_error_not_a_crash() -> None:
    raw = _sd("S-1-5-18", [_ace(0, 0, 1, "S-1-1-0")])
    try:
        ntsd.parse_sd(raw[:30])
    except ValueError:
        pass
    else:  # pragma: no cover
        raise AssertionError("truncated descriptor parsed")
