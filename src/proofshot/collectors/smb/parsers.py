"""Pure parsers: the SMB transport's JSON-lines answers in, rows out (generators for big trees)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from proofshot.collectors import ntsd
from proofshot.collectors.base import NotCollected
from proofshot.collectors.smb.srvsvc import decode_share_info_502
from proofshot.model.table import Row
from proofshot.transports import dcerpc


def sid_name(sid: str) -> str:
    if sid.startswith("S-1-22-1-"):
        return f"Unix User\\{sid.rsplit('-', 1)[1]}"
    if sid.startswith("S-1-22-2-"):
        return f"Unix Group\\{sid.rsplit('-', 1)[1]}"
    return ntsd.WELL_KNOWN.get(sid, sid)


def _ace_fields(ace: ntsd.ACE) -> Row:
    """The columns smb_share_acl and smb_acl share for one DACL entry (file rights)."""
    return {"ace": ntsd.ace_text(ace), "type": ace.type, "trustee": sid_name(ace.sid),
            "trustee_sid": ace.sid, "rights": ntsd.rights(ace.mask, "file"),
            "mask": ntsd.mask_hex(ace.mask)}


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


Lines = Iterable[str]  # an answer's stdout line by line (Answer.lines()), never one str


def walk_lines(lines: Lines) -> Iterator[dict[str, object]]:
    if isinstance(lines, str):
        raise TypeError("parsers take lines (Answer.lines()), not one text")
    for line in lines:
        if line.strip():
            yield _json_line(line)


def _json_line(line: str) -> dict[str, object]:
    """One line the SMB transport wrote; anything else is an answer that cannot be read."""
    try:
        obj = json.loads(line)
    except ValueError:
        raise NotCollected(f"answer is not the transport's JSON lines: {line[:60]!r}",
                           "failed") from None
    if not isinstance(obj, dict):
        raise NotCollected(f"answer is not the transport's JSON lines: {line[:60]!r}", "failed")
    return obj


@dataclass(frozen=True)
class Srvsvc:
    """What the srvsvc answer says: the enumerated shares (in order) and, per share, its level
    502 info or why there is none."""

    shares: tuple[dcerpc.ShareInfo, ...]
    info: dict[str, dcerpc.ShareInfo | str]


def srvsvc(text: str) -> Srvsvc:
    """Decode the ("smb-shares",) answer: raw DCE/RPC response PDUs, one JSON line each."""
    shares: tuple[dcerpc.ShareInfo, ...] = ()
    info: dict[str, dcerpc.ShareInfo | str] = {}
    for obj in walk_lines(text.splitlines()):
        raw = _unb64(str(obj["rsp"]))
        if obj["op"] == "bind":
            dcerpc.parse_bind_ack(raw)
        elif obj["op"] == "enum":
            found, status = dcerpc.decode_share_enum(raw)
            if status != 0:
                raise NotCollected(f"NetrShareEnum: {dcerpc.werr_name(status)}", "failed")
            shares = tuple(found)
        elif obj["op"] == "info":
            name = str(obj["share"])
            try:
                one, status = decode_share_info_502(raw)
            except dcerpc.DceRpcError as exc:  # e.g. a fault for this one share
                info[name] = str(exc)
                continue
            info[name] = one if status == 0 and one is not None else dcerpc.werr_name(status)
    return Srvsvc(shares, info)


def share_acl_state(sv: Srvsvc | None, share: str) -> str | None:
    if sv is None:
        return None
    one = sv.info.get(share)
    if one is None:
        return "not enumerated"
    if isinstance(one, str):
        return one
    return "read" if one.sd else "no descriptor"


def share_row(text: str, sv: Srvsvc | None = None) -> Row:
    lines = text.strip().splitlines()
    if not lines:
        raise NotCollected("empty answer to the share query", "failed")
    info = _json_line(lines[0])
    return tree_row(info, sv)


def tree_row(info: dict[str, object], sv: Srvsvc | None, share: str | None = None) -> Row:
    name = share or str(info["share"])
    enum = {s.name: s for s in sv.shares} if sv else {}
    sh = enum.get(name)
    return {"share": name, "dfs": bool(info.get("dfs")) if info else None,
            "encrypted": bool(info.get("encrypt")) if info else None,
            "continuous_availability": bool(info.get("ca")) if info else None,
            "type": sh.kind if sh else None, "special": sh.special if sh else None,
            "remark": (sh.remark or None) if sh else None,
            "share_acl": share_acl_state(sv, name)}


def share_acl(sv: Srvsvc, shares: list[str] | None = None) -> Iterator[Row]:
    """One row per ACE of each share's level 502 security descriptor (all shares, or those)."""
    for name, one in sv.info.items():
        if shares is not None and name not in shares:
            continue
        if isinstance(one, str) or not one.sd:
            continue
        sd = ntsd.parse_sd(one.sd)
        for i, ace in enumerate(sd.dacl or ()):
            yield {"share": name, **_ace_fields(ace), "position": i}


