"""NetrShareGetInfo level 502 answers ([MS-SRVS] SHARE_INFO_502) decoded from the raw response
PDUs the transport kept in the transcript: a share's path and its share-level security
descriptor. Pure (bytes in, records out); the PDU framing is transports/dcerpc.py's."""

from __future__ import annotations

from proofshot.transports.dcerpc import DceRpcError, NdrReader, ShareInfo, response_stub


def decode_share_info_502(pdu: bytes) -> tuple[ShareInfo | None, int]:
    """NetrShareGetInfo level 502 response PDU(s) -> (share or None, Win32 status)."""
    r = NdrReader(response_stub(pdu))
    tag, ptr = r.u32(), r.u32()
    info: ShareInfo | None = None
    if ptr:
        if tag != 502:
            raise DceRpcError(f"share info answered level {tag}, asked 502")
        name_p, stype, remark_p = r.u32(), r.u32(), r.u32()
        r.u32()  # permissions
        r.u32()  # max uses
        r.u32()  # current uses
        path_p, passwd_p, sd_len, sd_p = r.u32(), r.u32(), r.u32(), r.u32()
        name = r.opt_wstring(name_p) or ""
        remark = r.opt_wstring(remark_p) or ""
        path = r.opt_wstring(path_p)
        r.opt_wstring(passwd_p)
        sd: bytes | None = None
        if sd_p:
            n = r.u32()
            if n != sd_len:
                raise DceRpcError(f"security descriptor of {n} bytes, announced {sd_len}")
            sd = r.raw(n)
        info = ShareInfo(name, stype, remark, path, sd or None)
    return info, r.u32()
