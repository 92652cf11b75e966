"""Windows' access check over one DACL, as the access view needs it (pure).

[MS-DTYP] 2.5.3.2 walks the DACL in order; for each right, the first entry that applies to the
caller and names it decides: a deny entry denies what was not granted before it, an allow entry
grants what was not denied before it. So a deny on a group the user is in takes a right away
only when it comes before the allow (the canonical order puts explicit denies first, then
explicit allows, then inherited denies and allows).

What applies to the object itself: not inherit-only (IO) entries, which only pass down; not
CREATOR OWNER / CREATOR GROUP (S-1-3-0/1), which are templates for children; audit and alarm
entries grant nothing. Callback (conditional) entries are taken as unconditional.

The owner (the owner SID is in the caller's token) holds READ_CONTROL and WRITE_DAC before the
walk, so no deny takes them away, unless the DACL has an OWNER RIGHTS (S-1-3-4) entry: then
those entries, evaluated in order like any other, say what the owner may do.

A source is one allow entry and the rights it gives the caller: the bits of its mask that no
deny before it took away. A right is granted iff it has a source, and every source is one the
right would survive on alone (an earlier allow that makes a later deny moot does not make the
later allow a source). Object entries of AD (limited to a property, a class or an extended
right) are kept apart by object type; a deny limited to one object type before an allow of all
of them shows as "right(except type)". Property sets are not expanded into their properties.

Positions come from the tables' `position` column; rows without one (snapshots taken before it
existed) are put in canonical order, which is the order Windows writes.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from proofshot.collectors import ntsd

READ_CONTROL = 0x00020000
WRITE_DAC = 0x00040000
OWNER_IMPLIED = READ_CONTROL | WRITE_DAC
FILE_READ_DATA = 0x00000001
CREATOR = frozenset({"S-1-3-0", "S-1-3-1"})  # CREATOR OWNER, CREATOR GROUP
OWNER_RIGHTS = "S-1-3-4"
EVERYONE = "S-1-1-0"
FILE_ALL = 0x001F01FF
NULL_DACL = "no DACL: everyone has full control"


@dataclass(frozen=True)
class Entry:
    """One DACL entry that applies to the object itself."""

    position: int
    allow: bool
    sid: str
    mask: int  # generic rights mapped
    object_type: str | None
    label: str  # "ACE allow;OI|CI;0x001301ff": type, flags and mask of the `ace` text


@dataclass(frozen=True)
class Dacl:
    """The entries of one object in evaluation order, and its owner."""

    entries: tuple[Entry, ...]
    owner: str | None

    @property
    def sids(self) -> frozenset[str]:
        return frozenset(e.sid for e in self.entries)

    @property
    def owner_rights_entry(self) -> bool:
        return any(e.sid == OWNER_RIGHTS for e in self.entries)


@dataclass(frozen=True)
class Source:
    entry: Entry
    bits: int
    exceptions: tuple[tuple[str, int], ...] = ()  # (object type, bits denied for it before)


def ace_label(ace: str) -> str:
    """"ACE type;flags;mask" from an `ace` key text (type;flags;mask;SID...)."""
    return "ACE " + ";".join(ace.split(";")[:3])


def _canonical(r: Mapping[str, Any]) -> int:
    return (2 if r.get("inherited") else 0) + (0 if str(r.get("type")).startswith("deny") else 1)


def dacl(rows: Iterable[Mapping[str, Any]], kind: str = "file", null: bool = False) -> Dacl:
    """The rows of one object (smb_acl of one path, ad_acl of one object, smb_share_acl of one
    share) as a Dacl; `kind` is file or ds (how generic rights map). `null`: the object has no
    DACL at all, which Windows reads as full control for everyone (an empty DACL is the
    opposite: nothing for anyone)."""
    owner = None
    keep: list[Mapping[str, Any]] = []
    for r in rows:
        typ = str(r.get("type") or "")
        if typ == "owner":
            owner = str(r["trustee_sid"])
        elif (typ.startswith(("allow", "deny")) and "IO" not in str(r.get("flags") or "").split("|")
              and r["trustee_sid"] not in CREATOR):
            keep.append(r)
    keep.sort(key=lambda r: (r["position"], 0, "") if r.get("position") is not None
              else (-1, _canonical(r), str(r["ace"])))
    if null:
        return Dacl((Entry(0, True, EVERYONE, FILE_ALL, None, NULL_DACL),), owner)
    out = []
    for i, r in enumerate(keep):
        ace = str(r["ace"])
        mask = int(ace.split(";")[2], 16)
        out.append(Entry(i, str(r["type"]).startswith("allow"), str(r["trustee_sid"]),
                         ntsd.expand_generic(mask, kind), r.get("object_type"), ace_label(ace)))
    return Dacl(tuple(out), owner)


def sources(d: Dacl, token: Collection[str]) -> list[Source]:
    """The allow entries that give the caller with these SIDs rights, in DACL order. The owner
    SID in the token brings OWNER RIGHTS (S-1-3-4) entries in; the implicit owner rights are
    `owner_bits`."""
    is_owner = d.owner is not None and d.owner in token
    denied = 0
    denied_ot: dict[str, int] = {}
    out = []
    for e in d.entries:
        if e.sid not in token and not (is_owner and e.sid == OWNER_RIGHTS):
            continue
        if not e.allow:
            if e.object_type is None:
                denied |= e.mask
            else:
                denied_ot[e.object_type] = denied_ot.get(e.object_type, 0) | e.mask
            continue
        bits = e.mask & ~denied
        exceptions: tuple[tuple[str, int], ...] = ()
        if e.object_type is not None:
            bits &= ~denied_ot.get(e.object_type, 0)
        elif denied_ot:
            exceptions = tuple(sorted((ot, m & bits) for ot, m in denied_ot.items() if m & bits))
        if bits:
            out.append(Source(e, bits, exceptions))
    return out


def owner_bits(d: Dacl, token: Collection[str]) -> int:
    """READ_CONTROL | WRITE_DAC when the caller is the owner and no OWNER RIGHTS entry says
    otherwise, else 0."""
    if d.owner is None or d.owner not in token or d.owner_rights_entry:
        return 0
    return OWNER_IMPLIED


@functools.lru_cache(maxsize=4096)
def names(bits: int, kind: str = "file", object_type: str | None = None,
          exceptions: tuple[tuple[str, int], ...] = ()) -> tuple[str, ...]:
    """Readable rights of granted bits (ntsd's names; full-control stands alone). For files
    READ_CONTROL, which has no name there, is named read-control when no read right implies it.
    An object type qualifies each name: write-property(member)."""
    table = ntsd.FILE_RIGHTS if kind == "file" else ntsd.DS_RIGHTS
    full_bits, full_name = table[0]
    if bits & full_bits == full_bits:
        named = [(full_name, full_bits)]
    else:
        named = [(n, b) for b, n in table[1:] if bits & b == b]
        if kind == "file" and bits & READ_CONTROL and not bits & FILE_READ_DATA:
            named.append(("read-control", READ_CONTROL))
    out = []
    for n, b in named:
        q = f"{n}({object_type})" if object_type else n
        but = sorted(ot for ot, m in exceptions if m & b)
        out.append(f"{q}(except {', '.join(but)})" if but else q)
    return tuple(out)


def components(right: str, kind: str = "file") -> tuple[str, ...]:
    """A right with the narrower rights it stands for: full-control with every other name of
    its table (so a drop from full control to read is lost rights, not read gained)."""
    if right != "full-control":
        return (right,)
    table = ntsd.FILE_RIGHTS if kind == "file" else ntsd.DS_RIGHTS
    return (right, *(n for _b, n in table[1:]))
