"""File inventory: `find -printf` metadata, `sha256sum -z` hashes, `grep -I -H -Z ''` text.
Where python3 runs on the target, one walk answers the metadata and the hashes together: the
header record `psw3`, then records of the 8 `find` fields, the SHA-256 ('' for none) and the
identity `DEV:INODE:CTIME_NS`; after them the record `=`, its flags (`a`, `t`), the POSIX ACLs
as `getfacl --skip-base` prints them and the text as `grep -I -H -Z ''` prints it (each only
where its flag is set: see queries.FILES_WALK_PY). Older walkers' answers (kept in stores, read
again by `verify --rederive`): `psw2`, the same records and nothing after them; `psw1`, no
identity field.

trust_metadata: a regular file whose identity (device, inode, ctime with size and mtime) is
the one recorded in the previous snapshot keeps that snapshot's SHA-256 (`Prior`); only the
others are read (their paths are files_sha256's stdin, `to_read`)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from proofshot.collectors.linux.parsers.common import to_int, to_real
from proofshot.model.table import Row

TYPES = {"f": "file", "d": "dir", "l": "link", "p": "fifo", "s": "socket", "c": "char",
         "b": "block", "D": "door"}
_FIELDS = 8
WALK_HEADER = "psw3\0"
WALK_HEADERS = {"psw1\0": _FIELDS + 1, "psw2\0": _FIELDS + 2,
                WALK_HEADER: _FIELDS + 2}  # header -> record width
_HASH_RE = re.compile(r"^\\?([0-9a-f]{64}) [ *](.+)$", re.S)
_MODE_RE = re.compile(r"^[0-7]{1,4}$")
_MODES_RE = re.compile(r"(?:[0-7]{1,4}\0)*[0-7]{1,4}")  # the mode column joined by NULs
_TYPE_KEYS = frozenset(TYPES)
_SHA_RE = re.compile(r"(?:[0-9a-f]{64})?")
_IDENTS_RE = re.compile(r"\d+:\d+:-?\d+(?:\0\d+:\d+:-?\d+)*")
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
    """The metadata rows and, when the answer is the walker's (header `psw1`/`psw2`), its
    hashes: path -> SHA-256 of the files it could read (the ninth field of a record)."""
    rows, hashes, _ = read_walk(text)
    return rows, hashes


def read_walk(text: str) -> tuple[list[Row], dict[str, str] | None, dict[str, str] | None]:
    """parse_walk, and the walker's identities (`psw2`): path -> `IDENT/SIZE/MTIME` of each
    regular file (None for an answer without them: find's, an older walker's)."""
    text = split_walk(text)[0]
    width = WALK_HEADERS.get(text[:5])
    if width is None:
        fields = text.split("\0")
        rows = _parse_meta_columns(fields)
        return (rows if rows is not None else _parse_meta_resync(fields)), None, None
    fields = text[5:].split("\0")
    rows = _parse_meta_columns(fields, width)
    idents: dict[str, str] | None = {} if width > _FIELDS + 1 else None
    if rows is not None:
        end = len(fields) - 1
        pairs = zip(fields[1:end:width], fields[8:end:width], strict=True)
        if idents is not None:
            idents = {p: f"{i}/{s}/{m}" for t, p, s, m, i in zip(
                fields[0:end:width], fields[1:end:width], fields[5:end:width],
                fields[7:end:width], fields[9:end:width], strict=True) if t == "f"}
        return rows, {p: h for p, h in pairs if h}, idents
    rows = _parse_meta_resync(fields, width)
    hashes: dict[str, str] = {}
    for rec in rows:
        sha = rec.pop("_sha")
        ident = rec.pop("_ident", None)
        if sha:
            hashes.setdefault(rec["path"], sha)
        if idents is not None and ident is not None and rec["type"] == "file":
            idents.setdefault(rec["path"], ident)
    return rows, hashes, idents


WALK_HEADERS_IDENT = ("psw2\0", WALK_HEADER)  # the walkers whose records hold identities


class Walk(NamedTuple):
    records: str  # the header and the records (a `psw2` answer's shape)
    acls: str | None  # `getfacl --skip-base` blocks; None: the walker did not read ACLs
    text: str | None  # `grep -I -H -Z ''` records; None: the walker kept no text
    flags: str = ""  # `a`, `t`; `T`: the text passed files_text's bound, none kept


def split_walk(text: str) -> Walk:
    """A `psw3` answer's parts: its records (with their header, as a `psw2` answer), the ACL
    section (None unless flagged `a`) and the text section (None unless flagged `t`). Any other
    answer (find's, older walkers'), or one cut before the `=` record: (text, None, None).

    The `=` record starts after a multiple of the record width of NUL-terminated fields (a
    field `=` elsewhere is a link target or a name). Split once and pass the parts on: each
    split copies the answer."""
    if not text.startswith(WALK_HEADER):
        return Walk(text, None, None)
    width = WALK_HEADERS[WALK_HEADER]
    start = len(WALK_HEADER)
    at = text.find("=\0", start)
    while at >= 0:
        if (at == start or text[at - 1] == "\0") and \
                text.count("\0", start, at) % width == 0:
            parts = text[at + 2:].split("\0", 2)
            if len(parts) < 3:
                break
            flags, acls, texts = parts
            return Walk(text[:at], acls if "a" in flags else None,
                        texts if "t" in flags else None, flags)
        at = text.find("=\0", at + 1)
    return Walk(text, None, None)


def _parse_meta_columns(fields: list[str], width: int = _FIELDS) -> list[Row] | None:
    """The rows of a regular answer, else None. `width` 9 or 10: the walker's records (every
    ninth field empty or a SHA-256, the tenth an identity; read by the caller)."""
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
    if width > _FIELDS + 1 and n and not _IDENTS_RE.fullmatch("\0".join(fields[9:end:width])):
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
                width != _FIELDS and not _SHA_RE.fullmatch(rec[8])) or (
                width > _FIELDS + 1 and not _IDENTS_RE.fullmatch(rec[9])):
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
        if width > _FIELDS + 1:
            rows[-1]["_ident"] = f"{rec[9]}/{rec[5]}/{rec[7]}"
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
    text query returned nothing for (binary, too large, not world-readable) has text None.
    `text` None and a walker's answer with its text section: that section (the same records)."""
    if text is None or meta.startswith(WALK_HEADER):
        walk = split_walk(meta)
        meta, text = walk.records, (walk.text if text is None else text)
    rows, walked = parse_walk(meta)
    hashes = parse_sha256(sha256) if sha256 is not None else {}
    if walked is not None:
        hashes.update(walked)
    return _join(rows, hashes.get, text, max_text)


