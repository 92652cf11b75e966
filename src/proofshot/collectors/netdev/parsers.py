"""Pure parsers: a device's (masked) answers in, rows out. No I/O.

The answers are the device's bytes as they came (see transports/netdev.py): carriage returns,
escape codes and pager residue are cleaned here, line by line, the way a terminal shows them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from proofshot.collectors.netdev.platforms import Platform
from proofshot.model.table import Row
from proofshot.transports.netdev import clean_line

# lines that only close a block: they belong to the section of the line before
_CLOSERS = re.compile(r"^\s*(?:\}|\};|exit|end|next|exit-address-family|exit-vrf|quit|"
                      r"</[^>]+>)\s*$")
# top-level lines without children are grouped by their first word, or two for these
_TWO_WORDS = frozenset({"ip", "ipv6", "no", "set", "service", "system", "snmp-server",
                        "logging", "aaa", "spanning-tree", "vlan", "ntp", "router", "crypto"})
_WORD = re.compile(r"<?[^\s<>=]+")


def text_lines(text: str, platform: Platform) -> list[str]:
    """The answer as a terminal shows it: cleaned lines, pager prompts and blank edges gone."""
    more = re.compile(platform.dialect.more) if platform.dialect.more else None
    out = []
    for raw in text.split("\n"):
        line = clean_line(raw.encode("utf-8", errors="replace")).rstrip()
        if more is not None and more.match(line.strip()) and len(line) < 40:
            continue
        out.append(line)
    while out and not out[0].strip():
        out.pop(0)
    while out and not out[-1].strip():
        out.pop()
    return out


def config_lines(text: str, platform: Platform) -> list[str]:
    """Configuration lines: separators (a lone comment mark) and blank lines dropped;
    RouterOS continuation lines ('\\' at the end) joined."""
    out: list[str] = []
    pending = ""
    for line in text_lines(text, platform):
        if platform.structure == "slash":
            if line.endswith("\\"):
                pending += line[:-1] if not pending else line[:-1].lstrip()
                continue
            if pending:
                line, pending = pending + line.lstrip(), ""
        stripped = line.strip()
        if not stripped or (platform.comment and stripped == platform.comment):
            continue
        out.append(line)
    if pending:
        out.append(pending)
    return out


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _head(text: str) -> str:
    """A block's name: its line without an opening brace."""
    name: str = text.strip().removesuffix("{").strip()
    return name


def _group(text: str) -> str:
    words: list[str] = _WORD.findall(text.strip())
    if not words:
        return text.strip()
    if words[0].lower() in _TWO_WORDS and len(words) > 1:
        return f"{words[0]} {words[1]}"
    return words[0]


def sections(lines: list[str], platform: Platform) -> dict[str, list[str]]:
    """Section path -> its lines, in order of first appearance."""
    out: dict[str, list[str]] = {}

    def put(key: str, line: str) -> None:
        out.setdefault(key, []).append(line)

    if platform.structure == "slash":
        key = "(header)"
        for line in lines:
            if line.startswith("/"):
                key = line.strip()
            put(key, line)
        return out
    if platform.structure == "words":
        for line in lines:
            words = line.split()
            if words and words[0] in ("set", "delete"):
                words = words[1:]
            # the path without the setting's own last words (leaf and value)
            n = min(platform.section_depth, max(1, len(words) - 2))
            put(" ".join(w.strip("'\"") for w in words[:n]) or "(empty)", line)
        return out
    depth = platform.section_depth
    stack: list[tuple[int, str, str]] = []  # open blocks: indent, name, section key
    last_key = "(top)"
    for i, line in enumerate(lines):
        ind = _indent(line)
        if _CLOSERS.match(line):
            # a closer belongs to the block it closes (so a block added after it does not
            # move it); a last top-level 'end' closes nothing
            opener = next((k for n, _, k in reversed(stack) if n == ind), None)
            if ind == 0 and i == len(lines) - 1 and line.strip() == "end":
                opener = "(end)"
            put(opener or last_key, line)
            continue
        header = last_key in ("(top)", "(header)")
        if platform.comment and ind == 0 and line.startswith(platform.comment):
            put("(header)" if header else last_key, line)
            continue
        if header and ind == 0 and any(re.search(v, line) for v in platform.volatile):
            put("(header)", line)  # "Building configuration...", "Current configuration : N"
            continue
        while stack and stack[-1][0] >= ind:
            stack.pop()
        nxt = next((ln for ln in lines[i + 1:] if ln.strip()), None)
        has_children = nxt is not None and _indent(nxt) > ind and not _CLOSERS.match(nxt)
        path = [t for _, t, _ in stack][:depth]
        if len(path) < depth:
            path.append(_head(line) if has_children else _group(line))
        last_key = " > ".join(path)
        put(last_key, line)
        if has_children:
            stack.append((ind, _head(line), last_key))
    return out


