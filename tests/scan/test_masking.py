"""Masking: secret-looking values become keyed hashes; structure and harmless values stay."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from proofshot.scan import masking
from proofshot.scan.masking import mask_bytes, mask_text


@pytest.fixture(params=["aho-corasick", "find"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """mask_bytes finds keyword lines with ahocorasick-rs, or (without it) bytes.find."""
    if request.param == "find":
        monkeypatch.setattr(masking, "_AHO", None)
    else:
        assert masking._AHO is not None, "ahocorasick-rs is a dependency: run .ci/install"
    return str(request.param)


def kh(v: str) -> str:
    return "hmac:" + hashlib.sha256(b"salt" + v.encode()).hexdigest()[:16]


def test_assignments_masked() -> None:
    text = "\n".join([
        "db_password = hunter2",
        "token: abc123",
        'api_key="AKIAXYZ"',
        "rocommunity s3cretcomm 10.0.0.0/8",
        "url=postgres://app:pgpass@db/app",
        "PasswordAuthentication yes",
        "PermitRootLogin no",
        "HostKey /etc/ssh/ssh_host_ed25519_key",
    ])
    out = mask_text(text, kh)
    for secret in ("hunter2", "abc123", "AKIAXYZ", "s3cretcomm", "pgpass"):
        assert secret not in out
    assert "PasswordAuthentication yes" in out
    assert "HostKey /etc/ssh/ssh_host_ed25519_key" in out
    assert out.count("\n") == text.count("\n")
    assert kh("hunter2") in out  # a changed secret still shows as changed


def test_private_key_block_masked() -> None:
    pem = "a\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----\nz"
    out = mask_text(pem, kh)
    assert "b3BlbnNzaC1rZXk" not in out and out.startswith("a\n") and out.endswith("\nz")


def test_masking_inside_grep_framed_transcripts() -> None:
    """files_text answers are `path\\0line`: the path prefix must not shield the secret."""
    text = "/etc/app.conf\x00password=hunter2\n/etc/snmp/snmpd.conf\x00rocommunity s3cr3t\n"
    out = mask_text(text, kh)
    assert "hunter2" not in out and "s3cr3t" not in out
    assert out.startswith("/etc/app.conf\x00password=hmac:")


# Each line with its masked form, written by hand: the secret value replaced by its keyed hash,
# everything else kept. Letters that IGNORECASE folds (long s, dotless i, dotted I, Kelvin K)
# must neither hide a keyword nor make one.
LONG = "x" * 20000 + " key=s10"
SHORT = "y " * 4996 + "key=s150"  # 10,000 characters: masked as usual
OVER = "y " * 4996 + "key=s1600"  # 10,001: hashed whole
LONG_PLAIN = "y " * 5000 + "the key"  # a hint, but no value: nothing to mask
MASKED_BY_HAND = [
    ("db_password = hunter2", "db_password = " + kh("hunter2")),
    ("paſſword=s1", "paſſword=" + kh("s1")),  # ſ folds to s: "password"
    ("PASSWORD: s2", "PASSWORD: " + kh("s2")),
    ("İ token=s3", "İ token=" + kh("s3")),
    ("api_Key=s4", "api_Key=" + kh("s4")),
    ("secret=a\u0131", "secret=" + kh("a\u0131")),
    ("crede\u0131ntial=x", "crede\u0131ntial=x"),  # "x" is a placeholder (passwd), not a secret
    ("url=https://u:s5@h/", "url=https://u:" + kh("s5") + "@h/"),
    ("com2sec ro default s6", "com2sec ro default " + kh("s6")),
    ("rocommunity s7", "rocommunity " + kh("s7")),
    ("plain line", "plain line"),
    ("", ""),
    ("ß key s8", "ß key " + kh("s8")),  # `key VALUE`: a directive
    ("path\0Kkey=s9", "path\0Kkey=s9"),  # "Kkey" is no keyword
    ("path\0\u212akey=s9", "path\0\u212akey=s9"),  # nor with a Kelvin K
    ("path\0\u212aey=s11", "path\0\u212aey=" + kh("s11")),  # Kelvin K + "ey" folds to "key"
    (LONG, kh(LONG)),  # a line over 10,000 characters with a secret: hashed whole
    ("no secrets here at all", "no secrets here at all"),
    ("user_token=s13 api_key=s14", "user_token=" + kh("s13") + " api_key=" + kh("s14")),
    ("password: Yes", "password: Yes"),  # a setting, not a secret
    ("password=hmac:0123456789abcdef", "password=hmac:0123456789abcdef"),  # masked already
    (LONG_PLAIN, LONG_PLAIN),  # long, but nothing secret-looking: kept
    (SHORT, SHORT.removesuffix("s150") + kh("s150")),
    (OVER, kh(OVER)),
    # `keyword value` without = or : is a secret only for directive words
    *[(f"{word} s-{word}", f"{word} " + kh(f"s-{word}"))
      for word in ("psk", "secret", "password", "passwd", "community", "bindpw", "rootpw",
                   "auth_key", "priv_key", "key")],
    ("api_key_file s16", "api_key_file s16"),  # no directive word: left alone
]


def test_masked_lines_by_hand() -> None:
    for line, want in MASKED_BY_HAND:
        assert mask_text(line, kh) == want, line[:60]
        if len(want) <= 10000:  # (a masked line that grew past 10,000 would be hashed whole)
            assert mask_text(want, kh) == want, line[:60]  # masking twice changes nothing


def test_a_private_key_is_hashed_whole() -> None:
    """Two different keys give two different masks (a changed key shows as changed): the hash
    is of the whole block."""
    def pem(body: str) -> str:
        return f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"

    for body in ("MIIEowIBAAKCAQEA1", "MIIEowIBAAKCAQEA2"):
        assert mask_text(f"a\n{pem(body)}\nb", kh) == (
            f"a\n-----MASKED RSA PRIVATE KEY {kh(pem(body))}-----\nb")


def test_bytes_that_are_not_utf8_pass_through(engine: str) -> None:
    raw = b"\xfe\xff db=1\npassword=s\xe917\n\x00tail"
    assert mask_bytes(raw, kh) == (b"\xfe\xff db=1\npassword=" + kh("s\xe917").encode()
                                   + b"\n\x00tail")


def test_shortcut_masks_every_line_as_by_hand() -> None:
    """mask_text runs the patterns only on lines holding a keyword; in any order of the lines,
    the whole text masks to the lines masked by hand."""
    for n in range(len(MASKED_BY_HAND)):
        order = MASKED_BY_HAND[n:] + MASKED_BY_HAND[:n]
        text = "\n".join(line for line, _ in order)
        assert mask_text(text, kh) == "\n".join(want for _, want in order), n
    assert mask_text("nothing to see\nhere\n", kh) == "nothing to see\nhere\n"


def test_a_tools_sentence_about_a_password_stays_readable() -> None:
    """sudo's refusal is a reason the scan shows and stores: `password is` is prose, not a
    `password VALUE` directive; the directive and every assignment form are still masked."""
    line = "sudo: a password is required"
    assert mask_text(line, kh) == line
    assert mask_text("password s3cr3t", kh) == f"password {kh('s3cr3t')}"
    assert mask_text("password: is", kh) == f"password: {kh('is')}"
    assert mask_text("password=is", kh) == f"password={kh('is')}"


def test_a_nul_ends_a_field_in_nul_separated_answers() -> None:
    """find -printf / the files walker answer in NUL-separated fields on one "line": a path
    such as '.../my key file' is masked as a field of its own, the records around it stay, and
    an answer past 10,000 characters is never hashed whole."""
    def rec(*fields: str) -> str:
        return "".join(f + "\x00" for f in fields)

    files = "".join(rec("f", f"/srv/a{i}", "644", "root", "root", "3", "", "1.0")
                    for i in range(400))
    walk = "psw2\x00" + files + rec("d", "/srv/my key file", "755", "root", "root", "4096",
                                     "", "1.0") + files
    assert len(walk) > 10000
    got = mask_text(walk, kh)
    assert got.replace(f"/srv/my key {kh('file')}", "/srv/my key file") == walk
    # grep -Z: the path and the line are fields; a line's secret is masked as before
    assert mask_text("/etc/a.conf\0password=abc\n", kh) == f"/etc/a.conf\0password={kh('abc')}\n"


def test_bytes_mask_as_their_latin1_text_does(engine: str) -> None:
    """mask_bytes works on the bytes (keyword lines found in bytes.lower()); it gives what
    mask_text gives for the latin-1 text, byte for byte: keywords in any case, next to
    non-ASCII letters (latin-1 and UTF-8), lines at the start and the end, CR LF, PEM."""
    lines = [line for line, _ in MASKED_BY_HAND] + [
        "PASSWORD=Geheim", "Pass\xe9word=x1", "\xc9PASSWD: caf\xe9", "ApI-KeY = zz9",
        "community \xfcber", "url=https://u:p\xe4ss@h/x", "token=\u00e4\u00f6\u00fc",
        "kelvin \u212aEY=x", "long s \u017fecret=x", "dotless pas\u0131=1", "plain line",
        "ROCOMMUNITY s3cr3t 10.0.0.0/8", "password is required", "key\r", "secret=1\r",
    ]
    pem_block = ("-----BEGIN PRIVATE KEY-----\nMIIEv\nQIBAD\n-----END PRIVATE KEY-----")
    for n in range(len(lines)):
        order = lines[n:] + lines[:n]
        for text in ("\n".join(order), "\n".join(order) + "\n", "\r\n".join(order),
                     "\n".join(order[:3]) + "\n" + pem_block + "\n" + "\n".join(order[3:])):
            for data in (text.encode("utf-8"), text.encode("utf-8", "replace")[::-1]):
                want = mask_text(data.decode("latin-1"), kh).encode("latin-1", "replace")
                assert mask_bytes(data, kh) == want, (n, data[:80])
    assert mask_bytes(b"no keyword here\n", kh) == b"no keyword here\n"


def test_long_lines_mask_as_their_latin1_text_does(engine: str) -> None:
    """A line past 10,000 characters is hashed whole when it holds an assignment; mask_bytes
    skips the costly search on such a line only when no keyword stands before a separator
    (any character str's \\s matches in latin-1, = or :), which the cases below all try."""
    filler = "x" * 10_001
    for sep in (" ", "\t", "\x0b", "\x1c", "\x1f", "\x85", "\xa0", "=", ":", " = ", "\x00"):
        for word in ("password", "Secret_Key", "KEY", "api-key", "community", "keys", "pw"):
            for text in (f"{filler}{word}{sep}v4lue", f"{word}{sep}v4lue\x00{filler}",
                         f"head\n{filler}\x00{word}{sep}v\x00\ntail"):
                data = text.encode("latin-1")
                want = mask_text(text, kh).encode("latin-1", "replace")
                assert mask_bytes(data, kh) == want, (sep, word, text[:20], text[-20:])
    meta = "\x00".join(f"/etc/ssh/ssh_host_{i}_key\x00600\x00root" for i in range(800))
    assert len(meta) > 10_000
    assert mask_bytes(meta.encode(), kh) == meta.encode()


def test_bytes_mask_as_text_on_random_lines(engine: str) -> None:
    """Lines drawn from keywords (any case, inside words and paths), separators (every one str's
    \\s knows in latin-1), URLs, SNMP directives, NULs and non-ASCII bytes: mask_bytes equals
    mask_text over the latin-1 text, also where a keyword only sits in a path prefix."""
    import random

    rnd = random.Random(15)
    words = ["password", "PassPhrase", "pwd", "secret_key", "Token", "api-key", "KEY", "keys",
             "psk", "rocommunity", "rwcommunity6", "com2sec", "community", "credentials",
             "bindpw", "rootpw", "keyboard", "bypass", "monkey", "value", "hmac:abc", "is",
             "yes", "\xe9t\xe9", "caf\xe9", "x", "/etc/pam.d/common-password", "https://u:p@h/",
             "ftp://a:b@c", "://", "S3cr3t!", "'q'", '"dq"', "a,b", "{k}", "-----BEGIN"]
    seps = [" ", "=", ":", " = ", "\t", "\x0b", "\x0c", "\r", "\x1c", "\x1f", "\x85", "\xa0",
            "\x00", ";", ",", "", "  "]
    lines = []
    for _ in range(3000):
        n = rnd.randint(0, 6)
        parts = [rnd.choice(words) + rnd.choice(seps) for _ in range(n)]
        prefix = rnd.choice(["", "/etc/ssh/ssh_host_key\x00", "/etc/passwd\x00", "/etc/x\x00"])
        lines.append(prefix + "".join(parts))
    text = "\n".join(lines)
    data = text.encode("latin-1")
    masked = mask_bytes(data, kh)
    assert masked == mask_text(text, kh).encode("latin-1", "replace")
    assert masked.count(b"hmac:") > 1000 + data.count(b"hmac:")
    utf8 = text.encode("utf-8")
    assert mask_bytes(utf8, kh) == mask_text(utf8.decode("latin-1"), kh).encode("latin-1")


RECORDINGS = Path(__file__).resolve().parents[2] / ".." / "shared" / "recordings"


def _recorded() -> list[Path]:
    return sorted(p for p in RECORDINGS.rglob("*") if p.is_file())


@pytest.mark.skipif(not RECORDINGS.is_dir(), reason="../shared/recordings is not beside the repo")
def test_every_recorded_answer_masks_as_its_latin1_text(engine: str) -> None:
    """Every file of ../shared/recordings (device sessions and configurations, WMI output in
    UTF-16 and UTF-8, registry exports, WinRM sessions) as an answer on its own, and all of
    them as one grep -Z answer (`path\\0line` records, the files_text shape): mask_bytes gives
    what the reference mask_text gives over the latin-1 text, byte for byte."""
    files = _recorded()
    assert len(files) > 100
    masked_some = 0
    framed = []
    for p in files:
        data = p.read_bytes()
        want = mask_text(data.decode("latin-1"), kh).encode("latin-1", "replace")
        assert mask_bytes(data, kh) == want, p.name
        masked_some += want != data
        framed += [str(p).encode() + b"\0" + line + b"\n" for line in data.split(b"\n")]
    assert masked_some > 10  # the recordings hold secrets the patterns find
    data = b"".join(framed)
    assert mask_bytes(data, kh) == mask_text(data.decode("latin-1"), kh).encode("latin-1",
                                                                              "replace")


def _language(pattern: str) -> set[str]:
    """Every string a regex without repetition matches (its finite language)."""
    from re import _constants as c
    from re import _parser

    def seq(items: list[Any]) -> set[str]:
        out = {""}
        for op, av in items:
            if op is c.LITERAL:
                alts = {chr(av)}
            elif op is c.IN:
                assert all(o is c.LITERAL for o, _ in av)
                alts = {chr(v) for _, v in av}
            elif op is c.BRANCH:
                alts = set().union(*(seq(list(b)) for b in av[1]))
            elif op is c.SUBPATTERN:
                alts = seq(list(av[3]))
            elif op is c.MAX_REPEAT and av[:2] == (0, 1):
                alts = {""} | seq(list(av[2]))
            else:
                raise AssertionError(f"not expanded: {op}")
            out = {a + b for a in out for b in alts}
        return out

    return seq(list(_parser.parse(pattern)))


def test_the_keyword_traces_cover_every_keyword() -> None:
    """mask_bytes looks for the assignment's keywords as a list of words: it is the whole
    language of the pattern's keyword alternation; each keyword starts with a word of the
    first pass, or holds `_key`/`-key` (whose `key` is a trace of its own). The first pass
    leaves out hits that overlap an earlier one: such a hit never matters. A keyword hidden
    so would follow a letter or digit (no trace) unless a word of the list could start after
    a non-letter inside another; an SNMP word, "://" or a PEM start could not start inside
    another word at all (but for a second SNMP word inside the first, which adds nothing)."""
    words = set(masking._KEYWORD_WORDS)
    assert words == _language(masking._KEYWORDS)
    assert set(masking._SEP_FIRST) == {b for b in range(256) if b != 0x0A and re.fullmatch(
        r"\s|[=:]", chr(b), re.IGNORECASE)}  # what a separator starts with, but \n
    letters_digits = [c != "_" and re.fullmatch(r"\w", c, re.IGNORECASE) is not None
                      for c in map(chr, range(256))]  # str's \w on latin-1, but `_`
    assert list(masking._WORDISH) == letters_digits
    for w in words:
        assert any(w.startswith(s.decode()) for s in masking._STARTS) or \
            "_key" in w or "-key" in w, w
    snmp = {b"community", b"com2sec"}
    unchecked = snmp | {b"://", b"-----begin"}  # hits that need no byte before them
    for s in masking._STARTS:
        for k in range(1, len(s)):
            for w in masking._STARTS:
                can = w.startswith(s[k:]) or s[k:].startswith(w)  # w could start at s[k]
                assert not can or (w not in unchecked and masking._WORDISH[s[k - 1]]) \
                    or {s, w} <= snmp, (s, k, w)


def test_every_byte_around_a_keyword(engine: str) -> None:
    """Each keyword after every byte (and after prefixes such as `db_`), before every byte,
    also in NUL-separated fields: mask_bytes equals mask_text over the latin-1 text."""
    lines = []
    for w in [*sorted(masking._KEYWORD_WORDS), "whiskey", "bypass", "monkey", "keys"]:
        for b in range(256):
            c = chr(b)
            up = c.upper() if all(ord(u) < 256 for u in c.upper()) else c
            if c != "\n":
                lines += [f"{c}{w}=v{b}", f"x{c}{w} v{b}", f"{w}{c}v{b}", f"{w}{c}= v{b}",
                          f"db{c}{w}: v{b}", f"{up}{w.upper()}{c}v{b}"]
    text = "\n".join(lines)
    want = mask_text(text, kh).encode("latin-1", "replace")
    assert mask_bytes(text.encode("latin-1"), kh) == want
    assert want.count(b"hmac:") > len(lines) // 8  # many lines are masked, not all
    fields = "\0".join(lines)
    assert mask_bytes(fields.encode("latin-1"), kh) == \
        mask_text(fields, kh).encode("latin-1", "replace")
