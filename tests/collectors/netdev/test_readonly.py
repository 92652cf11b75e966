"""No declared command can change a device: every command a platform declares (queries and
session commands) is a show-class command by a strict grammar, and the transport sends
nothing else (test_hostile.test_an_undeclared_command_is_never_sent)."""

from __future__ import annotations

import re

import pytest

from proofshot.collectors.netdev.platforms import PLATFORMS, Platform

# what may be sent: display commands, optionally piped through display-only filters
_SHOW = re.compile(
    r"^(?:show|get|more system:running-config|display|cat /(?:conf|cf/conf|etc)/[\w./]+"
    r"|/export(?: show-sensitive)?|/system (?:resource|package update|history) print"
    r"(?: without-paging)?"
    r"|opnsense-version \|\| echo \"OPNsense \"`cat /usr/local/opnsense/version/opnsense`)"
    r"(?: [\w:./\-\"]+)*"
    r"(?: \| (?:no-more|display omit|exclude [^|;`$]+|grep [^|;`$]+|include [^|;`$]+))*$")
# session settings: paging and width of this login only, nothing stored on the device
_SESSION = re.compile(r"^(?:terminal (?:length|width|pager) 0|no page|set cli screen-"
                      r"(?:length|width) 0)$")
# words that change a device, in any declared command
_CHANGE = re.compile(r"\b(?:conf(?:ig(?:ure)?)?\s+t|configure|write|copy|delete|erase|reload|"
                     r"reboot|request|clear|commit|rollback|set(?! cli screen)|unset|edit|"
                     r"purge|format|install|upgrade|shutdown|no (?!page\b|more\b))", re.I)


@pytest.mark.parametrize("p", PLATFORMS, ids=lambda p: p.name)
def test_every_declared_command_is_show_class(p: Platform) -> None:
    assert p.commands
    for cmd in p.commands:
        assert _SHOW.match(cmd), f"{p.name}: {cmd!r} is not a show-class command"
        assert not _CHANGE.search(cmd.split("|")[0]), f"{p.name}: {cmd!r} may change the device"
        assert not re.search(r"[;&>]|\$\(", cmd), f"{p.name}: {cmd!r} chains or redirects"
    for cmd in p.dialect.session:
        assert _SESSION.match(cmd), f"{p.name}: session command {cmd!r}"
    if p.dialect.enable:
        assert p.dialect.enable == "enable"
    assert p.dialect_for_scan().commands == frozenset(p.commands)


def test_the_grammar_refuses_what_changes_a_device() -> None:
    """The checks above can fail: commands that change devices do not pass them."""
    for bad in ("configure terminal", "write memory", "copy running-config startup-config",
                "reload", "request system reboot", "clear counters", "set system host-name x",
                "show running-config; reload", "cat /conf/config.xml > /tmp/x", "delete x",
                "/system reboot"):
        ok = (_SHOW.match(bad) and not _CHANGE.search(bad.split("|")[0])
              and not re.search(r"[;&>]|\$\(", bad))
        assert not ok, bad
