"""File inventory: `find -printf` metadata, `sha256sum -z` hashes, `grep -I -H -Z ''` text.
Where python3 runs on the target, one walk answers the metadata and the hashes together: the
header record `psw1`, then records of the 8 `find` fields and the SHA-256 ('' for none)."""

from __future__ import annotations

import math
import re

from proofshot.collectors.linux.parsers.common import to_int, to_real
from proofshot.model.table import Row

TYPES = {"f": "file", "d": "dir", "l": "link", "p": "fifo", "s": "socket", "c": "char",
         "b": "block", "D": "door"}
_FIELDS = 8
WALK_HEADER = "psw1\0"
_HASH_RE = re.compile(r"^\\?([0-9a-f]{64}) [ *](.+)$", re.S)
_MODE_RE = re.compile(r"^[0-7]{1,4}$")
_MODES_RE = re.compile(r"(?:[0-7]{1,4}\0)*[0-7]{1,4}")  # the mode column joined by NULs
_TYPE_KEYS = frozenset(TYPES)
_SHA_RE = re.compile(r"(?:[0-9a-f]{64})?")
_SHAS_RE = re.compile(r"(?:[0-9a-f]{64})?(?:\0(?:[0-9a-f]{64})?)*")
_SHA_ALL_RE = re.compile(r"(?:[0-9a-f]{64}  [^\0]+\0)*")
_SHA_REC_RE = re.compile(r"([0-9a-f]{64})  ([^\0]+)\0")
# what common.nul_records reads: a path up to NUL, a line up to newline or the end
_TEXT_REC_RE = re.compile(r"([^\0]*)\0([^\n]*)\n?")


def parse_meta(text: str) -> list[Row]:
    """Records of 8 NUL-terminated fields: type, path, mode, owner, group, size, link, mtime.
    A record that does not fit is skipped by resynchronising on the next type field.

    Column-wise when the answer is regular (every record fits, no path twice, every size an
    integer and every mtime a finite number), which it is unless find printed something odd:
    each check then runs once over a whole column in C, not once per value; otherwise the
    record-by-record parser below."""
    return parse_walk(text)[0]


def parse_walk(text: str) -> tuple[list[Row], dict[str, str] | None]:
    """The metadata rows and, when the answer is the walker's (header `psw1`), its hashes:
    path -> SHA-256 of the files it could read (the ninth field of a record)."""
    if not text.startswith(WALK_HEADER):
        fields = text.split("\0")
        rows = _parse_meta_columns(fields)
        return (rows if rows is not None else _parse_meta_resync(fields)), None
    fields = text[len(WALK_HEADER):].split("\0")
    width = _FIELDS + 1
    rows = _parse_meta_columns(fields, width)
    if rows is not None:
        end = len(fields) - 1
        pairs = zip(fields[1:end:width], fields[8:end:width], strict=True)
        return rows, {p: h for p, h in pairs if h}
    rows = _parse_meta_resync(fields, width)
    hashes: dict[str, str] = {}
    for rec in rows:
        sha = rec.pop("_sha")
        if sha:
            hashes.setdefault(rec["path"], sha)
    return rows, hashes


