"""Pure parsers: the SMB transport's JSON-lines answers in, rows out (generators for big trees)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

from proofshot.collectors import ntsd
from proofshot.model.table import Row


def sid_name(sid: str) -> str:
    if sid.startswith("S-1-22-1-"):
        return f"Unix User\\{sid.rsplit('-', 1)[1]}"
    if sid.startswith("S-1-22-2-"):
        return f"Unix Group\\{sid.rsplit('-', 1)[1]}"
    return ntsd.WELL_KNOWN.get(sid, sid)


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def walk_lines(text: str) -> Iterator[dict[str, object]]:
    for line in text.splitlines():
        if line.strip():
            yield json.loads(line)


def share_row(text: str) -> Row:
    info = json.loads(text.strip().splitlines()[0])
    return {"share": info["share"], "dfs": bool(info.get("dfs")),
            "encrypted": bool(info.get("encrypt")), "continuous_availability": bool(info.get("ca")),
            "share_acl": None}


def dirs(share: str, text: str) -> Iterator[Row]:
    for obj in walk_lines(text):
        path, depth = str(obj["p"]), int(str(obj["d"]))
        if "sd" not in obj:
            yield {"share": share, "path": path, "depth": depth, "owner": None, "group": None,
                   "protected": None, "aces": None, "error": str(obj.get("err") or "no descriptor")}
            continue
        sd = ntsd.parse_sd(_unb64(str(obj["sd"])))
        yield {"share": share, "path": path, "depth": depth,
               "owner": sid_name(sd.owner) if sd.owner else None,
               "group": sid_name(sd.group) if sd.group else None,
               "protected": sd.protected, "aces": None if sd.dacl is None else len(sd.dacl),
               "error": None}


def acl(share: str, text: str) -> Iterator[Row]:
    for obj in walk_lines(text):
        if "sd" not in obj:
            continue
        path = str(obj["p"])
        sd = ntsd.parse_sd(_unb64(str(obj["sd"])))
        if sd.owner:
            yield {"share": share, "path": path, "ace": f"owner;;;{sd.owner}", "type": "owner",
                   "trustee": sid_name(sd.owner), "trustee_sid": sd.owner, "rights": ["owner"],
                   "mask": None, "flags": None, "inherited": False}
        for ace in sd.dacl or ():
            flags = "|".join(ace.flags)
            yield {"share": share, "path": path,
                   "ace": f"{ace.type};{flags};{ntsd.mask_hex(ace.mask)};{ace.sid}",
                   "type": ace.type, "trustee": sid_name(ace.sid), "trustee_sid": ace.sid,
                   "rights": ntsd.rights(ace.mask, "file"), "mask": ntsd.mask_hex(ace.mask),
                   "flags": flags or None, "inherited": ace.inherited}
