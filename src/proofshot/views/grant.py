"""A grant of the access view, and how its `via` reads.

`via` is the chain from the principal through its groups to the source: an ACE ("ACE
type;flags;mask"), "owner", mode bits or a sudo rule. A right to a folder over SMB has a second
source, the share-level ACL, as the last element: "share ACE type;flags;mask (chain)", or
SHARE_UNKNOWN when the share's ACL could not be read.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

SHARE_PREFIX = "share "
SHARE_UNKNOWN = "share ACL not read: NTFS rights only"
_MASK = re.compile(r"^((?:share )?ACE [^;]*;[^;]*);0x[0-9a-fA-F]+")
SUDO_PREFIX = "sudoers "
# a sudo rule's password tag (NOPASSWD: / PASSWD:) before a command: a condition of the grant,
# not part of what it grants
_PASSWD_TAG = re.compile(r"(?<![\w!])(NO)?PASSWD\s*:\s*")
# NOPASSWD among the tags before the first command (after "=" and the runas list)
_FIRST_NOPASSWD = re.compile(r"=\s*(?:\([^)]*\)\s*)?(?:[A-Z_]+\s*:\s*)*?NOPASSWD\s*:")
# the Defaults line after a sudo rule in a via: `authenticate` turned off for the grantee
_SUDO_DEFAULTS = re.compile(r"^sudoers [^:\n]*: Defaults(?:[:@>!]\S+)?(?:\s|$)")


@dataclass(frozen=True)
class Grant:
    principal: str
    resource: str
    rights: tuple[str, ...]
    via: tuple[str, ...]
    target: str

    def to_json(self) -> dict[str, Any]:
        return {"principal": self.principal, "resource": self.resource,
                "rights": list(self.rights), "via": list(self.via), "target": self.target}


def via_text(via: tuple[str, ...] | list[str], skip_principal: bool = True) -> str:
    """One line: the chain joined by ' -> ', the share-level source after ' ∩ '."""
    parts = list(via[1:] if skip_principal and len(via) > 1 else via)
    share = parts.pop() if parts and parts[-1].startswith(SHARE_PREFIX) else None
    text = " -> ".join(parts)
    return f"{text} ∩ {share}" if share else text


@functools.lru_cache(maxsize=1 << 14)  # a million files' grants share a handful of vias
def via_identity(via: tuple[str, ...]) -> tuple[str, ...]:
    """The via without the ACEs' masks: the same entry with another mask is the same source,
    so the access delta shows the rights a mask change added or removed, not every right
    through that entry as lost and gained again. Likewise a sudo rule without its password tags
    (NOPASSWD:, PASSWD:) and without the Defaults line that turned `authenticate` off: either
    changes a condition of the same grant (sudo_password), reported as changed, not as one
    grant lost and another gained."""
    return tuple(_PASSWD_TAG.sub("", x) if x.startswith(SUDO_PREFIX) else _MASK.sub(r"\1", x)
                 for x in via if not _SUDO_DEFAULTS.match(x))


def _sudo_parts(via: tuple[str, ...] | list[str]) -> tuple[str | None, str | None]:
    """The sudo rule of a via and the Defaults line after it (views/sudo.py), if any."""
    rule = defaults = None
    for x in via:
        if _SUDO_DEFAULTS.match(x):
            defaults = x
        elif x.startswith(SUDO_PREFIX):
            rule = x
    return rule, defaults


def sudo_password(via: tuple[str, ...] | list[str]) -> str | None:
    """Whether the sudo rule a grant comes through asks for the password: "required" (no
    NOPASSWD tag), "not-required" (NOPASSWD before its first command, never PASSWD after; or
    a Defaults line turned `authenticate` off and no command is tagged PASSWD), "partly" (some
    of its commands only: the rule's text says which), or None when the grant does not come
    from a sudo rule."""
    rule, defaults = _sudo_parts(via)
    if rule is None:
        return None
    tags = _PASSWD_TAG.findall(rule)
    if defaults is not None:
        return "partly" if "" in tags else "not-required"
    if "NO" not in tags:
        return "required"
    if "" not in tags and _FIRST_NOPASSWD.search(rule):
        return "not-required"
    return "partly"


def sudo_password_tags(via: tuple[str, ...] | list[str]) -> str:
    """The sudo rule's text with its password tags written alike ("NOPASSWD:ALL" and
    "NOPASSWD: ALL" read the same), and whether a Defaults line turned the password off:
    two vias of one grant differ in their password condition when these differ."""
    rule, defaults = _sudo_parts(via)
    text = _PASSWD_TAG.sub(lambda m: f"{m.group(1) or ''}PASSWD: ", rule or "")
    return text + (" [!authenticate]" if defaults else "")
