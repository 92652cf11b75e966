"""Security descriptors as bytes, built by hand for the pure tests of collectors/ntsd.py and
the LDAP and SMB parsers that read them."""

from __future__ import annotations

import struct


def sid(text: str) -> bytes:
    parts = [int(x) for x in text.split("-")[2:]]
    auth, subs = parts[0], parts[1:]
    return bytes([1, len(subs)]) + auth.to_bytes(6, "big") + struct.pack(f"<{len(subs)}I", *subs)


def ace(atype: int, flags: int, mask: int, trustee: str) -> bytes:
    body = struct.pack("<I", mask) + sid(trustee)
    return struct.pack("<BBH", atype, flags, 4 + len(body)) + body


def sd(owner: str, aces: list[bytes], protected: bool = False) -> bytes:
    acl_body = b"".join(aces)
    acl = struct.pack("<BBHHH", 2, 0, 8 + len(acl_body), len(aces), 0) + acl_body
    o = sid(owner)
    control = 0x8004 | (0x1000 if protected else 0)
    head = struct.pack("<BBHIIII", 1, 0, control, 20, 0, 0, 20 + len(o))
    return head + o + acl
