"""Who a sudo rule is for, and whether sudo asks them for a password, read as sudo reads sudoers.

A rule's user list ("alice, %dev, ADMINS, !bob, #1001, %#100, ALL") is matched item by item
and the last item that matches a user decides, a "!" item denying (sudoers(5), "Other
special characters and reserved words"); User_Alias definitions nest. So "ALL, !bob" is every
known account but bob, and an alias is followed to the users in it, the alias named in the
grant's via. `authenticate` is set by the generic `Defaults` lines, then by the `Defaults:LIST`
lines whose list matches the user, each in file order (the later overrides); a PASSWD: tag on a
command still asks (the tags override the default).

Not evaluated, each taken as "applies": host lists of rules and `Defaults@host` (a rule is read
as written for this host), `Defaults>runas` and `Defaults!command`. Netgroups (+ng), non-Unix
groups (%:grp) and a #uid no account has stay principals of their own, as written.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_COMMA = re.compile(r"\s*,\s*")
_DEFAULTS = re.compile(r"^Defaults(?:([:@>!])(\S+))?(?:\s+(.*))?$")
_ALIAS_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_MAX_DEPTH = 32  # alias nesting; sudo refuses cycles, a hostile file must not recurse forever

# (allowed, chain of alias/group via elements) when an item matches a user
Match = tuple[bool, tuple[str, ...]]


# a second host spec after the first command list: ": HOSTS =" (not a tag such as NOPASSWD:,
# whose colon follows a capital, nor a digest such as sha256:HEX)
_MORE_HOSTS = re.compile(r"(?:^|[^A-Za-z0-9_]):\s*[^\s(=:]+(?:\s*,\s*[^\s(=:]+)*\s*=(?!=)")


def user_list(rule: str) -> list[str]:
    """The user list of a rule's text: 'alice, %dev ALL=(ALL) ALL' -> ['alice', '%dev']."""
    head = _COMMA.sub(",", rule.split("=", 1)[0]).split()
    return [x for x in head[0].split(",") if x] if head else []


def host_list(rule: str) -> list[str] | None:
    """The host list of a rule with one host spec: 'alice web01, db01 = ALL' -> ['web01',
    'db01']; None where the rule has several (read as applying, see the module doc)."""
    head, _, rest = _COMMA.sub(",", rule).partition("=")
    words = head.split()
    if len(words) < 2 or _MORE_HOSTS.search(rest):
        return None
    return [x for x in words[1].split(",") if x]


def _aliases(rows: Iterable[Mapping[str, Any]], kind: str = "User_Alias"
             ) -> dict[str, list[str]]:
    """User_Alias NAME = a, b : OTHER = c  ->  {NAME: [a, b], OTHER: [c]}; the first wins."""
    out: dict[str, list[str]] = {}
    for r in rows:
        text = str(r.get("text") or "")
        if r.get("kind") != "alias" or not text.startswith(kind + " "):
            continue
        for part in text[len(kind) + 1:].split(":"):
            name, eq, items = part.partition("=")
            name = name.strip()
            if eq and _ALIAS_NAME.match(name):
                out.setdefault(name, [x for x in _COMMA.split(items.strip()) if x])
    return out