def walk_all_shares(sv: Srvsvc, lines: Lines) -> Iterator[Row]:
    """smb_shares rows when the scope declares no shares: every enumerated share, with the tree
    connect facts of those the walk connected to."""
    trees: dict[str, dict[str, object]] = {}
    for obj in walk_lines(lines):
        if "p" not in obj and "s" in obj:
            tree = obj.get("tree")
            trees[str(obj["s"])] = tree if isinstance(tree, dict) else {}
    for sh in sv.shares:
        yield tree_row(trees.get(sh.name, {}), sv, sh.name)


Walk = dict[str, object]  # one line of a walk answer, parsed


def per_share(fn: Callable[[str, Walk], Iterator[Row]], lines: Lines) -> Iterator[Row]:
    """Rows of the walk-all answer: each directory line (it carries its share as "s") goes
    to `fn` with its share, one line at a time, so the answer is never held whole."""
    for obj in walk_lines(lines):
        if "p" in obj:
            yield from fn(str(obj["s"]), obj)


def per_line(fn: Callable[[str, Walk], Iterator[Row]], share: str, lines: Lines
             ) -> Iterator[Row]:
    """Rows of one share's walk answer, line by line."""
    for obj in walk_lines(lines):
        yield from fn(share, obj)


def dirs(share: str, lines: Lines) -> Iterator[Row]:
    return per_line(dir_row, share, lines)


def acl(share: str, lines: Lines) -> Iterator[Row]:
    return per_line(acl_rows, share, lines)


def dir_row(share: str, obj: Walk) -> Iterator[Row]:
    """The smb_dirs row of one walked directory."""
    path, depth = str(obj["p"]), int(str(obj["d"]))
    if "sd" not in obj:
        yield {"share": share, "path": path, "depth": depth, "owner": None, "group": None,
               "protected": None, "aces": None, "error": str(obj.get("err") or "no descriptor")}
        return
    sd = ntsd.parse_sd(_unb64(str(obj["sd"])))
    yield {"share": share, "path": path, "depth": depth,
           "owner": sid_name(sd.owner) if sd.owner else None,
           "group": sid_name(sd.group) if sd.group else None,
           "protected": sd.protected, "aces": None if sd.dacl is None else len(sd.dacl),
           "error": None}


def acl_rows(share: str, obj: Walk) -> Iterator[Row]:
    """The smb_acl rows (owner, then the DACL in order) of one walked directory."""
    if "sd" not in obj:
        return
    path = str(obj["p"])
    sd = ntsd.parse_sd(_unb64(str(obj["sd"])))
    if sd.owner:
        yield {"share": share, "path": path, "ace": f"owner;;;{sd.owner}", "type": "owner",
               "trustee": sid_name(sd.owner), "trustee_sid": sd.owner, "rights": ["owner"],
               "mask": None, "flags": None, "inherited": False}
    for i, ace in enumerate(sd.dacl or ()):
        yield {"share": share, "path": path, **_ace_fields(ace),
               "flags": "|".join(ace.flags) or None, "inherited": ace.inherited,
               "position": i}
