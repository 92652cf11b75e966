"""Masking of secret-looking values in collected text (config files, command output).

A value that follows a secret-looking key (password, passwd, secret, token, key, community, psk,
...) is replaced by its keyed hash, so a changed secret still shows as changed while its value
never reaches the store. PEM private key blocks are replaced whole. Masking is line-based so it
never changes the line structure that parsers and line diffs rely on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_KEYWORDS = (
    r"pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|secret[_-]?key|auth[_-]?key|priv[_-]?key|psk|community|credentials?|bindpw|rootpw"
    r"|key"
)
# key = value | key: value | key value (for a few config dialects); value up to end/quote/space.
_ASSIGN = re.compile(
    rf"(?P<lead>(?<![\w.-])(?:[\w.-]*?[_.-])?(?:{_KEYWORDS}))(?P<sep>\s*[=:]\s*|\s+)"
    rf"(?P<q>[\"']?)(?P<val>[^\s\"',;}}]+)",
    re.IGNORECASE,
)
_SNMP = re.compile(r"^(?P<lead>(?:[^\x00]*\x00)?\s*"
                   r"(?:rocommunity6?|rwcommunity6?|com2sec6?\s+\S+\s+\S+)\s+)(?P<val>\S+)",
                   re.IGNORECASE)
_URL_CRED = re.compile(r"(?P<lead>[a-z][a-z0-9+.-]*://[^/\s:@]+:)(?P<val>[^@/\s]+)(?=@)", re.IGNORECASE)
_PEM = re.compile(
    r"-----BEGIN ((?:[A-Z]+ )?PRIVATE KEY)-----.*?-----END \1-----", re.DOTALL
)
_SKIP_VALUES = frozenset(
    {"yes", "no", "true", "false", "none", "null", "on", "off", "required", "optional",
     "prohibit-password", "without-password", "forced-commands-only", "*", "x", "!", "0", "1"}
)

# `password VALUE` (directive style, no = or :) followed by one of these is a tool's sentence,
# not a secret: sudo's "a password is required" must stay readable in reasons and transcripts.
_PROSE_WORDS = frozenset({"is", "was", "are", "for", "to", "not", "must", "may", "will", "has"})

# Every line the patterns above can change holds one of these words (the keywords, the SNMP
# directives, "://"), in any case: lines without any are left alone without running the patterns.
# Only a shortcut (an SSH scan masks megabytes of /etc text per host); what is masked is the same.
# The search runs case-sensitively over a lower-cased copy (an IGNORECASE alternation is ~8x
# slower); _FOLD first maps the non-ASCII letters that IGNORECASE matches to a, ..., z, so that
# lower() keeps every position (U+0130 is the only letter whose lower() is two characters).
_HINT = re.compile(r"pass|pwd|secret|token|key|psk|communit|credential|bindpw|rootpw|com2sec|://")
_FOLD = {0x130: "i", 0x131: "i", 0x17F: "s", 0x212A: "k"}
_FOLDED = re.compile("[\u0130\u0131\u017f\u212a]")

Hasher = Callable[[str], str]


def mask_text(text: str, keyed_hash: Hasher) -> str:
    if not text:
        return text
    if "-----BEGIN" in text:
        text = _PEM.sub(lambda m: f"-----MASKED {m.group(1)} {keyed_hash(m.group(0))}-----",
                        text)
    folded = (text.translate(_FOLD) if _FOLDED.search(text) else text).lower()
    if len(folded) != len(text):  # not expected (see _FOLD); then no line is skipped
        return "\n".join(_mask_line(line, keyed_hash) for line in text.split("\n"))
    out: list[str] = []
    done = 0  # text[:done] is handled
    # NUL-separated answers (find -printf, the files walker, grep -Z): a NUL ends a field as a
    # newline ends a line, so a path like '.../my key file' is masked alone, never the whole
    # answer (one "line" of megabytes, hashed whole past 10000 characters)
    nul = "\0" in text
    for hit in _HINT.finditer(folded):
        if hit.start() < done:
            continue  # in a line already masked
        start = text.rfind("\n", done, hit.start()) + 1 or done
        if nul:
            start = max(start, text.rfind("\0", start, hit.start()) + 1)
        end = text.find("\n", hit.end())
        end = len(text) if end < 0 else end
        if nul:
            cut = text.find("\0", hit.end(), end)
            end = end if cut < 0 else cut
        out += (text[done:start], _mask_line(text[start:end], keyed_hash))
        done = end
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


_LONG = 10000  # a line longer than this is hashed whole when it holds an assignment


def _mask_line(line: str, keyed_hash: Hasher, snmp: bool = True, url: bool = True,
               assign: bool = True) -> str:
    """`snmp`, `url`, `assign`: False skips a pattern that cannot match this line (mask_bytes
    knows from the line's bytes, see _traces)."""
    if len(line) > _LONG:
        return keyed_hash(line) if _ASSIGN.search(line) else line

    def repl(m: re.Match[str]) -> str:
        val = m.group("val")
        if val.lower() in _SKIP_VALUES or val.startswith("hmac:"):
            return m.group(0)
        lead = m.group("lead")
        if m.group("sep").strip() == "" and (not _looks_like_key_directive(lead)
                                             or val.lower() in _PROSE_WORDS):
            return m.group(0)
        return f"{lead}{m.group('sep')}{m.group('q')}{keyed_hash(val)}"

    def once(m: re.Match[str]) -> str:
        val = m.group("val")
        return m.group(0) if val.startswith("hmac:") else m.group("lead") + keyed_hash(val)

    if snmp:
        line = _SNMP.sub(once, line)
    if url:
        line = _URL_CRED.sub(once, line)
    return _ASSIGN.sub(repl, line) if assign else line


def _looks_like_key_directive(lead: str) -> bool:
    """`key value` without = or : counts only for directive-style lines (e.g. `psk abc`)."""
    word = lead.strip().lower()
    return word in {"psk", "secret", "password", "passwd", "community", "bindpw", "rootpw",
                    "auth_key", "priv_key", "key"}


def mask_bytes(data: bytes, keyed_hash: Hasher) -> bytes:
    """Mask raw answer bytes; bytes that are not UTF-8 pass through unchanged (latin-1 maps
    every byte to one character and back), so only the masked values differ.

    The same as `mask_text` over the latin-1 text, byte for byte, done on the bytes: latin-1
    text holds none of the characters _FOLD maps and no character past ASCII whose lower() is
    ASCII, so the keyword lines of `data.lower()` (ASCII only, C speed) are those of the text's
    lower(); only those lines are decoded and masked. PEM private key blocks (which span
    lines) are replaced first, as mask_text does."""
    if not data:
        return data
    if b"-----BEGIN" in data:
        data = _PEM_BYTES.sub(lambda m: b"-----MASKED %s %s-----" % (
            m.group(1), keyed_hash(m.group(0).decode("latin-1")).encode("latin-1", "replace")),
            data)
    folded = data.lower()
    # a NUL ends a field as a newline ends a line (as in mask_text): the lines of `bounds`
    # are the fields of a NUL-separated answer (same length, same offsets)
    bounds = folded.replace(b"\0", b"\n") if b"\0" in folded else folded
    out: list[bytes] = []
    done = 0  # data[:done] is handled
    for start in _hint_lines(bounds):
        end = bounds.find(b"\n", start)
        end = len(data) if end < 0 else end
        traces = _traces(folded, start, end)
        if not any(traces):
            continue
        line = _mask_line(data[start:end].decode("latin-1"), keyed_hash, *traces)
        out += (data[done:start], line.encode("latin-1", errors="replace"))
        done = end
    if not out:
        return data
    out.append(data[done:])
    return b"".join(out)


_HINT_WORDS = tuple(w.encode("ascii") for w in _HINT.pattern.split("|"))
_AHO: Any = None
try:
    from ahocorasick_rs import MATCHKIND_LEFTMOST_FIRST, BytesAhoCorasick

    _AHO = BytesAhoCorasick(list(_HINT_WORDS), matchkind=MATCHKIND_LEFTMOST_FIRST)
except ImportError:  # pragma: no cover - a dependency; the find loop is exact as well
    pass


def _hint_lines(folded: bytes) -> list[int]:
    """Start offsets of the lines holding a _HINT word, in order. One Aho-Corasick pass (Rust,
    ~1 ms for 2 MB) where ahocorasick-rs is installed; else one bytes.find per word and line.
    Non-overlapping leftmost-first matches still hit every line holding a word: a match is
    left out only where it overlaps an earlier one, which is then in the same line."""
    if _AHO is not None:
        out: list[int] = []
        end = -1  # the end of the last line taken
        for _, i, _ in _AHO.find_matches_as_indexes(folded):
            if i < end:
                continue
            out.append(folded.rfind(b"\n", 0, i) + 1)
            end = folded.find(b"\n", i)
            if end < 0:
                break
        return out
    starts: set[int] = set()
    for word in _HINT_WORDS:
        i = folded.find(word)
        while i >= 0:
            starts.add(folded.rfind(b"\n", 0, i) + 1)
            j = folded.find(b"\n", i)
            if j < 0:
                break
            i = folded.find(word, j + 1)
    return sorted(starts)


def _traces(folded: bytes, start: int, end: int) -> tuple[bool, bool, bool]:
    """Which of _mask_line's patterns (SNMP directive, URL credentials, assignment) can match
    this line, from what each needs in the lower-cased bytes (see _ASSIGN_BYTES): a pattern
    without its trace cannot match, and what the others put in (`hmac:` and hex digits) never
    makes one. A long line is only ever hashed whole for an assignment. Lines that hold a
    keyword only in a file's path (files_text prefixes each line with one) are skipped so."""
    assign = _ASSIGN_BYTES.search(folded, start, end) is not None
    if end - start > _LONG:
        return False, False, assign
    line = folded[start:end]
    return b"community" in line or b"com2sec" in line, b"://" in line, assign


_PEM_BYTES = re.compile(_PEM.pattern.encode("ascii"), re.DOTALL)
# What every _ASSIGN match leaves in lower-cased latin-1 bytes: a keyword (a hint word, then the
# rest of the keyword's letters) right before the separator's first character (str `\s` on
# latin-1: \t-\r, \x1c-\x20, \x85, \xa0; or = :). A long line without it is no assignment:
# the costly case-insensitive search of a 200 kB NUL-separated answer (files_meta) is skipped.
_ASSIGN_BYTES = re.compile(
    rb"(?:pass|pwd|secret|token|key|psk|communit|credential|bindpw|rootpw)[a-z_-]*"
    rb"[\t-\r\x1c-\x20\x85\xa0=:]")
