"""Windows security identifiers and security descriptors, parsed from their binary form (pure).

Used by the LDAP collector (nTSecurityDescriptor) and the SMB collector (NTFS / share ACLs).
[MS-DTYP] 2.4.2 SID, 2.4.4 ACE, 2.4.5 ACL, 2.4.6 SECURITY_DESCRIPTOR (self-relative).
A malformed descriptor raises ValueError; a SID no one can name stays its S-1-... string.
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass, field

WELL_KNOWN: dict[str, str] = {
    "S-1-0-0": "Nobody",
    "S-1-1-0": "Everyone",
    "S-1-2-0": "LOCAL",
    "S-1-3-0": "CREATOR OWNER",
    "S-1-3-1": "CREATOR GROUP",
    "S-1-3-4": "OWNER RIGHTS",
    "S-1-5-2": "NT AUTHORITY\\NETWORK",
    "S-1-5-4": "NT AUTHORITY\\INTERACTIVE",
    "S-1-5-7": "NT AUTHORITY\\ANONYMOUS LOGON",
    "S-1-5-9": "NT AUTHORITY\\ENTERPRISE DOMAIN CONTROLLERS",
    "S-1-5-10": "NT AUTHORITY\\SELF",
    "S-1-5-11": "NT AUTHORITY\\Authenticated Users",
    "S-1-5-18": "NT AUTHORITY\\SYSTEM",
    "S-1-5-19": "NT AUTHORITY\\LOCAL SERVICE",
    "S-1-5-20": "NT AUTHORITY\\NETWORK SERVICE",
    "S-1-5-32-544": "BUILTIN\\Administrators",
    "S-1-5-32-545": "BUILTIN\\Users",
    "S-1-5-32-546": "BUILTIN\\Guests",
    "S-1-5-32-548": "BUILTIN\\Account Operators",
    "S-1-5-32-549": "BUILTIN\\Server Operators",
    "S-1-5-32-550": "BUILTIN\\Print Operators",
    "S-1-5-32-551": "BUILTIN\\Backup Operators",
    "S-1-5-32-552": "BUILTIN\\Replicator",
    "S-1-5-32-554": "BUILTIN\\Pre-Windows 2000 Compatible Access",
    "S-1-5-32-555": "BUILTIN\\Remote Desktop Users",
    "S-1-5-32-560": "BUILTIN\\Windows Authorization Access Group",
    "S-1-5-32-561": "BUILTIN\\Terminal Server License Servers",
    "S-1-5-32-562": "BUILTIN\\Distributed COM Users",
    "S-1-5-32-568": "BUILTIN\\IIS_IUSRS",
    "S-1-5-32-569": "BUILTIN\\Cryptographic Operators",
    "S-1-5-32-573": "BUILTIN\\Event Log Readers",
    "S-1-5-32-574": "BUILTIN\\Certificate Service DCOM Access",
}

ACE_TYPES = {
    0: "allow", 1: "deny", 2: "audit", 3: "alarm",
    5: "allow-object", 6: "deny-object", 7: "audit-object", 8: "alarm-object",
    9: "allow-callback", 10: "deny-callback", 11: "allow-callback-object",
    12: "deny-callback-object", 17: "mandatory-label",
}
ACE_FLAGS = ((0x01, "OI"), (0x02, "CI"), (0x04, "NP"), (0x08, "IO"), (0x10, "ID"),
             (0x40, "SA"), (0x80, "FA"))
SD_CONTROL = ((0x0004, "DP"), (0x0010, "SP"), (0x1000, "PD"), (0x2000, "PS"),
              (0x0400, "DI"), (0x0800, "SI"), (0x8000, "SR"))

# Well-known GUIDs that appear as object types in AD ACEs (attributes, classes, rights).
OBJECT_TYPES: dict[str, str] = {
    "00299570-246d-11d0-a768-00aa006e0529": "User-Force-Change-Password",
    "ab721a53-1e2f-11d0-9819-00aa0040529b": "User-Change-Password",
    "bf9679c0-0de6-11d0-a285-00aa003049e2": "member",
    "bf967aba-0de6-11d0-a285-00aa003049e2": "user",
    "bf967a86-0de6-11d0-a285-00aa003049e2": "computer",
    "bf967a9c-0de6-11d0-a285-00aa003049e2": "group",
    "bf967aa5-0de6-11d0-a285-00aa003049e2": "organizationalUnit",
    "1131f6aa-9c07-11d1-f79f-00c04fc2dcd2": "DS-Replication-Get-Changes",
    "1131f6ad-9c07-11d1-f79f-00c04fc2dcd2": "DS-Replication-Get-Changes-All",
    "89e95b76-444d-4c62-991a-0facbeda640c": "DS-Replication-Get-Changes-In-Filtered-Set",
    "f30e3bc2-9ff0-11d1-b603-0000f80367c1": "gPLink",
    "f30e3bc1-9ff0-11d1-b603-0000f80367c1": "gPOptions",
    "4c164200-20c0-11d0-a768-00aa006e0529": "User-Account-Restrictions",
    "5f202010-79a5-11d0-9020-00c04fc2d4cf": "User-Logon",
    "e48d0154-bcf8-11d1-8702-00c04fb96050": "Public-Information",
    "77b5b886-944a-11d1-aebd-0000f80367c1": "Personal-Information",
    "59ba2f42-79a2-11d0-9020-00c04fc2d3cf": "General-Information",
    "bc0ac240-79a9-11d0-9020-00c04fc2d4cf": "Membership",
    "72e39547-7b18-11d1-adef-00c04fd8d5cd": "Validated-DNS-Host-Name",
    "f3a64788-5306-11d1-a9c5-0000f80367c1": "Validated-SPN",
}


def sid_from_bytes(data: bytes, offset: int = 0) -> tuple[str, int]:
    """(S-1-... string, length in bytes) of the SID at `offset`."""
    if len(data) < offset + 8:
        raise ValueError("SID truncated")
    rev, count = data[offset], data[offset + 1]
    if rev != 1 or count > 15:
        raise ValueError(f"not a SID (revision {rev}, {count} sub-authorities)")
    size = 8 + 4 * count
    if len(data) < offset + size:
        raise ValueError("SID truncated")
    auth = int.from_bytes(data[offset + 2:offset + 8], "big")
    subs = struct.unpack_from(f"<{count}I", data, offset + 8)
    return "S-1-" + "-".join(str(x) for x in (auth, *subs)), size


def _guid(data: bytes, offset: int) -> str:
    return str(uuid.UUID(bytes_le=data[offset:offset + 16]))


@dataclass(frozen=True)
class ACE:
    type: str
    flags: tuple[str, ...]
    mask: int
    sid: str
    object_type: str | None = None
    inherited_object_type: str | None = None

    @property
    def inherited(self) -> bool:
        return "ID" in self.flags

    @property
    def inherit_only(self) -> bool:
        return "IO" in self.flags

    @property
    def allows(self) -> bool:
        return self.type.startswith("allow")

    @property
    def denies(self) -> bool:
        return self.type.startswith("deny")


@dataclass(frozen=True)
class SecurityDescriptor:
    control: tuple[str, ...]
    owner: str | None
    group: str | None
    dacl: tuple[ACE, ...] | None  # None: no DACL (everyone has every right)
    sacl: tuple[ACE, ...] | None = None
    protected: bool = field(default=False)


def parse_acl(data: bytes, offset: int) -> tuple[ACE, ...]:
    if len(data) < offset + 8:
        raise ValueError("ACL truncated")
    _rev, _sbz, size, count = struct.unpack_from("<BBHH", data, offset)
    end = offset + size
    if end > len(data):
        raise ValueError("ACL longer than the descriptor")
    pos = offset + 8
    aces: list[ACE] = []
    for _ in range(count):
        if pos + 4 > end:
            raise ValueError("ACE truncated")
        atype, aflags, asize = struct.unpack_from("<BBH", data, pos)
        if asize < 8 or pos + asize > end:
            raise ValueError("bad ACE size")
        body = data[pos:pos + asize]
        mask = struct.unpack_from("<I", body, 4)[0]
        flags = tuple(name for bit, name in ACE_FLAGS if aflags & bit)
        type_name = ACE_TYPES.get(atype, f"type-{atype}")
        if atype in (5, 6, 7, 8, 11, 12):
            oflags = struct.unpack_from("<I", body, 8)[0]
            p = 12
            ot = it = None
            if oflags & 1:
                ot = _guid(body, p)
                p += 16
            if oflags & 2:
                it = _guid(body, p)
                p += 16
            sid, _ = sid_from_bytes(body, p)
            aces.append(ACE(type_name, flags, mask, sid, ot, it))
        else:
            sid, _ = sid_from_bytes(body, 8)
            aces.append(ACE(type_name, flags, mask, sid))
        pos += asize
    return tuple(aces)


def parse_sd(data: bytes) -> SecurityDescriptor:
    """A self-relative SECURITY_DESCRIPTOR."""
    if len(data) < 20:
        raise ValueError("security descriptor truncated")
    rev, _sbz, control, o_owner, o_group, o_sacl, o_dacl = struct.unpack_from("<BBHIIII", data, 0)
    if rev != 1:
        raise ValueError(f"security descriptor revision {rev}")
    owner = sid_from_bytes(data, o_owner)[0] if o_owner else None
    group = sid_from_bytes(data, o_group)[0] if o_group else None
    dacl = parse_acl(data, o_dacl) if (control & 0x0004 and o_dacl) else None
    sacl = parse_acl(data, o_sacl) if (control & 0x0010 and o_sacl) else None
    ctl = tuple(name for bit, name in SD_CONTROL if control & bit)
    return SecurityDescriptor(ctl, owner, group, dacl, sacl, bool(control & 0x1000))


# --- access masks -------------------------------------------------------------------------
GENERIC = {0x10000000: "GA", 0x20000000: "GX", 0x40000000: "GW", 0x80000000: "GR"}
FILE_FULL = 0x1F01FF
FILE_RIGHTS = (  # (bits that must all be set, name), widest first
    (0x1F01FF, "full-control"),
    (0x000002 | 0x000004, "write"),   # write data / add file, append / add subdirectory
    (0x000001, "read"),               # read data / list directory
    (0x000020, "execute"),            # execute / traverse
    (0x010000, "delete"),
    (0x000040, "delete-child"),
    (0x040000, "change-permissions"),
    (0x080000, "take-ownership"),
)
DS_RIGHTS = (
    (0x000F01FF, "full-control"),
    (0x00000001, "create-child"),
    (0x00000002, "delete-child"),
    (0x00000004, "list-children"),
    (0x00000008, "self-write"),
    (0x00000010, "read-property"),
    (0x00000020, "write-property"),
    (0x00000040, "delete-tree"),
    (0x00000080, "list-object"),
    (0x00000100, "extended-right"),
    (0x00010000, "delete"),
    (0x00020000, "read-control"),
    (0x00040000, "write-dacl"),
    (0x00080000, "write-owner"),
)


# what GENERIC_ALL, GENERIC_READ, GENERIC_WRITE and GENERIC_EXECUTE stand for, per kind of object
_GENERIC = {"file": (FILE_FULL, 0x120089, 0x120116, 0x1200A0),
            "ds": (0x000F01FF, 0x00020094, 0x00020028, 0x00020004)}
_GENERIC_BITS = (0x10000000, 0x80000000, 0x40000000, 0x20000000)


def expand_generic(mask: int, kind: str = "file") -> int:
    """The mask with generic rights (GA, GR, GW, GX) mapped to the specific rights they stand
    for; `kind` is file (NTFS, shares) or ds (AD objects)."""
    for bit, specific in zip(_GENERIC_BITS, _GENERIC["file" if kind == "file" else "ds"],
                             strict=True):
        if mask & bit:
            mask |= specific
    return mask & 0x0FFFFFFF


def rights(mask: int, kind: str = "file") -> list[str]:
    """Readable rights of an access mask; `kind` is file (NTFS, shares) or ds (AD objects).
    full-control stands alone when every bit of it is set."""
    m = expand_generic(mask, kind)
    table = FILE_RIGHTS if kind == "file" else DS_RIGHTS
    full_bits, full_name = table[0]
    if m & full_bits == full_bits:
        return [full_name]
    return [name for bits, name in table[1:] if m & bits == bits]


def mask_hex(mask: int) -> str:
    return f"0x{mask:08x}"


def ace_text(ace: ACE) -> str:
    """The entry in one line: type;flags;mask;SID (the `ace` key column of ACL tables)."""
    return f"{ace.type};{'|'.join(ace.flags)};{mask_hex(ace.mask)};{ace.sid}"


def object_type_name(guid: str | None) -> str | None:
    if guid is None:
        return None
    return OBJECT_TYPES.get(guid.lower(), guid.lower())
