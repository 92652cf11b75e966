"""The declared PowerShell: read-only verbs only, never Win32_Product, and queries that fit
the transports (an -EncodedCommand argv both can run; cmd.exe's line limit over OpenSSH)."""

from __future__ import annotations

import re

from proofshot.collectors.windows import queries as Q
from proofshot.collectors.windows.collector import COLLECTOR, SSH_MAX_COMMAND, plan_queries
from proofshot.transports.winrm import script_of

READING = {"Get", "Test", "Select", "Where", "ForEach", "Sort", "ConvertTo", "Measure", "Join"}
CMDLET = re.compile(r"\b([A-Z][a-z]+)-([A-Z][A-Za-z]+)\b")
SIDE_EFFECTS = re.compile(r"\.(Delete|Put|Invoke|Create|Set\w*|Remove\w*|Start|Stop)\(|"
                          r"Invoke-|Set-|Remove-|New-|Start-|Stop-|Win32_Product", re.IGNORECASE)


def _all_scripts() -> list[str]:
    out = []
    for options in ({"type": "winrm", "paths": ["C:\\Data", "D:\\it's"]}, {"type": "ssh"}):
        out += [script_of(s.query.argv) or "" for s in COLLECTOR.plan(options).steps]
    return out


def test_only_reading_verbs_and_never_win32_product() -> None:
    scripts = _all_scripts()
    assert scripts and all(scripts)
    verbs = {m.group(1) for s in scripts for m in CMDLET.finditer(s)}
    assert verbs and verbs <= READING, verbs - READING
    for s in scripts:
        assert not SIDE_EFFECTS.search(s), SIDE_EFFECTS.search(s)
        assert s.rstrip().endswith("ConvertTo-Json -Compress -Depth 8")


def test_every_section_is_planned_once() -> None:
    for t in ("winrm", "ssh"):
        groups = plan_queries({"type": t})
        names = [n for secs in groups.values() for n in secs]
        assert sorted(names) == sorted({*Q.SECTIONS, "acls", "events"})


def test_winrm_groups_few_round_trips_ssh_fits_cmd() -> None:
    assert len(COLLECTOR.plan({"type": "winrm"}).steps) == len(Q.GROUPS) == 6
    for s in COLLECTOR.plan({"type": "ssh", "paths": ["C:\\Data"]}).steps:
        assert len(" ".join(s.query.argv)) <= SSH_MAX_COMMAND
        assert s.query.argv[:4] == ("powershell.exe", "-NoProfile", "-NonInteractive",
                                    "-EncodedCommand")
        assert not s.query.batch and not s.query.privileged  # never the sh framing script


def test_scope_paths_are_quoted() -> None:
    script = next(script_of(s.query.argv) for s in COLLECTOR.plan(
        {"type": "winrm", "paths": ["D:\\it's $(x)"]}).steps if s.query.id == "accounts")
    assert script is not None and "'D:\\it''s $(x)'" in script


def _unbalanced(script: str) -> str | None:
    """The first bracket that does not close (outside '...' and "..." strings), else None.
    No PowerShell parser runs here: this catches the typos a reader would miss."""
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(script):
        ch = script[i]
        if quote:
            if ch == quote:
                if script[i + 1:i + 2] == quote:  # doubled quote inside a string
                    i += 1
                else:
                    quote = None
            elif ch == "`" and quote == '"':
                i += 1
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or script[i - 1] in " \n\t;"):  # a comment to line end
            i = script.find("\n", i)
            if i < 0:
                break
        elif ch in "([{":
            stack.append(ch)
        elif ch in ")]}" and (not stack or stack.pop() != pairs[ch]):
            return f"{ch} at {i}: {script[max(0, i - 60):i + 1]!r}"
        i += 1
    if quote:
        return f"unterminated {quote}"
    return f"{stack[-1]} not closed" if stack else None


def test_every_script_is_balanced() -> None:
    for s in _all_scripts():
        assert _unbalanced(s) is None, _unbalanced(s)
    bodies = Q.sections(["C:\\x"])
    for name, body in bodies.items():
        assert _unbalanced(body) is None, (name, _unbalanced(body))
