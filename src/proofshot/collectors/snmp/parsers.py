"""Pure parsers: Net-SNMP walk text in, varbinds and rows out. No I/O here.

Input is the stdout of `snmpbulkwalk|snmpget -On -Oe -Ox` (see transports/snmp.py):

    .1.3.6.1.2.1.1.5.0 = Hex-STRING: 76 6D
    .1.3.6.1.2.1.1.3.0 = Timeticks: (504) 0:00:05.04
    .1.3.6.1.2.1.2.2.1.6.1 = ""
    .1.0.8802.1.1.2.1.4.1 = No Such Object available on this agent at this OID

Hex strings longer than 16 bytes continue on following lines that hold only hex bytes. A
`STRING: "..."` value (an agent or tool that ignores -Ox) is accepted too, with its
continuation lines. Anything unparseable is skipped, never raised: a broken agent gives fewer
rows, not a crashed scan.

Octet strings become text when they are UTF-8 (trailing NULs dropped, control characters as
\\xNN); other bytes are kept readable and lossless with backslash escapes.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_TYPED = re.compile(r"^([A-Za-z][A-Za-z0-9 -]*?): ?(.*)$", re.DOTALL)
_EXCEPTIONS = (
    "No Such Object available",
    "No Such Instance currently exists",
    "No more variables left in this MIB View",
)


@dataclass(frozen=True, slots=True)
class Value:
    """One SNMP value as printed: type (INTEGER, Hex-STRING, STRING, OID, Counter32, ...)
    and the text after the type. An empty OCTET STRING has type "STRING" and raw ""."""

    type: str
    raw: str


Varbind = tuple[str, Value]


@dataclass
class Walk:
    varbinds: list[Varbind]
    exceptions: list[tuple[str, str]]  # (oid, "No Such Object ..." text)

    def under(self, prefix: str) -> list[Varbind]:
        p = prefix.lstrip(".") + "."
        return [(o, v) for o, v in self.varbinds if o.startswith(p)]


def parse_walk(text: str) -> Walk:
    varbinds: list[Varbind] = []
    exceptions: list[tuple[str, str]] = []
    cur_oid: str | None = None
    cur_parts: list[str] = []

    def flush() -> None:
        if cur_oid is None:
            return
        val = _value("\n".join(cur_parts))
        if val is None:
            exceptions.append((cur_oid, cur_parts[0].strip()))
        else:
            varbinds.append((cur_oid, val))

    for line in text.split("\n"):
        oid_text = None
        if line[:1] in ".0123456789" and not (cur_oid is not None and _open_quote(cur_parts)):
            head, sep, rest = line.partition(" = ")
            body = head[1:] if head[:1] == "." else head
            if sep and body and body.replace(".", "").isdigit() and ".." not in body:
                oid_text = body
        if oid_text is not None:
            flush()
            cur_oid, cur_parts = oid_text, [rest]
        elif cur_oid is not None and (line != "" or _open_quote(cur_parts)):
            cur_parts.append(line)
    flush()
    return Walk(varbinds, exceptions)


def _open_quote(parts: list[str]) -> bool:
    """Inside a STRING: "..." value whose closing quote has not come yet."""
    first = parts[0]
    if not first.startswith("STRING: \""):
        return False
    body = "\n".join(parts)[len("STRING: "):]
    return not _closed(body)


def _closed(body: str) -> bool:
    if len(body) < 2 or not body.startswith('"'):
        return True
    i = 1
    while i < len(body):
        c = body[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return True
        i += 1
    return False


_FAST_TYPES = frozenset({"INTEGER", "Counter32", "Counter64", "Gauge32", "Timeticks", "OID",
                         "IpAddress", "Hex-STRING", "STRING", "Opaque", "Network Address",
                         "BITS", "UInteger32", "Unsigned32", "NULL"})


def _value(text: str) -> Value | None:
    text = text.rstrip("\n")
    typ, sep, raw = text.partition(": ")
    if sep and typ in _FAST_TYPES and "\n" not in text:
        return Value(typ, " ".join(raw.split()) if typ == "Hex-STRING" else
                     (raw if typ == "STRING" else raw.strip()))
    if text == '""':
        return Value("STRING", "")
    if any(text.startswith(e) for e in _EXCEPTIONS):
        return None
    m = _TYPED.match(text)
    if not m:
        return Value("", text.strip())
    typ, raw = m.group(1), m.group(2)
    if typ == "Hex-STRING":
        raw = " ".join(raw.split())
    elif typ != "STRING":
        raw = raw.strip()
    return Value(typ, raw)


# --- value decoders -------------------------------------------------------------------------

def octets(v: Value | None) -> bytes | None:
    if v is None:
        return None
    if v.type == "Hex-STRING":
        try:
            return bytes.fromhex(v.raw)
        except ValueError:
            return None
    if v.type == "STRING":
        raw = v.raw
        if len(raw) >= 2 and raw.startswith('"') and raw.endswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1], flags=re.DOTALL)
        return raw.encode("utf-8", "surrogateescape")
    return None


def decode_text(data: bytes) -> str:
    data = data.rstrip(b"\0")
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError:
        s = data.decode("utf-8", "backslashreplace")
    return "".join(c if (c >= " " or c in "\t\n\r") and c != "\x7f" else f"\\x{ord(c):02x}"
                   for c in s)


def text(v: Value | None) -> str | None:
    """Octet strings as text; numbers, OIDs and addresses as printed; None when absent."""
    if v is None:
        return None
    b = octets(v)
    if b is not None:
        return decode_text(b)
    if v.type == "OID":
        return v.raw.lstrip(".")
    if v.type == "Timeticks":
        n = integer(v)
        return str(n) if n is not None else v.raw
    return v.raw


def nonempty(s: str | None) -> str | None:
    return s if s not in (None, "") else None


def integer(v: Value | None) -> int | None:
    if v is None:
        return None
    raw = v.raw
    if v.type == "Timeticks":
        m = re.match(r"\((\d+)\)", raw)
        return int(m.group(1)) if m else None
    if v.type in ("Hex-STRING", "STRING", "OID", "IpAddress"):
        return None
    m = re.search(r"\((-?\d+)\)\s*$", raw)  # enum name(1) when a tool prints names
    if m:
        return int(m.group(1))
    m = re.match(r"-?\d+", raw)
    return int(m.group(0)) if m else None


def oid(v: Value | None) -> str | None:
    if v is None or v.type != "OID":
        return None
    return v.raw.lstrip(".")


def mac(v: Value | None) -> str | None:
    b = octets(v)
    if not b:
        return None
    return ":".join(f"{x:02x}" for x in b)


def ip_from_bytes(b: bytes) -> str | None:
    if len(b) == 4:
        return str(ipaddress.IPv4Address(b))
    if len(b) == 16:
        return str(ipaddress.IPv6Address(b))
    if len(b) in (8, 20):  # ipv4z / ipv6z: address + 4-byte zone index
        base = ip_from_bytes(b[:-4])
        return f"{base}%{int.from_bytes(b[-4:], 'big')}" if base else None
    return None


def ip(v: Value | None) -> str | None:
    if v is None:
        return None
    if v.type == "IpAddress":
        return v.raw
    b = octets(v)
    return ip_from_bytes(b) if b is not None else None


def date_and_time(v: Value | None) -> str | None:
    """SNMPv2-TC DateAndTime (8 or 11 octets) as ISO 8601; None when absent or all zero."""
    b = octets(v)
    if not b or len(b) not in (8, 11) or not any(b):
        return None
    year = int.from_bytes(b[0:2], "big")
    s = f"{year:04d}-{b[2]:02d}-{b[3]:02d}T{b[4]:02d}:{b[5]:02d}:{b[6]:02d}"
    if len(b) == 11:
        sign = chr(b[8]) if chr(b[8]) in "+-" else "+"
        s += f"{sign}{b[9]:02d}:{b[10]:02d}"
    return s


# --- tables ---------------------------------------------------------------------------------

Columns = dict[int, Value]


def table(varbinds: Iterable[Varbind], entry: str) -> dict[str, Columns]:
    """Rows of a conceptual table under `entry` (the xxxEntry OID): index suffix -> column -> value.

    Rows come out in numeric index order, so the output does not depend on the agent's order.
    """
    p = entry.lstrip(".") + "."
    rows: dict[str, Columns] = {}
    for o, v in varbinds:
        if not o.startswith(p):
            continue
        colnum, _, index = o[len(p):].partition(".")
        if not colnum.isdigit() or not index:
            continue
        rows.setdefault(index, {})[int(colnum)] = v
    return dict(sorted(rows.items(), key=lambda kv: index_key(kv[0])))


def index_key(index: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in index.split("."))
    except ValueError:
        return ()


def scalars(varbinds: Iterable[Varbind], group: str) -> dict[int, Value]:
    """Scalars of a group (e.g. system 1.3.6.1.2.1.1): column -> value of `<group>.<n>.0`."""
    p = group.lstrip(".") + "."
    out: dict[int, Value] = {}
    for o, v in varbinds:
        if o.startswith(p):
            rest = o[len(p):]
            n, _, tail = rest.partition(".")
            if n.isdigit() and tail == "0":
                out[int(n)] = v
    return out


def split_index(index: str) -> list[int]:
    return [int(x) for x in index.split(".") if x.isdigit()]


def take_octets(arcs: list[int], pos: int, length: int | None = None) -> tuple[bytes, int] | None:
    """Read an OCTET STRING from index arcs: length-prefixed unless `length` is given."""
    if length is None:
        if pos >= len(arcs):
            return None
        length = arcs[pos]
        pos += 1
    if pos + length > len(arcs) or any(a > 255 for a in arcs[pos:pos + length]):
        return None
    return bytes(arcs[pos:pos + length]), pos + length


def enum(value: int | None, names: Mapping[int, str]) -> str | None:
    if value is None:
        return None
    return names.get(value, str(value))
