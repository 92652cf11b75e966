"""The OpenSSH path of a Windows host: the real SSH transport against an SSH server on
127.0.0.1 (asyncssh) that stands in for a Windows host's OpenSSH, answering each
`powershell.exe -NoProfile -NonInteractive -EncodedCommand ...` with the recorded host's
sections the script asks for (tests/collectors/windows/host.py, from real recordings). No
Windows and no PowerShell here (LAB-NOTES): the far side's PowerShell is replayed, the SSH
session, the command lines (cmd.exe's length limit) and everything after them are real."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from proofshot.collectors.windows.collector import SSH_MAX_COMMAND
from proofshot.scan.scope import Scope, SSHTarget
from proofshot.scan.service import scan
from proofshot.store.embedded import Store
from tests.collectors.windows import host

_SECTION = re.compile(r"\$o\['(\w+)'\] = @\(")


class _Server:
    """asyncssh on a thread of its own; every exec is answered from `sections`."""

    def __init__(self, folder: Path, sections: dict[str, Any]) -> None:
        self.sections = sections
        self.commands: list[str] = []
        self.loop = asyncio.new_event_loop()
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        client = asyncssh.generate_private_key("ssh-ed25519")
        self.client_key = folder / "id_ed25519"
        self.client_key.write_bytes(client.export_private_key())
        self.client_key.chmod(0o600)
        self.authorized = asyncssh.import_authorized_keys(
            client.export_public_key().decode())
        self.port = 0
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _answer(self, command: str) -> tuple[str, str, int]:
        self.commands.append(command)
        parts = command.split()
        if parts[:4] != ["powershell.exe", "-NoProfile", "-NonInteractive", "-EncodedCommand"]:
            return "", f"'{parts[0] if parts else ''}' is not recognized\r\n", 1
        script = base64.b64decode(parts[4]).decode("utf-16-le")
        wanted = _SECTION.findall(script)
        return json.dumps({n: self.sections[n] for n in wanted}, ensure_ascii=False), "", 0

    async def _process(self, process: asyncssh.SSHServerProcess[str]) -> None:
        out, err, code = self._answer(process.command or "")
        process.stdout.write(out)
        process.stderr.write(err)
        process.exit(code)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def start() -> None:
            self.server = await asyncssh.listen(
                "127.0.0.1", 0, server_host_keys=[self.host_key],
                authorized_client_keys=self.authorized, process_factory=self._process)
            self.port = self.server.sockets[0].getsockname()[1]
            self.ready.set()

        self.loop.run_until_complete(start())
        self.loop.run_forever()

    def __enter__(self) -> _Server:
        self.thread.start()
        assert self.ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        if not self.thread.is_alive():
            self.loop.close()  # else its self-pipe is finalized before it, in a later test


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[_Server]:
    with _Server(tmp_path, host.sections()) as s:
        yield s


def test_windows_over_openssh(server: _Server, tmp_path: Path) -> None:
    store = Store.create(tmp_path / "store")
    target = SSHTarget(name="app3", type="ssh", platform="windows", host="127.0.0.1",
                       port=server.port, user="audit", key=str(server.client_key),
                       accept_new_host_key=True)
    out = scan(store, Scope(targets=[target]), "ssh")
    (res,) = out.results
    assert res.status == "ok", res.reason
    assert res.collector == "windows" and res.facts["transport"] == "ssh"
    tables = {t.table.name: t for t in res.tables}
    assert tables["win_os"].rows and tables["win_os"].rows[0]["hostname"] == "LUBIANKA"
    assert any(r["name"] == "КриптоПро CSP" for r in tables["win_software"].rows or [])
    assert tables["win_defender"].status == "ok"
    # several queries (the command line of cmd.exe is short), each within its limit, no sudo,
    # no framing shell: the declared command line as it is
    assert len(server.commands) > 6
    assert all(c.startswith("powershell.exe ") and len(c) <= SSH_MAX_COMMAND
               for c in server.commands)


def test_a_failing_section_is_coverage(server: _Server, tmp_path: Path) -> None:
    server.sections["users"] = {"error": "Access denied", "denied": True, "missing": False}
    server.sections["routes"] = {"error": "The term 'Get-NetRoute' is not recognized",
                                 "denied": False, "missing": True}
    store = Store.create(tmp_path / "store")
    target = SSHTarget(name="app3", type="ssh", platform="windows", host="127.0.0.1",
                       port=server.port, user="audit", key=str(server.client_key),
                       accept_new_host_key=True)
    (res,) = scan(store, Scope(targets=[target]), "ssh").results
    tables = {t.table.name: t for t in res.tables}
    assert tables["win_users"].status == "refused" and "Access denied" in tables["win_users"].reason
    assert tables["win_routes"].status == "unsupported"
    assert res.status == "partial" and tables["win_groups"].status == "ok"
