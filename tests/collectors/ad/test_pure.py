"""Pure parts: SID/SD parsing, rights, LDAP answer lines, and masking leaves answers intact."""

from __future__ import annotations

import base64
import struct

from proofshot.collectors import ntsd
from proofshot.collectors.ldap import parsers as LP
from proofshot.collectors.smb import parsers as SP
from proofshot.scan.masking import mask_text
from proofshot.transports.jsonlines import dump_line
from proofshot.transports.ldap import dump_entry


def _sid(text: str) -> bytes:
    parts = [int(x) for x in text.split("-")[2:]]
    auth, subs = parts[0], parts[1:]
    return bytes([1, len(subs)]) + auth.to_bytes(6, "big") + struct.pack(f"<{len(subs)}I", *subs)


def _ace(atype: int, flags: int, mask: int, sid: str) -> bytes:
    body = struct.pack("<I", mask) + _sid(sid)
    return struct.pack("<BBH", atype, flags, 4 + len(body)) + body


def _sd(owner: str, aces: list[bytes], protected: bool = False) -> bytes:
    acl_body = b"".join(aces)
    acl = struct.pack("<BBHHH", 2, 0, 8 + len(acl_body), len(aces), 0) + acl_body
    o = _sid(owner)
    control = 0x8004 | (0x1000 if protected else 0)
    head = struct.pack("<BBHIIII", 1, 0, control, 20, 0, 0, 20 + len(o))
    return head + o + acl


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


def test_answers_survive_masking() -> None:
    """The store masks `key value` pairs; answer lines must come through unchanged, while a
    password written in a description is still masked."""
    def kh(s: str) -> str:
        return "hmac:x"

    entry = dump_entry("CN=Key Admins,CN=Users,DC=pslab,DC=test",
                       {"sAMAccountName": [b"Key Admins"], "description": [b"token: s3cret"],
                        "objectSid": [_sid("S-1-5-21-1-2-3-526")]})
    masked = mask_text(entry.decode(), kh)
    (e,) = LP.parse_entries(masked)
    assert e.dn == "CN=Key Admins,CN=Users,DC=pslab,DC=test"
    assert e.get("sAMAccountName") == "Key Admins" and e.sid() == "S-1-5-21-1-2-3-526"
    assert "s3cret" not in masked
    smb = dump_line({"p": "/password files/key", "d": 2, "sd": "AQAEgBQ"}).decode()
    assert mask_text(smb, kh) == smb


def test_nested_groups_and_cycles() -> None:
    def entry(dn: str, sam: str, sid: str, **attrs: list[str]) -> LP.Entry:
        e = LP.Entry(dn, {"samaccountname": [sam]} | {k.lower(): v for k, v in attrs.items()})
        e.binary["objectsid"] = [_sid(sid)]
        return e

    base = "DC=x,DC=test"
    users = [entry(f"CN=u,{base}", "u", "S-1-5-21-1-2-3-1001", primaryGroupID=["513"])]
    groups = [
        entry(f"CN=A,{base}", "A", "S-1-5-21-1-2-3-1100", member=[f"CN=u,{base}"]),
        entry(f"CN=B,{base}", "B", "S-1-5-21-1-2-3-1101", member=[f"CN=A,{base}", f"CN=C,{base}"]),
        entry(f"CN=C,{base}", "C", "S-1-5-21-1-2-3-1102", member=[f"CN=B,{base}"]),  # cycle
        entry(f"CN=Domain Users,{base}", "Domain Users", "S-1-5-21-1-2-3-513"),
    ]
    d = LP.Directory(users, groups, [], "X")
    rows = {(r["group"], r["member"]): r for r in LP.memberships(d)}
    assert rows[("B", "u")]["path"] == ["u", "A", "B"] and rows[("B", "u")]["how"] == "nested"
    assert rows[("C", "u")]["path"] == ["u", "A", "B", "C"]
    assert rows[("Domain Users", "u")]["how"] == "primary"
    assert d.name_of_sid("S-1-5-21-9-9-9-1") == "S-1-5-21-9-9-9-1"
