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
    knows from the line's bytes, see _trace_lines)."""
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
    ASCII, so what the patterns need is found in `data.lower()` (ASCII only, C speed). One
    Aho-Corasick pass over the whole answer finds where a trace of a pattern can start (see
    _STARTS); only the lines (NUL-separated fields) holding a trace are decoded and run
    through the patterns that can match there; the rest is copied once, by one bytes.join.
    PEM private key blocks (which span lines) are replaced first, as mask_text does."""
    if not data:
        return data
    folded = data.lower()
    hits = _hits(folded)
    if any(p == _PEM_P for p, _, _ in hits) and b"-----BEGIN" in data:
        data = _PEM_BYTES.sub(lambda m: b"-----MASKED %s %s-----" % (
            m.group(1), keyed_hash(m.group(0).decode("latin-1")).encode("latin-1", "replace")),
            data)
        folded = data.lower()
        hits = _hits(folded)
    out: list[bytes] = []
    done = 0  # data[:done] is handled
    for start, end, snmp, url, assign in _trace_lines(folded, hits):
        line = _mask_line(data[start:end].decode("latin-1"), keyed_hash, snmp, url, assign)
        out += (data[done:start], line.encode("latin-1", errors="replace"))
        done = end
    if not out:
        return data
    out.append(data[done:])
    return b"".join(out)


# What each of _mask_line's patterns leaves in lower-cased latin-1 bytes, wherever it matches:
# _ASSIGN: one of its keywords (the finite language of _KEYWORDS, _KEYWORD_WORDS below) right
# before the separator's first character (str `\s` on latin-1, = or :), the keyword starting
# after a character that is no letter or digit (the lead's `(?<![\w.-])`, or the `[_.-]` that
# ends a prefix such as `db_`): "whiskey " leaves none, "db_password=" does. _SNMP: "community"
# or "com2sec" anywhere in the line. _URL_CRED: "://". Each is only necessary: the patterns
# decide; a line without a trace is one they leave as it is (and what they put in, `hmac:` and
# hex digits, never makes a trace: every keyword holds a letter past f).
_KEYWORD_WORDS = (
    "pass", "password", "passwd", "passphrase", "pwd", "secret", "token",
    *(f"{w}{s}key" for w in ("api", "access", "private", "secret", "auth", "priv")
      for s in ("", "_", "-")),
    "psk", "community", "credential", "credentials", "bindpw", "rootpw", "key",
)
# str's `\s` on latin-1 (but \n: no line holds one), = and : (a test derives both sets anew)
_SEP_FIRST = b"\t\x0b\x0c\r\x1c\x1d\x1e\x1f :=\x85\xa0"
# bytes a keyword may not follow: str's \w on latin-1 (letters and digits), except `_`
_WORDISH_BYTES = (b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  + bytes((0xAA, 0xB2, 0xB3, 0xB5, 0xB9, 0xBA, 0xBC, 0xBD, 0xBE))
                  + bytes(range(0xC0, 0x100)).replace(b"\xd7", b"").replace(b"\xf7", b""))
_WORDISH = tuple(b in _WORDISH_BYTES for b in range(256))
_KEYWORD_SEP = re.compile(
    b"(?:" + "|".join(sorted(_KEYWORD_WORDS, key=len, reverse=True)).encode("ascii")
    + b")[" + re.escape(_SEP_FIRST) + b"]")

# Where a trace can start, found by one leftmost-first pass (ahocorasick-rs: its SIMD
# prefilter scans ~5 GB/s): the first word of every keyword (`api_key`: its `key` after `_` is
# a trace of its own), the SNMP words and "://"; and "-----begin", so that PEM blocks are
# looked for only where one may be. Each hit is then checked where it stands (the byte
# before, _KEYWORD_SEP anchored there). A hit left out because it overlaps an earlier one
# starts inside that one, after a letter or digit or inside "://" or "-----begin", where no
# word of the list can start after the first one: no keyword trace; and a second SNMP word in
# the same line adds nothing. Nothing hides "-----begin" (no word ends with `-`).
_STARTS = (b"pass", b"pwd", b"secret", b"token", b"apikey", b"accesskey", b"privatekey",
           b"authkey", b"privkey", b"key", b"psk", b"community", b"credential", b"bindpw",
           b"rootpw", b"com2sec", b"://", b"-----begin")
_KEYWORD, _COMMUNITY, _COM2SEC, _URL, _PEM_KIND = 0, 1, 2, 3, 4
_KINDS = tuple({b"community": _COMMUNITY, b"com2sec": _COM2SEC, b"://": _URL,
                b"-----begin": _PEM_KIND}.get(w, _KEYWORD) for w in _STARTS)
_PEM_P = _STARTS.index(b"-----begin")
_AHO: Any = None
try:
    from ahocorasick_rs import MATCHKIND_LEFTMOST_FIRST, BytesAhoCorasick

    _AHO = BytesAhoCorasick(list(_STARTS), matchkind=MATCHKIND_LEFTMOST_FIRST)  # once per process
except ImportError:  # pragma: no cover - a dependency; the regex finds the same hits
    pass


def _hits(folded: bytes) -> list[tuple[int, int, int]]:
    """(pattern, start, end) of the leftmost-first hits of _STARTS in `folded`, in order."""
    if _AHO is not None:
        hits: list[tuple[int, int, int]] = _AHO.find_matches_as_indexes(folded)
        return hits
    # the same hits without ahocorasick-rs (leftmost, then the first alternative: same order)
    index = {w: n for n, w in enumerate(_STARTS)}
    rx = re.compile(b"|".join(re.escape(w) for w in _STARTS))
    return [(index[m.group()], m.start(), m.end()) for m in rx.finditer(folded)]


def _trace_lines(folded: bytes, hits: list[tuple[int, int, int]],
                 ) -> list[tuple[int, int, bool, bool, bool]]:
    """(start, end, snmp, url, assign) of each line holding a trace, in order: which of
    _mask_line's patterns can match there. A NUL ends a field as a newline ends a line (as in
    mask_text), so a NUL-separated answer is masked field by field. A line past _LONG is
    only ever hashed whole for an assignment."""
    nul = b"\0" in folded
    wordish, kinds, keyword_sep = _WORDISH, _KINDS, _KEYWORD_SEP.match
    out: list[tuple[int, int, bool, bool, bool]] = []
    start = end = -1  # the line being gathered: folded[start:end]
    snmp = url = assign = False
    for p, i, _ in hits:
        kind = kinds[p]
        a = kind <= _COMMUNITY and not (i and wordish[folded[i - 1]]) \
            and keyword_sep(folded, i) is not None
        if not a and kind in (_KEYWORD, _PEM_KIND):
            continue  # "whiskey ": the keyword is the end of another word
        if i >= end:  # a new line (no hit spans a line end: none holds \n or NUL)
            if start >= 0:
                out.append(_flags(start, end, snmp, url, assign))
            if nul:
                start = folded.rfind(b"\0", 0, i) + 1
                start = folded.rfind(b"\n", start, i) + 1 or start
                cut = folded.find(b"\0", i)
                cut = len(folded) if cut < 0 else cut
                end = folded.find(b"\n", i, cut)
                end = cut if end < 0 else end
            else:
                start = folded.rfind(b"\n", 0, i) + 1
                end = folded.find(b"\n", i)
                end = len(folded) if end < 0 else end
            snmp = url = assign = False
        assign = assign or a
        snmp = snmp or kind in (_COMMUNITY, _COM2SEC)
        url = url or kind == _URL
    if start >= 0:
        out.append(_flags(start, end, snmp, url, assign))
    return [x for x in out if x[2] or x[3] or x[4]]


def _flags(start: int, end: int, snmp: bool, url: bool,
           assign: bool) -> tuple[int, int, bool, bool, bool]:
    if end - start > _LONG:
        return start, end, False, False, assign
    return start, end, snmp, url, assign


_PEM_BYTES = re.compile(_PEM.pattern.encode("ascii"), re.DOTALL)