def _parse_meta_columns(fields: list[str], width: int = _FIELDS) -> list[Row] | None:
    """The rows of a regular answer, else None. `width` 9: the walker's records (every
    ninth field empty or a SHA-256, read by the caller)."""
    n = len(fields) // width
    end = n * width  # the last field is the empty one after the final NUL
    if len(fields) != end + 1 or fields[-1]:
        return None
    types, paths, modes = fields[0:end:width], fields[1:end:width], fields[2:end:width]
    if not (set(types) <= _TYPE_KEYS
            and ("\0" + "\0".join(paths)).count("\0/") == n
            and _MODES_RE.fullmatch("\0".join(modes))
            and len(set(paths)) == n):
        return None
    try:
        sizes = [int(v) for v in fields[5:end:width]]
        mtimes = [float(v) for v in fields[7:end:width]]
    except ValueError:
        return None
    if not all(map(math.isfinite, mtimes)):
        return None
    shas = fields[8:end:width] if width != _FIELDS else None
    if shas is not None and not _SHAS_RE.fullmatch("\0".join(shas)):
        return None
    return [
        {
            "path": path,
            "type": TYPES[ftype],
            "mode": mode.zfill(4),
            "owner": owner or None,
            "group": group or None,
            "size": None if ftype == "d" else size,
            "link_target": link if ftype == "l" else None,
            "mtime": mtime,
        }
        for ftype, path, mode, owner, group, size, link, mtime in zip(
            types, paths, modes, fields[3:end:width], fields[4:end:width], sizes,
            fields[6:end:width], mtimes, strict=True)
    ]


def _parse_meta_resync(fields: list[str], width: int = _FIELDS) -> list[Row]:
    rows: list[Row] = []
    seen: set[str] = set()
    i = 0
    while i + width <= len(fields):
        rec = fields[i : i + width]
        ftype, path, mode = rec[0], rec[1], rec[2]
        if ftype not in TYPES or not path.startswith("/") or not _MODE_RE.match(mode) or (
                width != _FIELDS and not _SHA_RE.fullmatch(rec[8])):
            i += 1
            continue
        i += width
        if path in seen:
            continue
        seen.add(path)
        kind = TYPES[ftype]
        rows.append({
            "path": path,
            "type": kind,
            "mode": mode.zfill(4),
            "owner": rec[3] or None,
            "group": rec[4] or None,
            "size": None if kind == "dir" else to_int(rec[5]),
            "link_target": rec[6] if kind == "link" else None,
            "mtime": to_real(rec[7]),
        })
        if width != _FIELDS:
            rows[-1]["_sha"] = rec[8]
    return rows


def parse_sha256(text: str) -> dict[str, str]:
    """`sha256sum -z`: `HASH  PATH\\0` records -> path -> hash (the first, if a path repeats).
    An answer of plain records only (the usual one) is checked by one regex and split by
    another; anything else goes record by record."""
    if _SHA_ALL_RE.fullmatch(text):
        return {p: h for h, p in reversed(_SHA_REC_RE.findall(text))}
    out: dict[str, str] = {}
    for rec in text.split("\0"):
        m = _HASH_RE.match(rec.lstrip("\n"))
        if m:
            out.setdefault(m.group(2), m.group(1))
    return out


def parse_text(text: str) -> dict[str, str]:
    """`grep -I -H -Z ''` records -> path -> text (lines joined, each ending in newline).
    Records are `PATH\\0LINE\\n` (a path may hold newlines), split by one regex."""
    lines: dict[str, list[str]] = {}
    for path, line in _TEXT_REC_RE.findall(text):
        if path:
            lines.setdefault(path, []).append(line)
    return {path: "\n".join(ls) + "\n" for path, ls in lines.items()}


def files(meta: str, sha256: str | None, text: str | None, max_text: int) -> list[Row]:
    """Join the three answers. A regular, world-readable file of size 0 has text ''; a file the
    text query returned nothing for (binary, too large, not world-readable) has text None."""
    rows, walked = parse_walk(meta)
    hashes = parse_sha256(sha256) if sha256 is not None else {}
    if walked is not None:
        hashes.update(walked)
    texts = parse_text(text) if text is not None else {}
    for row in rows:
        path = row["path"]
        if row["type"] != "file":
            row["sha256"] = None
            row["text"] = None
            continue
        row["sha256"] = hashes.get(path)
        body = texts.get(path)
        if body is None and text is not None and row["size"] == 0 and \
                int(row["mode"], 8) & 0o004:
            body = ""
        row["text"] = body if body is None or row["size"] is None or \
            row["size"] <= max_text else None
    return rows