@dataclass
class Sudoers:
    """One target's sudoers as the access view needs it."""

    host: str
    members: Mapping[str, Sequence[str]]  # group -> users (primary and listed members)
    uids: Mapping[int, str] = field(default_factory=dict)
    gids: Mapping[int, str] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    # (via element, user list or None for generic, authenticate value)
    defaults: list[tuple[str, list[str] | None, bool]] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    hostname: str | None = None  # the target's, None: not known (every host list applies)
    addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = field(default_factory=list)
    host_aliases: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, host: str, rows: Sequence[Mapping[str, Any]],
             members: Mapping[str, Sequence[str]], users: Iterable[Mapping[str, Any]],
             groups: Iterable[Mapping[str, Any]], hostname: str | None = None,
             addresses: Iterable[str] = ()) -> Sudoers:
        uids: dict[int, str] = {}
        for u in users:
            if isinstance(u.get("uid"), int):
                uids.setdefault(u["uid"], str(u["name"]))
        gids: dict[int, str] = {}
        for g in groups:
            if isinstance(g.get("gid"), int):
                gids.setdefault(g["gid"], str(g["name"]))
        known = set(uids.values()) | {u for us in members.values() for u in us}
        ips = []
        for a in addresses:
            try:
                ips.append(ipaddress.ip_interface(a).ip)
            except ValueError:
                continue
        s = cls(host, members, uids, gids, _aliases(rows), accounts=sorted(known),
                hostname=hostname or None, addresses=ips,
                host_aliases=_aliases(rows, "Host_Alias"))
        for r in rows:
            if r.get("kind") == "defaults":
                s._default(str(r.get("file")), str(r.get("text") or ""))
        return s

    def _default(self, file: str, text: str) -> None:
        m = _DEFAULTS.match(_COMMA.sub(",", text))
        if not m or m.group(1) in (">", "!"):
            return  # runas and command defaults: not evaluated (module docstring)
        value: bool | None = None
        for setting in (m.group(3) or "").split(","):
            s = setting.strip()
            bang = len(s) - len(s.lstrip("!"))
            if s.lstrip("!") == "authenticate":
                value = bang % 2 == 0
        if value is not None:
            who = m.group(2).split(",") if m.group(1) == ":" and m.group(2) else None
            self.defaults.append((f"sudoers {file}: {text}", who, value))

    def _match(self, item: str, user: str, depth: int) -> Match | None:
        neg = False
        while item.startswith("!"):
            neg, item = not neg, item[1:]
        got: Match | None = None
        if item == "ALL":
            got = (True, ())
        elif item.startswith("%:") or item.startswith("+"):
            got = (True, ()) if item == user else None
        elif item.startswith("%"):
            name = item[1:]
            if name.startswith("#") and name[1:].isdigit():
                name = self.gids.get(int(name[1:]), name)
            if user in self.members.get(name, ()):
                got = (True, (f"{self.host}\\{name}",))
        elif item.startswith("#") and item[1:].isdigit():
            got = (True, ()) if self.uids.get(int(item[1:]), item) == user else None
        elif item in self.aliases:
            inner = self.match(self.aliases[item], user, depth + 1) \
                if depth < _MAX_DEPTH else None
            if inner is not None:
                got = (inner[0], (f"User_Alias {item}", *inner[1]))
        elif item == user:
            got = (True, ())
        if got is None:
            return None
        return (got[0] != neg, got[1])

    def match(self, items: Sequence[str], user: str, depth: int = 0) -> Match | None:
        """The last item of `items` matching `user` decides (None: no item matches)."""
        last: Match | None = None
        for item in items:
            m = self._match(item, user, depth)
            if m is not None:
                last = m
        return last

    def _literals(self, items: Sequence[str], depth: int = 0) -> Iterator[str]:
        """Names written in the list (aliases followed) that may have no account."""
        for item in items:
            item = item.lstrip("!")
            if item in self.aliases:
                if depth < _MAX_DEPTH:
                    yield from self._literals(self.aliases[item], depth + 1)
            elif item.startswith("#") and item[1:].isdigit():
                yield self.uids.get(int(item[1:]), item)
            elif item.startswith(("%:", "+")) or not (item.startswith("%") or item == "ALL"):
                yield item

    def _everyone(self, items: Sequence[str], depth: int = 0) -> bool:
        """ALL in the list with no "!" anywhere in it: the rule is for every account."""
        all_ = False
        for item in items:
            if item.startswith("!"):
                return False
            if item == "ALL":
                all_ = True
            elif item in self.aliases and depth < _MAX_DEPTH:
                sub = self.aliases[item]
                if any(x.startswith("!") for x in sub):
                    return False
                all_ = all_ or self._everyone(sub, depth + 1)
        return all_

    def _host_item(self, item: str, depth: int) -> bool | None:
        """Whether one host item (no "!") names this host; None: cannot tell."""
        if item == "ALL":
            return True
        if item in self.host_aliases:
            return self.on_host(self.host_aliases[item], depth + 1) \
                if depth < _MAX_DEPTH else None
        if item.startswith("+") or self.hostname is None:
            return None
        if any(c.isdigit() for c in item[:1]) or ":" in item:
            try:
                net = ipaddress.ip_network(item, strict=False)
            except ValueError:
                pass
            else:
                return any(a in net for a in self.addresses) if self.addresses else None
        name = self.hostname.lower()
        pattern = item.lower()
        if "." in pattern and "." not in name:
            return None  # a domain name: the host's FQDN is not known
        short = name if "." in pattern else name.split(".", 1)[0]
        return fnmatch.fnmatchcase(short, pattern)

    def on_host(self, items: Sequence[str], depth: int = 0) -> bool | None:
        """Whether a host list takes in this host: the last item deciding, as for users;
        None when an item that could decide cannot be told."""
        last: bool | None = False
        for item in items:
            neg = False
            while item.startswith("!"):
                neg, item = not neg, item[1:]
            m = self._host_item(item, depth)
            if m is None:
                last = None
            elif m:
                last = not neg
        return last

    def principals(self, rule: str) -> list[tuple[str, tuple[str, ...]]]:
        """(user, via chain between the user and the rule) for each user the rule is for;
        "*" for a rule whose list is ALL without exceptions; none for a rule whose host list
        does not take in this host."""
        hosts = host_list(rule)
        if hosts is not None and self.on_host(hosts) is False:
            return []
        items = user_list(rule)
        if self._everyone(items):
            return [("*", ())]
        out: list[tuple[str, tuple[str, ...]]] = []
        for user in sorted(set(self.accounts) | set(self._literals(items))):
            m = self.match(items, user)
            if m is not None and m[0]:
                out.append((user, m[1]))
        return out

    def no_password(self, user: str) -> str | None:
        """The Defaults line that turned `authenticate` off for `user` (None: it is on); for
        "*" only the generic lines are read."""
        auth, by = True, ""
        for src, who, value in self.defaults:
            if who is None:
                auth, by = value, src
        if user != "*":
            for src, who, value in self.defaults:
                if who is not None:
                    m = self.match(who, user)
                    if m is not None and m[0]:
                        auth, by = value, src
        return None if auth else by