def config_rows(text: str, platform: Platform) -> list[Row]:
    volatile = [re.compile(r) for r in platform.volatile]
    rows: list[Row] = []
    for pos, (key, lines) in enumerate(sections(config_lines(text, platform), platform).items()):
        keep = [ln for ln in lines if not any(v.search(ln.strip()) for v in volatile)]
        moving = [ln for ln in lines if any(v.search(ln.strip()) for v in volatile)]
        rows.append({"section": key, "lines": "\n".join(keep) if keep else None,
                     "volatile_lines": "\n".join(moving) if moving else None,
                     "position": pos})
    return rows


def facts_row(platform: Platform, facts_text: str, config_text: str | None) -> Row:
    row: dict[str, Any] = {"platform": platform.name, "vendor": platform.vendor}
    clean = "\n".join(text_lines(facts_text, platform))
    cfg = "\n".join(text_lines(config_text, platform)) if config_text is not None else ""
    for fact, pattern in platform.fact_patterns.items():
        m = re.search(pattern, clean) or re.search(pattern, cfg)
        row[fact] = m.group(1).strip() if m else None
    if config_text is not None:
        lines = config_lines(config_text, platform)
        row["config_sections"] = len(sections(lines, platform))
        if platform.attribution:
            rx = re.compile(platform.attribution)
            for line in lines:
                m = rx.search(line.strip())
                if m:
                    got = m.groupdict()
                    row["last_change"] = (got.get("at") or "").strip() or None
                    row["changed_by"] = got.get("by")
                    break
    return row


def inventory_rows(text: str, platform: Platform) -> Iterator[Row]:
    lines = text_lines(text, platform)
    if platform.inventory_format == "cisco":
        yield from _cisco_inventory(lines)
    elif platform.inventory_format == "junos":
        yield from _junos_inventory(lines)
    elif platform.inventory_format == "eos":
        yield from _eos_inventory(lines)


_CISCO_NAME = re.compile(r'NAME:\s*"(?P<name>[^"]*)"\s*,\s*DESCR:\s*"(?P<descr>[^"]*)"', re.I)
_CISCO_PID = re.compile(r"PID:\s*(?P<pid>[^,]*?)\s*,\s*VID:\s*(?P<vid>[^,]*?)\s*,\s*SN:\s*"
                        r"(?P<sn>\S*)")


def _cisco_inventory(lines: Iterable[str]) -> Iterator[Row]:
    name: dict[str, str] | None = None
    for line in lines:
        m = _CISCO_NAME.search(line)
        if m:
            name = {"name": m.group("name"), "description": m.group("descr")}
            continue
        p = _CISCO_PID.search(line)
        if p and name is not None:
            yield {**name, "part": p.group("pid") or None, "version": p.group("vid") or None,
                   "serial": p.group("sn") or None}
            name = None


def _junos_inventory(lines: list[str]) -> Iterator[Row]:
    header = next((i for i, ln in enumerate(lines) if ln.startswith("Item ")), None)
    if header is None:
        return
    h = lines[header]
    cols = [h.index(w) for w in ("Version", "Part number", "Serial number", "Description")]
    parents: list[tuple[int, str]] = []
    for line in lines[header + 1:]:
        if not line.strip():
            continue
        item = line[:cols[0]].rstrip()
        ind = _indent(item)
        while parents and parents[-1][0] >= ind:
            parents.pop()
        name = " / ".join([p for _, p in parents] + [item.strip()])
        parents.append((ind, item.strip()))

        def cut(a: int, b: int | None, line: str = line) -> str | None:
            return line[a:b].strip() or None if len(line) > a else None

        yield {"name": name, "version": cut(cols[0], cols[1]), "part": cut(cols[1], cols[2]),
               "serial": cut(cols[2], cols[3]), "description": cut(cols[3], None)}


