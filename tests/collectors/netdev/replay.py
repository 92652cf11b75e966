"""An asyncssh server that replays recorded device sessions (Oxidized's *#simulation.yaml).

Each login user names a Device: its banner and prompt (`init_prompt`) and the recorded answers
(`commands`: the line sent -> the device's exact answer, echo and next prompt included), in
Ruby-style escapes (\\r, \\e, \\x20) as recorded. A command that was not recorded gets the
platform's error and the prompt, as a real device would answer. Platforms that Oxidized reads
through exec channels (Junos, RouterOS, OPNsense, pfSense) are answered per exec request.

Hostile behaviours for the transport's bounds: a device that never shows a prompt, pages forever,
answers 50 MB, refuses the enable secret, or shows a banner line that looks like a prompt.

Run alone (bench/netdev_scale.py starts it as a subprocess so that only the client is measured):
`python -m tests.collectors.netdev.replay PORTFILE RECORDING...` serves the recordings, user
`dev<N>` -> the N-th recording, password `replay`, and writes its port to PORTFILE.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh
import yaml

RECORDINGS = Path(__file__).resolve().parents[3] / ".." / "shared" / "recordings" / "devices"
PASSWORD = "replay"
ENABLE_SECRET = "en-secret-42"

# what a platform answers to a command it does not know (unknown commands get the device's error)
ERRORS = {
    "ios": "% Invalid input detected at '^' marker.\n",
    "nxos": "% Invalid command at '^' marker.\n",
    "asa": "ERROR: % Invalid input detected at '^' marker.\n",
    "eos": "% Invalid input\n",
    "aoscx": "% Invalid input detected at '^' marker.\n",
    "fortios": "Unknown action 0\nCommand fail. Return code -1\n",
    "fortimanager": "Unknown action 0\nCommand fail. Return code -1\n",
    "vyos": "\n  Invalid command: [x]\n\n",
    "junos": "error: syntax error\n",
    "routeros": "bad command name\n",
    "opnsense": "cat: x: No such file or directory\n",
    "pfsense": "cat: x: No such file or directory\n",
    "frr": "% Unknown command: x\n",
}

_ESC = re.compile(r"\\(x[0-9A-Fa-f]{2}|.)", re.DOTALL)
_SIMPLE = {"r": "\r", "n": "\n", "t": "\t", "e": "\x1b", "a": "\a", "b": "\b", "0": "\0",
           "s": " ", "\\": "\\", '"': '"', "'": "'"}


def unescape(text: str) -> str:
    """Ruby double-quoted escapes as the recordings carry them."""
    def one(m: re.Match[str]) -> str:
        s = m.group(1)
        if s.startswith("x") and len(s) == 3:
            return chr(int(s[1:], 16))
        return _SIMPLE.get(s, "\\" + s)
    return _ESC.sub(one, text)


@dataclass
class Device:
    """One replayed device: banner+prompt and answers per command line (in recorded order)."""

    platform: str
    init: str
    answers: dict[str, list[str]]
    mode: str = "shell"  # shell | exec
    behaviour: str = "replay"  # replay | noprompt | endless | huge | enable | fakeprompt | presskey
    edits: list[tuple[str, str]] = field(default_factory=list)  # planted changes (old, new)

    @property
    def prompt(self) -> str:
        return self.init.rsplit("\n", 1)[-1]

    def answer(self, line: str, seen: dict[str, int]) -> str | None:
        got = self.answers.get(line)
        if not got:
            return None
        i = seen.get(line, 0)
        seen[line] = i + 1
        text = got[min(i, len(got) - 1)]
        for old, new in self.edits:
            text = text.replace(old, new)
        return text


def load(path: Path, platform: str, mode: str = "shell") -> Device:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cmds = data.get("commands") or {}
    pairs: list[tuple[str, Any]] = (list(cmds.items()) if isinstance(cmds, dict)
                                    else [kv for entry in cmds for kv in entry.items()])
    answers: dict[str, list[str]] = {}
    for k, v in pairs:
        answers.setdefault(str(k), []).append(unescape(v or ""))
    return Device(platform, unescape(data.get("init_prompt") or ""), answers, mode)


Selector = Callable[[str], Device | None]


class _Server(asyncssh.SSHServer):
    def __init__(self, select: Selector) -> None:
        self.select = select

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return password == PASSWORD and self.select(username) is not None


async def _session(process: asyncssh.SSHServerProcess[str], select: Selector) -> None:
    dev = select(process.get_extra_info("username"))
    assert dev is not None
    status = 0
    try:
        if process.command is not None:
            status = _exec(process, dev)
        else:
            await _shell(process, dev)
    except (asyncssh.Error, OSError, asyncio.CancelledError):
        pass
    finally:
        process.exit(status)


def _exec(process: asyncssh.SSHServerProcess[str], dev: Device) -> int:
    got = dev.answer(process.command + "\n", {})
    if got is None:
        process.stdout.write(ERRORS.get(dev.platform, "error\n"))
        return 1
    process.stdout.write(got)
    return 0


async def _shell(process: asyncssh.SSHServerProcess[str], dev: Device) -> None:
    out = process.stdout
    prompt = dev.prompt
    if dev.behaviour == "noprompt":
        out.write("Welcome.\r\nThis device never shows a prompt.\r\n")
        await process.stdin.read()  # until the client gives up
        return
    if dev.behaviour == "fakeprompt":
        out.write("**** Authorised access only ****\r\nfake-router#")
        await asyncio.sleep(0.05)
        out.write("\r\n(this line above is part of the banner)\r\n")
        await asyncio.sleep(0.3)
    if dev.behaviour == "presskey":  # ProCurve-style login screen
        out.write("HP J9773A 2530-24G-PoEP Switch\r\nPress any key to continue")
        if not await process.stdin.read(1):
            return
        out.write("\r\n")
    if dev.behaviour == "enable":
        prompt = prompt.rstrip().rstrip("#") + ">"
    out.write(dev.init.rsplit("\n", 1)[0] + "\n" + prompt if "\n" in dev.init else prompt)
    seen: dict[str, int] = {}
    buf = ""
    while True:
        data = await process.stdin.read(4096)
        if not data:
            return
        buf += data
        while buf:
            if buf.startswith(" ") and " " in dev.answers:
                buf = buf[1:]
                out.write(dev.answer(" ", seen) or "")
                continue
            if "\n" not in buf:
                break
            line, buf = buf.split("\n", 1)
            line = line.rstrip("\r")
            prompt = await _command(process, dev, line, prompt, seen)
            if prompt is None:
                return


async def _command(process: asyncssh.SSHServerProcess[str], dev: Device, line: str,
                   prompt: str, seen: dict[str, int]) -> str | None:
    out = process.stdout
    if line == "":
        out.write("\r\n" + prompt)
        return prompt
    if line in ("exit", "quit", "logout"):
        return None
    if dev.behaviour == "enable" and prompt.endswith(">"):
        if line == "enable":
            out.write("enable\r\nPassword: ")
            pw = ""
            while "\n" not in pw:
                more = await process.stdin.read(256)
                if not more:
                    return None
                pw += more
            if pw.split("\n", 1)[0].rstrip("\r") == ENABLE_SECRET:
                prompt = dev.prompt
                out.write("\r\n" + prompt)
            else:  # a device asks again, then gives up with its error
                out.write("\r\nPassword: ")
            return prompt
        out.write(line + "\r\n% This command needs privileged mode\r\n" + prompt)
        return prompt
    if dev.behaviour == "endless" and line.startswith("show"):
        out.write(line + "\r\nline 1\r\n --More-- ")
        n = 1
        while True:
            key = await process.stdin.read(1)
            if not key:
                return None
            n += 1
            out.write(f"\r          \rline {n}\r\n --More-- ")
    if dev.behaviour == "huge" and "running" in line:
        out.write(line + "\r\n")
        block = ("interface GigabitEthernet0/" + "1" * 20 + "\r\n description " + "x" * 80 +
                 "\r\n") * 1000
        for _ in range(50 * 1024 * 1024 // len(block) + 1):
            out.write(block)
            await out.drain()
        out.write(prompt)
        return prompt
    got = dev.answer(line + "\n", seen)
    if got is None:
        out.write(line + "\r\n" + ERRORS.get(dev.platform, "% error\n") + prompt)
        return prompt
    out.write(got)
    last = got.rsplit("\n", 1)[-1]
    return last if last.strip() else prompt  # the prompt may change (enable)


async def start(select: Selector, host: str = "127.0.0.1", port: int = 0) -> Any:
    """Serve until the returned server is closed; its port: server.sockets[0].getsockname()."""
    key = asyncssh.generate_private_key("ssh-ed25519")

    def handle(process: asyncssh.SSHServerProcess[str]) -> Any:
        return _session(process, select)

    return await asyncssh.create_server(
        lambda: _Server(select), host, port, server_host_keys=[key],
        process_factory=handle, line_editor=False, encoding="utf-8", errors="replace",
        login_timeout=30)


async def _main(portfile: str, recordings: list[str]) -> None:
    from tests.collectors.netdev.cases import CASES

    devices = {f"dev{i}": CASES[r].device() for i, r in enumerate(recordings)}
    server = await start(devices.get)
    Path(portfile).write_text(str(server.sockets[0].getsockname()[1]))
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1], sys.argv[2:]))
