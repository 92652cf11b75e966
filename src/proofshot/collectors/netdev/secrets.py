"""Secrets in device configurations, masked before anything is stored (pure: text in, text out).

Each rule is a regex whose group `v` is a secret value; the value is replaced by its keyed
hash (HMAC with the workspace salt, the same mechanism as scan/masking.py), so a changed
secret still shows as changed and its value never reaches the store. What stays is what a
finding needs: the keyword and the storage type ("secret 9", "password 7", "community ... RW").

The rules every platform shares cover Cisco-style `password|secret|key [TYPE] VALUE` (type
0/5/7/8/9, pbkdf2 and sha512 hashes), cleartext type-0 values with spaces, SNMP communities
(also as the community argument of `snmp-server host`), SNMPv3 auth/priv keys, RADIUS/TACACS
keys, pre-shared keys, WPA keys, credentials in URLs, key=value pairs (RouterOS), secret XML
elements (OPNsense/pfSense) and PEM private keys (replaced whole). A platform adds its own
(FortiOS `set ... ENC`, Junos `## SECRET-DATA`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

Hasher = Callable[[str], str]

_STOP = r"(?:secret|password|pbkdf2|encrypted|privilege|level|role|mschap|nt-encrypted)"
_KEYWORDS = (r"(?:[\w]+[-_])*(?:password|passwd|secret|pwd|passphrase|psksecret|key-string"
             r"|key|psk)|private\s+key")
_VALUE = r"""(?P<v>"(?:[^"\\]|\\.)*"|'[^']*'|[^\s'"]+)"""
# words that follow `key` and are no secret ("crypto key generate rsa", "key chain NAME")
_NOT_SECRET = frozenset({"chain", "generate", "zeroize", "config-key", "pair", "encryption",
                         "policy", "import", "export", "storage", "recovery", "exchange",
                         "hash", "type", "min-length", "strength", "aging", "management"})
# lines of free text: their words are no keywords
_FREE_TEXT = re.compile(r"^\s*(?:description|remark|alias|banner|name)\b", re.IGNORECASE)

SHARED_RULES: tuple[str, ...] = (
    # type 0 (cleartext) values may hold spaces: up to the next keyword or the line's end
    rf"\b(?:password|secret|set-key\s+(?:ascii|hex))\s+0\s+(?P<v>\S.*?)(?=\s+{_STOP}\s|\s*\r?$)",
    rf"(?i)(?<![\w.-])(?:{_KEYWORDS})\s+(?:(?:\d+|ENC|encrypted|ciphertext|plaintext|ascii-text|hex|ascii|md5|sha\d*)\s+){{0,2}}"
    rf"{_VALUE}",
    rf"(?i)\bcommunity\s+(?:(?:\d|community-name)\s+)?{_VALUE}",
    r"\bsnmp-server host \S+(?:\s+vrf\s+\S+)?(?:\s+(?:traps|informs))?\s+version\s+(?:1|2c)"
    r"\s+(?P<v>\S+)",
    r"\bsnmp-server host \S+\s+(?!version\b|traps\b|informs\b|vrf\b)(?P<v>[^\s\d.]\S*)",
    r"\b(?:auth\s+(?:md5|sha\S*)|priv\s+(?:aes(?:-?\d+)?(?:\s+\d+)?|des\S*|3des))"
    r"\s+(?:\d\s+)?(?P<v>[^\s\d]\S*|\d\S{3,})",
    r"://[^/\s:@\"']+:(?P<v>[^@/\s\"']+)@",
    r"(?i)(?<![\w-])(?:[\w-]*-)?(?:password|passwd|secret|passphrase|pre-shared-key|"
    r"private-key|psk|key)=(?P<v>\"(?:[^\"\\]|\\.)*\"|\S+)",
    r"<(?P<t>[\w-]*(?:password|passwd|secret|hash|psk|community|apikey|bindpw|passphrase|key"
    r"|seed)[\w-]*|prv|tls)>(?P<v>[^<]+)</(?P=t)>",
)
_PEM = re.compile(r"-----BEGIN ((?:[A-Z]+ )*PRIVATE KEY)-----.*?-----END \1-----", re.DOTALL)


class SecretRules:
    """The shared rules plus a platform's own, compiled once."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        self.rules = [re.compile(r) for r in (*SHARED_RULES, *extra)]

    def mask(self, text: str, keyed_hash: Hasher) -> str:
        if "PRIVATE KEY-----" in text:
            text = _PEM.sub(lambda m: f"-----MASKED {m.group(1)} {keyed_hash(m.group(0))}-----",
                            text)
        return "\n".join(self._line(line, keyed_hash) for line in text.split("\n"))

    def _line(self, line: str, keyed_hash: Hasher) -> str:
        free = bool(_FREE_TEXT.match(line))
        for rule in self.rules:
            if free and rule.pattern != self.rules[2].pattern:
                continue

            def repl(m: re.Match[str]) -> str:
                v = m.group("v")
                bare = v.strip("\"'")
                if bare.startswith("hmac:") or not bare or bare.lower() in _NOT_SECRET:
                    return m.group(0)
                start, end = m.start("v") - m.start(), m.end("v") - m.start()
                whole = m.group(0)
                return whole[:start] + keyed_hash(v) + whole[end:]

            line = rule.sub(repl, line)
        return line


def mask_bytes(data: bytes, rules: SecretRules, keyed_hash: Hasher) -> bytes:
    """Bytes that are not UTF-8 pass through (latin-1 maps each byte to one character)."""
    if not data:
        return data
    return rules.mask(data.decode("latin-1"), keyed_hash).encode("latin-1", errors="replace")
