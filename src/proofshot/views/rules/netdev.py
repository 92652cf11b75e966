"""Rules over device configurations and facts (switches, routers, firewalls over their CLI).

The configuration is read as stored: secrets are keyed hashes, so a default SNMP community is
found by comparing hashes (the store's keyed hash of "public"), never by reading a value.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator

from proofshot.model.table import Row
from proofshot.views.rules.base import Context, Hit, Rule, hit
from proofshot.views.snapshot import TargetData

CFG = "device_config"
FACTS = "device_facts"


def _lines(t: TargetData) -> list[tuple[Row, str]]:
    return [(r, ln) for r in t.rows(CFG) for ln in (r.get("lines") or "").split("\n")]


def _matching(pattern: str, subject: str, detail: str = "") -> Callable[[Context], Iterator[Hit]]:
    rx = re.compile(pattern, re.IGNORECASE)

    def check(ctx: Context) -> Iterator[Hit]:
        for t in ctx.targets(CFG):
            rows = [r for r, ln in _lines(t) if rx.search(ln)]
            if rows:
                first = next(ln for _, ln in _lines(t) if rx.search(ln)).strip()
                yield hit(t, subject, CFG, rows[:5], detail or first)
    return check


def _missing(pattern: str, subject: str) -> Callable[[Context], Iterator[Hit]]:
    rx = re.compile(pattern, re.IGNORECASE | re.MULTILINE)

    def check(ctx: Context) -> Iterator[Hit]:
        for t in ctx.targets(CFG):
            rows = t.rows(CFG)
            text = "\n".join(f"{r['section']}\n{r.get('lines') or ''}" for r in rows)
            if text.strip() and not rx.search(text):  # evidence: the configuration read
                yield hit(t, subject, CFG, rows[:3], f"{len(rows)} sections read")
    return check


def _default_community(ctx: Context) -> Iterator[Hit]:
    if ctx.keyed_hash is None:
        return
    kh = ctx.keyed_hash
    known = {kh(q + w + q): w for w in ("public", "private") for q in ("", "'", '"')}
    for t in ctx.targets(CFG):
        for r, ln in _lines(t):
            if "community" not in ln.lower() and "snmp" not in ln.lower():
                continue
            for h in re.findall(r"hmac:[0-9a-f]{64}", ln):
                if h in known:
                    yield hit(t, known[h], CFG, [r], f"SNMP community '{known[h]}'")


def _firmware_drift(ctx: Context) -> Iterator[Hit]:
    groups: dict[str, list[tuple[TargetData, Row]]] = defaultdict(list)
    for t in ctx.targets(FACTS):
        for r in t.rows(FACTS):
            if r.get("model") and r.get("os_version"):
                groups[str(r["model"])].append((t, r))
    for model, devs in sorted(groups.items()):
        if len(devs) < 2:
            continue
        common, n = Counter(str(r["os_version"]) for _, r in devs).most_common(1)[0]
        if n == len(devs):
            continue
        for t, r in devs:
            if r["os_version"] != common or n * 2 == len(devs):
                yield hit(t, model, FACTS, [r], f"{r['os_version']} (peers: {common})")


RULES: tuple[Rule, ...] = (
    Rule("netdev-telnet", "high", "Telnet management enabled",
         "Allow SSH only on management lines and interfaces (transport input ssh).", (CFG,),
         _matching(r"transport input (?:all|.*\btelnet)|allowaccess .*\btelnet\b|"
                   r"^\s*telnet;|set service telnet|^\s*telnet-server", "telnet")),
    Rule("netdev-http-mgmt", "medium", "Unencrypted HTTP management enabled",
         "Disable the plain HTTP server; use HTTPS (or SSH) for management.", (CFG,),
         _matching(r"^ip http server\s*$|allowaccess .*\bhttp\b|^\s*http\s*[;{]|"
                   r"web-management \{?\s*http\b", "http")),
    Rule("netdev-ssh-v1", "high", "SSH protocol version 1 allowed",
         "Allow SSH version 2 only (ip ssh version 2).", (CFG,),
         _matching(r"^\s*(?:ip )?ssh version 1\b|protocol-version v1", "ssh v1")),
    Rule("netdev-snmp-default-community", "high", "SNMP community 'public' or 'private'",
         "Use SNMPv3, or at least a long random community with an ACL.", (CFG,),
         _default_community),
    Rule("netdev-snmp-write", "high", "SNMP v1/v2c write access",
         "Remove read-write communities; use SNMPv3 with authPriv where writes are needed.",
         (CFG,), _matching(r"community \S+ (?:view \S+ )?RW\b|authorization '?rw'?|"
                           r"authorization read-write|rwcommunity", "snmp rw")),
    Rule("netdev-weak-password-type", "high", "Password stored as type 0 (clear) or 7 "
         "(reversible)",
         "Store passwords as type 8/9 secrets (username X secret ..., enable secret).", (CFG,),
         _matching(r"\b(?:password|key|key-string)\s+[07]\s|^enable password\b|"
                   r"plaintext-password", "password type 0/7")),
    Rule("netdev-no-aaa", "medium", "No AAA (local users only)",
         "Authenticate administrators against TACACS+/RADIUS with local fallback.", (CFG,),
         _missing(r"^aaa |tacacs|radius|authentication-order", "aaa")),
    Rule("netdev-no-ntp", "medium", "No NTP server",
         "Configure NTP servers so that logs and certificates have the right time.", (CFG,),
         _missing(r"ntp.*server|^\s*server \S+;|ntpsync enable|/system ntp client|"
                  r"service ntp server", "ntp")),
    Rule("netdev-no-remote-logging", "medium", "No remote logging",
         "Send logs to a central syslog server, so they survive the device.", (CFG,),
         _missing(r"^logging (?:host |server )?[\w.:-]+\s*$|syslog.*\bhost\b|^\s*host \S+ \{|"
                  r"config log syslogd|remote=|system syslog host|<remoteserver>\S", "syslog")),
    Rule("netdev-default-account", "medium", "Default account name in use",
         "Use personal accounts; remove or rename default ones (admin, cisco, root, manager).",
         (CFG,), _matching(r"^(?:username|user) (?:admin|cisco|manager|ubnt|root)\b|"
                           r"^\s*user (?:admin|root) \{|edit \"admin\"", "default account")),
    Rule("netdev-firmware-drift", "medium", "Firmware differs between devices of one model",
         "Bring devices of one model to one tested firmware version.", (FACTS,),
         _firmware_drift),
)
