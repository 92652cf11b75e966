"""Pure: the hand-written DCE/RPC + NDR of srvsvc against answers captured from Samba 4.17."""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path

import pytest

from proofshot.collectors.smb import parsers as SP
from proofshot.collectors.smb.srvsvc import decode_share_info_502
from proofshot.transports import dcerpc

FIXTURE = Path(__file__).parent / "fixtures" / "srvsvc_samba-4.17.12.jsonl"


def _pdus() -> dict[str, bytes]:
    out = {}
    for line in FIXTURE.read_text().splitlines():
        obj = json.loads(line)
        rsp = obj["rsp"]
        out[obj.get("share", obj["op"])] = base64.b64decode(rsp + "=" * (-len(rsp) % 4))
    return out


def test_bind_request_layout() -> None:
    pdu = dcerpc.bind(1)
    assert pdu[:4] == b"\x05\x00\x0b\x03" and struct.unpack_from("<H", pdu, 8)[0] == len(pdu)
    assert pdu[32:48] == bytes.fromhex("c84f324b7016d30112785a47bf6ee188")
    assert struct.unpack_from("<HH", pdu, 48) == (3, 0)
    assert pdu[52:68] == bytes.fromhex("045d888aeb1cc9119fe808002b104860")


def test_request_stubs() -> None:
    stub = dcerpc.share_get_info_stub(r"\\h", "public")
    # unique server name, [ref] share name (no referent), level 502
    assert stub[:4] != b"\0\0\0\0" and struct.unpack_from("<I", stub, len(stub) - 4)[0] == 502
    assert "public\0".encode("utf-16-le") in stub
    assert len(dcerpc.share_enum_stub(r"\\h")) % 4 == 0
    req = dcerpc.request(15, b"abcd", 7)
    assert req[2] == 0 and struct.unpack_from("<IHH", req, 16) == (4, 0, 15)


def test_decode_captured_samba_answers() -> None:
    pdus = _pdus()
    dcerpc.parse_bind_ack(pdus["bind"])
    shares, status = dcerpc.decode_share_enum(pdus["enum"])
    assert status == 0
    assert [(s.name, s.kind, s.special) for s in shares] == [
        ("public", "disk", False), ("IPC$", "ipc", True)]
    info, status = decode_share_info_502(pdus["public"])
    assert status == 0 and info is not None and info.sd
    assert info.path == r"C:\home\.proofshot\files\public"
    sv = SP.srvsvc(FIXTURE.read_text())
    rows = {r["trustee_sid"]: r for r in SP.share_acl(sv)}
    assert rows["S-1-1-0"]["rights"] == ["full-control"] and rows["S-1-1-0"]["share"] == "IPC$"
    pub = {r["trustee_sid"]: r["rights"] for r in SP.share_acl(sv, ["public"])}
    assert pub == {"S-1-1-0": ["full-control"], "S-1-5-32-545": ["read", "execute"]}
    assert sorted(r["position"] for r in SP.share_acl(sv, ["public"])) == [0, 1]
    assert SP.share_acl_state(sv, "public") == "read"


def test_denied_fault_and_garbage() -> None:
    # NetrShareGetInfo answered WERR_ACCESS_DENIED: union tag, null pointer, status 5
    stub = struct.pack("<III", 502, 0, 5)
    body = struct.pack("<IHBB", len(stub), 0, 0, 0) + stub
    pdu = struct.pack("<BBBB4sHHI", 5, 0, 2, 3, b"\x10\0\0\0", 16 + len(body), 0, 3) + body
    assert decode_share_info_502(pdu) == (None, 5)
    line = json.dumps({"op": "info", "share": "x",
                       "rsp": base64.b64encode(pdu).decode()})
    assert SP.share_acl_state(SP.srvsvc(line), "x") == "WERR_ACCESS_DENIED"
    fault = struct.pack("<BBBB4sHHI", 5, 0, 3, 3, b"\x10\0\0\0", 32, 0, 3)
    fault += struct.pack("<IHBBII", 0, 0, 0, 0, 0x1C010002, 0)
    with pytest.raises(dcerpc.DceRpcError, match="op_rng"):
        dcerpc.response_stub(fault)
    with pytest.raises(dcerpc.DceRpcError):
        dcerpc.decode_share_enum(b"\x05\x00\x02\x03\x10\0\0\0\xff\x00")
    with pytest.raises(dcerpc.DceRpcError):
        dcerpc.decode_share_enum(_pdus()["enum"][:-8].replace(b"\xf0\x00", b"\xe8\x00", 1))
    assert dcerpc.complete(_pdus()["enum"]) and not dcerpc.complete(_pdus()["enum"][:40])
