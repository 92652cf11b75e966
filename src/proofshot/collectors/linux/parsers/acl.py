"""POSIX ACLs: `getfacl --absolute-names --skip-base --physical --recursive` output -> rows.

getfacl prints one block per file that has more than the three base entries:

    # file: /srv/data            (path; backslash as \\, newline/CR as octal \\012)
    # owner: root                (# comment lines: owner, group, flags; skipped)
    user::rwx
    user:alice:rwx               (#effective:r-x after a tab when the mask cuts the entry;
                                  names have `:`, `,`, blanks and newlines as octal \\ooo)
    group::r-x
    mask::rwx
    other::r-x
    default:user:bob:rwx

Rows are the entries the `files` table does not already hold: named users and groups, the
mask, the owning group's entry when a mask exists (the mode's group bits then show the mask,
not the owning group's rights) and every default (inheritance) entry. `user::` and `other::`
of the access ACL are the mode's owner and other bits and are left out.
"""

from __future__ import annotations

import re

from proofshot.model.table import Row

_ENTRY_RE = re.compile(
    r"^(default:)?(user|group|mask|other):([^:,\s]*):([r-][w-][x-])"
    r"(?:\s+#effective:([r-][w-][x-]))?\s*$")
_ESCAPE_RE = re.compile(rb"\\(\\|[0-7]{3})")


def unquote(text: str) -> str:
    """Undo getfacl's quoting: `\\\\` is a backslash, `\\ooo` an octal byte."""
    if "\\" not in text:
        return text
    raw = text.encode("utf-8", errors="surrogateescape")
    raw = _ESCAPE_RE.sub(
        lambda m: b"\\" if m.group(1) == b"\\" else bytes([int(m.group(1), 8) & 0xFF]), raw)
    return raw.decode("utf-8", errors="replace")


def _and(perms: str, mask: str) -> str:
    return "".join(p if m != "-" else "-" for p, m in zip(perms, mask, strict=True))


def _rows(path: str, entries: list[tuple[bool, str, str, str, str | None]]) -> list[Row]:
    """Rows of one file's block; entries are (default, kind, qualifier, perms, #effective)."""
    masks = {d: p for d, k, _q, p, _e in entries if k == "mask"}
    rows: list[Row] = []
    seen: set[str] = set()
    for default, kind, qual, perms, printed in entries:
        name = unquote(qual) if qual and kind in ("user", "group") else None
        if not default and (kind == "other" or (kind == "user" and name is None)
                            or (kind == "group" and name is None and False not in masks)):
            continue  # exactly the mode bits of the files table
        entry = ("default:" if default else "") + kind + (f":{name}" if name is not None else "")
        if entry in seen:
            continue
        seen.add(entry)
        mask = masks.get(default)
        effective: str | None = perms
        if kind == "mask":
            effective = None  # a limit, not a grant
        elif printed is not None:
            effective = printed
        elif mask is not None and (kind == "group" or (kind == "user" and name is not None)):
            effective = _and(perms, mask)
        rows.append({"path": path, "entry": entry, "kind": kind, "name": name,
                     "default": default, "perms": perms, "effective": effective})
    return rows


def parse_getfacl(text: str) -> list[Row]:
    """One row per extended entry of every file getfacl listed. A file listed twice (nested
    trees) keeps its first block; lines that are neither a header nor an entry are skipped."""
    rows: list[Row] = []
    done: set[str] = set()
    path: str | None = None
    entries: list[tuple[bool, str, str, str, str | None]] = []

    def flush() -> None:
        if path is not None and path not in done:
            done.add(path)
            rows.extend(_rows(path, entries))

    for line in text.split("\n"):
        if line.startswith("# file: "):
            flush()
            candidate = unquote(line[len("# file: "):])
            path = candidate if candidate.startswith("/") else None
            entries = []
            continue
        if path is None or line.startswith("#"):
            continue
        m = _ENTRY_RE.match(line)
        if m:
            entries.append((m.group(1) is not None, m.group(2), m.group(3), m.group(4),
                            m.group(5)))
    flush()
    return rows
