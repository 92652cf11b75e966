"""Pure DCE/RPC (connection-oriented, [MS-RPCE] / C706) and NDR for the SRVSVC calls we make.

Encoders build the PDUs the transport writes to the `srvsvc` named pipe. The transport decodes
only what it needs to hold the conversation: the PDU framing (fragments, bind ack, faults) and
the share list of NetrShareEnum, whose names it must send back in NetrShareGetInfo. Decoding the
content that becomes rows (a share's path and security descriptor, level 502) belongs to the
collector: collectors/smb/srvsvc.py, over the raw response PDUs kept in the transcript. Nothing
here touches the network.

Why hand-written: smbprotocol (our SMB2/3 client) has no DCE/RPC layer. impacket has srvsvc,
but brings its own SMB stack and a long dependency list (pyOpenSSL, pycryptodomex, ldap3,
flask, ...) for two calls; pysmb is a second SMB client; Samba's python bindings
(samba.dcerpc.srvsvc) come from Debian packages, not from pip, and need the Samba libraries.
Two calls at fixed levels are about 200 lines, tested on responses captured from Samba
(tests/collectors/smb) and against a live Samba server in the lab.

Calls ([MS-SRVS]): NetrShareEnum (opnum 15) at level 1 (name, type, remark) and
NetrShareGetInfo (opnum 16) at level 502 (adds path and the share's security descriptor).
Only little-endian NDR20 with no authentication is spoken; anything else is a DceRpcError.
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass

SRVSVC_UUID = "4b324fc8-1670-01d3-1278-5a47bf6ee188"
SRVSVC_VERSION = (3, 0)
NDR_UUID = "8a885d04-1ceb-11c9-9fe8-08002b104860"
NDR_VERSION = 2

PTYPE_REQUEST, PTYPE_RESPONSE, PTYPE_FAULT = 0, 2, 3
PTYPE_BIND, PTYPE_BIND_ACK, PTYPE_BIND_NAK = 11, 12, 13
PFC_FIRST, PFC_LAST = 0x01, 0x02
DREP_LE = b"\x10\x00\x00\x00"
MAX_FRAG = 4280

OP_SHARE_ENUM = 15
OP_SHARE_GET_INFO = 16

SHARE_TYPES = {0: "disk", 1: "printer", 2: "device", 3: "ipc"}
STYPE_SPECIAL = 0x80000000
STYPE_TEMPORARY = 0x40000000

WERR = {0: "OK", 2: "WERR_FILE_NOT_FOUND", 5: "WERR_ACCESS_DENIED", 50: "WERR_NOT_SUPPORTED",
        87: "WERR_INVALID_PARAMETER", 124: "WERR_INVALID_LEVEL", 234: "WERR_MORE_DATA",
        2310: "NERR_NetNameNotFound"}
FAULTS = {0x1C010002: "nca_s_op_rng_error", 0x1C00001A: "nca_s_fault_ndr",
          0x00000005: "access_denied", 0x000006F7: "rpc_x_bad_stub_data",
          0x1C010003: "nca_s_unk_if"}


class DceRpcError(ValueError):
    """A PDU that is not what this module speaks, or a fault/nak from the server."""


@dataclass(frozen=True)
class ShareInfo:
    name: str
    type: int
    remark: str
    path: str | None = None
    sd: bytes | None = None

    @property
    def kind(self) -> str:
        return SHARE_TYPES.get(self.type & 0x0FFFFFFF, f"0x{self.type:x}")

    @property
    def special(self) -> bool:
        return bool(self.type & STYPE_SPECIAL)


def werr_name(code: int) -> str:
    return WERR.get(code, f"0x{code:08x}")


# --- PDUs ------------------------------------------------------------------------------
def _header(ptype: int, body_len: int, call_id: int) -> bytes:
    return struct.pack("<BBBB4sHHI", 5, 0, ptype, PFC_FIRST | PFC_LAST, DREP_LE,
                       16 + body_len, 0, call_id)


def _syntax(text: str, major: int, minor: int) -> bytes:
    return uuid.UUID(text).bytes_le + struct.pack("<HH", major, minor)


def bind(call_id: int = 1) -> bytes:
    """A bind to SRVSVC v3.0 with the NDR20 transfer syntax, presentation context 0."""
    body = struct.pack("<HHI", MAX_FRAG, MAX_FRAG, 0)
    body += struct.pack("<BBH", 1, 0, 0)  # one context element
    body += struct.pack("<HBB", 0, 1, 0)  # context id 0, one transfer syntax
    body += _syntax(SRVSVC_UUID, *SRVSVC_VERSION) + _syntax(NDR_UUID, NDR_VERSION, 0)
    return _header(PTYPE_BIND, len(body), call_id) + body


def request(opnum: int, stub: bytes, call_id: int) -> bytes:
    body = struct.pack("<IHH", len(stub), 0, opnum) + stub
    return _header(PTYPE_REQUEST, len(body), call_id) + body


@dataclass(frozen=True)
class Fragment:
    ptype: int
    flags: int
    call_id: int
    body: bytes  # everything after the 16-byte common header (auth trailer excluded)


def split_fragments(data: bytes) -> list[Fragment]:
    """The PDUs in `data`, back to back, each checked for version and byte order."""
    out: list[Fragment] = []
    pos = 0
    while pos < len(data):
        if len(data) - pos < 16:
            raise DceRpcError(f"truncated PDU header at byte {pos}")
        vers, minor, ptype, flags, drep, frag_len, auth_len, call_id = struct.unpack_from(
            "<BBBB4sHHI", data, pos)
        if vers != 5 or minor not in (0, 1):
            raise DceRpcError(f"not a DCE/RPC v5 PDU (version {vers}.{minor})")
        if drep[0] & 0xF0 != 0x10:
            raise DceRpcError("big-endian data representation is not supported")
        if frag_len < 16 or pos + frag_len > len(data):
            raise DceRpcError(f"fragment length {frag_len} does not fit the {len(data)} bytes")
        end = pos + frag_len - (auth_len + 8 if auth_len else 0)
        out.append(Fragment(ptype, flags, call_id, data[pos + 16:end]))
        pos += frag_len
    return out


def complete(data: bytes) -> bool:
    """True when `data` holds whole PDUs and the last one closes its call (PFC_LAST_FRAG)."""
    pos, last = 0, False
    while pos + 16 <= len(data):
        frag_len = struct.unpack_from("<H", data, pos + 8)[0]
        if frag_len < 16 or pos + frag_len > len(data):
            return False
        last = bool(data[pos + 3] & PFC_LAST)
        pos += frag_len
    return pos == len(data) and last


def parse_bind_ack(data: bytes) -> None:
    """Raise DceRpcError unless `data` is a bind_ack accepting our one presentation context."""
    frags = split_fragments(data)
    if not frags:
        raise DceRpcError("empty bind answer")
    f = frags[0]
    if f.ptype == PTYPE_BIND_NAK:
        reason = struct.unpack_from("<H", f.body, 0)[0] if len(f.body) >= 2 else -1
        raise DceRpcError(f"bind rejected (bind_nak, reason {reason})")
    if f.ptype != PTYPE_BIND_ACK:
        raise DceRpcError(f"expected bind_ack, got PDU type {f.ptype}")
    sec_len = struct.unpack_from("<H", f.body, 8)[0]
    pos = 10 + sec_len
    pos += -(pos + 16) % 4  # align to 4 counted from the PDU start
    n = f.body[pos]
    if n < 1:
        raise DceRpcError("bind_ack without a result")
    result, reason = struct.unpack_from("<HH", f.body, pos + 4)
    if result != 0:
        raise DceRpcError(f"presentation context rejected (result {result}, reason {reason})")


def response_stub(data: bytes) -> bytes:
    """The stub data of a (possibly fragmented) response; a fault raises DceRpcError."""
    stub = bytearray()
    for f in split_fragments(data):
        if f.ptype == PTYPE_FAULT:
            status = struct.unpack_from("<I", f.body, 8)[0] if len(f.body) >= 12 else 0
            raise DceRpcError(f"fault {FAULTS.get(status, f'0x{status:08x}')}")
        if f.ptype != PTYPE_RESPONSE:
            raise DceRpcError(f"expected a response PDU, got type {f.ptype}")
        stub += f.body[8:]
    return bytes(stub)


# --- NDR encoding ----------------------------------------------------------------------
class _Writer:
    def __init__(self) -> None:
        self.buf = bytearray()
        self._ref = 0x00020000

    def align(self, n: int) -> None:
        self.buf += b"\0" * (-len(self.buf) % n)

    def u32(self, v: int) -> None:
        self.align(4)
        self.buf += struct.pack("<I", v)

    def referent(self) -> None:
        self._ref += 4
        self.u32(self._ref)

    def wstring(self, text: str) -> None:
        """A conformant varying string of wchar_t with its terminating NUL."""
        raw = (text + "\0").encode("utf-16-le")
        n = len(raw) // 2
        self.u32(n)
        self.u32(0)
        self.u32(n)
        self.buf += raw
        self.align(4)


def share_enum_stub(server: str, level: int = 1) -> bytes:
    w = _Writer()
    w.referent()
    w.wstring(server)
    w.u32(level)  # SHARE_ENUM_STRUCT.Level
    w.u32(level)  # union discriminant
    w.referent()  # pointer to the (empty) container
    w.u32(0)  # EntriesRead
    w.u32(0)  # Buffer: null
    w.u32(0xFFFFFFFF)  # PreferedMaximumLength: everything
    w.referent()  # ResumeHandle
    w.u32(0)
    return bytes(w.buf)


def share_get_info_stub(server: str, share: str, level: int = 502) -> bytes:
    w = _Writer()
    w.referent()
    w.wstring(server)
    w.wstring(share)  # [ref] string: no referent id
    w.u32(level)
    return bytes(w.buf)


# --- NDR decoding ----------------------------------------------------------------------
class NdrReader:
    """Little-endian NDR20 primitives over one response stub."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def align(self, n: int) -> None:
        self.pos += -self.pos % n

    def u32(self) -> int:
        self.align(4)
        if self.pos + 4 > len(self.data):
            raise DceRpcError(f"NDR stub ends at byte {len(self.data)}, expected more")
        v: int = struct.unpack_from("<I", self.data, self.pos)[0]
        self.pos += 4
        return v

    def raw(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise DceRpcError(f"NDR array of {n} bytes does not fit the stub")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def wstring(self) -> str:
        max_count, offset, actual = self.u32(), self.u32(), self.u32()
        if offset != 0 or actual > max_count:
            raise DceRpcError(f"bad NDR string header ({max_count}, {offset}, {actual})")
        text = self.raw(actual * 2).decode("utf-16-le", errors="replace")
        return text[:-1] if text.endswith("\0") else text

    def opt_wstring(self, present: int) -> str | None:
        return self.wstring() if present else None


def decode_share_enum(pdu: bytes) -> tuple[list[ShareInfo], int]:
    """NetrShareEnum level 1 response PDU(s) -> (shares, Win32 status)."""
    r = NdrReader(response_stub(pdu))
    level, tag, ptr = r.u32(), r.u32(), r.u32()
    shares: list[ShareInfo] = []
    if ptr:
        if level != 1 or tag != 1:
            raise DceRpcError(f"share enum answered level {level}, asked 1")
        count, buf_ptr = r.u32(), r.u32()
        if buf_ptr:
            max_count = r.u32()
            if max_count < count:
                raise DceRpcError(f"share array of {max_count} for {count} entries")
            heads = [(r.u32(), r.u32(), r.u32()) for _ in range(max_count)]
            for name_p, stype, remark_p in heads[:count]:
                name = r.opt_wstring(name_p) or ""
                remark = r.opt_wstring(remark_p) or ""
                shares.append(ShareInfo(name, stype, remark))
    r.u32()  # TotalEntries
    if r.u32():  # ResumeHandle
        r.u32()
    return shares, r.u32()