def _eos_inventory(lines: list[str]) -> Iterator[Row]:
    """EOS: the 'System information' block (model, serial) and the port/transceiver tables
    whose last three columns are model, serial and date."""
    for i, line in enumerate(lines):
        if line.strip().startswith("Model") and "Description" in line and i + 2 < len(lines):
            # 'System Information': the chassis (model, description; HW version and serial)
            model = lines[i + 2].split(None, 1)
            ser = next((lines[j + 2].split() for j in range(i, min(i + 8, len(lines) - 2))
                        if "Serial Number" in lines[j]), [])
            yield {"name": "System", "part": model[0] if model else None,
                   "description": model[1].strip() if len(model) > 1 else None,
                   "version": ser[0] if len(ser) > 1 else None,
                   "serial": ser[1] if len(ser) > 1 else None}
            break


# interface addresses in the configuration (the paths view reads them): per structure
_IF_SECTION = re.compile(r'^(?:interface (?P<a>\S+(?: \S+)?)|interfaces > (?P<b>\S+)'
                         r'|config system interface > edit "(?P<c>[^"]+)")$')
_ADDR_LINE = re.compile(
    r"^\s*(?:ip(?:v4)? address |ipv6 address |address |set ip )"
    r"(?P<a>[\d.]+|[0-9a-fA-F:]+:[0-9a-fA-F:.]*)(?:/(?P<len>\d+)| (?P<mask>[\d.]+))?"
    r"(?:[;\s]|$)")
_JUNOS_UNIT = re.compile(r"^\s*unit (\d+)")
_VYOS_ADDR = re.compile(r"^set interfaces \S+ (?P<if>\S+)(?: vif (?P<vif>\d+))? address "
                        r"'?(?P<a>[\d.]+|[0-9a-fA-F:]+:[0-9a-fA-F:.]*)/(?P<len>\d+)'?")
_ROS_ADDR = re.compile(r"^add address=(?P<a>[\d.]+)/(?P<len>\d+).*?\binterface=(?P<if>\S+)")


def _prefix(mask: str) -> int | None:
    try:
        bits = "".join(f"{int(o):08b}" for o in mask.split("."))
    except ValueError:
        return None
    return bits.count("1") if len(bits) == 32 and "01" not in bits else None


def address_rows(text: str, platform: Platform) -> Iterator[Row]:
    lines = config_lines(text, platform)

    def row(iface: str, addr: str, length: str | None, mask: str | None) -> Row:
        plen = int(length) if length else (_prefix(mask) if mask else None)
        return {"interface": iface, "address": addr, "prefix_length": plen,
                "family": "inet6" if ":" in addr else "inet"}

    if platform.structure == "words":
        for ln in lines:
            m = _VYOS_ADDR.match(ln)
            if m:
                name = m["if"] + (f".{m['vif']}" if m["vif"] else "")
                yield row(name, m["a"], m["len"], None)
        return
    for key, body in sections(lines, platform).items():
        if platform.structure == "slash":
            if key == "/ip address":
                for ln in body:
                    m = _ROS_ADDR.match(ln)
                    if m:
                        yield row(m["if"], m["a"], m["len"], None)
            continue
        sec = _IF_SECTION.match(key)
        if not sec:
            continue
        iface = sec["a"] or sec["b"] or sec["c"]
        unit = ""
        for ln in body:
            u = _JUNOS_UNIT.match(ln)
            if u:
                unit = "." + u.group(1)
            m = _ADDR_LINE.match(ln)
            if m and m["a"] and not ln.strip().startswith("no "):
                yield row(iface + unit, m["a"], m["len"], m["mask"])