def _join(rows: list[Row], hash_of: Callable[[str], str | None], text: str | None,
          max_text: int) -> list[Row]:
    texts = parse_text(text) if text is not None else {}
    for row in rows:
        path = row["path"]
        if row["type"] != "file":
            row["sha256"] = None
            row["text"] = None
            continue
        row["sha256"] = hash_of(path)
        body = texts.get(path)
        if body is None and text is not None and row["size"] == 0 and \
                int(row["mode"], 8) & 0o004:
            body = ""
        row["text"] = body if body is None or row["size"] is None or \
            row["size"] <= max_text else None
    return rows


@dataclass(frozen=True)
class Prior:
    """A previous snapshot's regular files (trust_metadata): path -> (identity, SHA-256, text)
    of each one it has an identity and a hash for; `snapshot` is its id."""

    snapshot: str
    files: Mapping[str, tuple[str, str, str | None]] = field(repr=False)


def identities(meta: str) -> dict[str, str] | None:
    """path -> identity of each regular file in a files_meta answer (None: it has none)."""
    if not meta.startswith(WALK_HEADERS_IDENT):
        return None
    meta = split_walk(meta)[0]
    width = WALK_HEADERS[WALK_HEADER]
    fields = meta[5:].split("\0")
    end = len(fields) - 1
    if end % width or fields[-1] or not set(fields[0:end:width]) <= _TYPE_KEYS:
        return read_walk(meta)[2]
    return {p: f"{i}/{sz}/{m}" for t, p, sz, m, i in zip(
        fields[0:end:width], fields[1:end:width], fields[5:end:width], fields[7:end:width],
        fields[9:end:width], strict=True) if t == "f"}


def prior(snapshot: str, meta: str, rows: Iterable[tuple[str, str | None, str | None]]
          ) -> Prior | None:
    """The Prior of a snapshot from its files_meta answer and its files rows' (path, sha256,
    text); None when that answer carries no identities (find's, an older walker's)."""
    ids = identities(meta)
    if not ids:
        return None
    found: dict[str, tuple[str, str, str | None]] = {}
    for path, sha, text in rows:
        if sha:
            ident = ids.get(path)
            if ident is not None:
                found[path] = (ident, sha, text)
    return Prior(snapshot, found)


def to_read(meta: str, last: Prior) -> list[str]:
    """The regular files of a files_meta answer (trust_metadata) whose hash cannot be taken
    from `last`: new ones, and those whose identity differs or that had no hash there."""
    ids = identities(meta) or {}
    rows = None if ids else read_walk(meta)[0]
    known = last.files
    if rows is not None:  # no identities at all: every regular file
        return [r["path"] for r in rows if r["type"] == "file"]
    out = []
    for path, ident in ids.items():
        had = known.get(path)
        if had is None or had[0] != ident:
            out.append(path)
    return out


def unanswered(meta: str, sha256: str, last: Prior) -> list[str]:
    """The files trust_metadata asked files_sha256 for (to_read) that got no hash in its
    answer. After an exit 0 (every path read) any such path means the answer was lost on the
    way: its row would show a hash gone, a change nobody made."""
    hashes = parse_sha256(sha256)
    return [p for p in to_read(meta, last) if p not in hashes]


def files_trusted(meta: str, sha256: str | None, text: str | None, max_text: int,
                  last: Prior) -> tuple[list[Row], int, int]:
    """trust_metadata: files_meta (no hashes, identities) joined with files_sha256 and
    files_text (hashes and text of the files read) and `last`'s hash and text for files whose
    identity is unchanged. Returns the rows, the number of hashes reused and the number read."""
    rows, _, ids = read_walk(meta)
    ids = ids or {}
    hashes = parse_sha256(sha256) if sha256 is not None else {}
    known = last.files
    reused: dict[str, str | None] = {}  # path -> the text it keeps

    def hash_of(path: str) -> str | None:
        h = hashes.get(path)
        if h is not None:
            return h
        had = known.get(path)
        if had is not None and had[0] == ids.get(path):
            reused[path] = had[2]
            return had[1]
        return None

    out = _join(rows, hash_of, text, max_text)
    if reused:
        for row in out:
            if row["path"] in reused:
                row["text"] = reused[row["path"]]
    return out, len(reused), len(hashes)
