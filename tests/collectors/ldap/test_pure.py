"""Pure parts of the LDAP collector: answer lines, nested groups, and masking leaves answers
intact."""

from __future__ import annotations

from proofshot.collectors.ldap import parsers as LP
from proofshot.scan.masking import mask_text
from proofshot.transports.jsonlines import dump_line
from proofshot.transports.ldap import dump_entry
from tests.collectors.sdbytes import sid as _sid


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
