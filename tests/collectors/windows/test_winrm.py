"""The WinRM transport against the real WS-Management envelopes of a Windows host
(../shared/recordings/windows/wsman, pypsrp's recorded exchanges), served over HTTPS on
127.0.0.1 by wsman_server.py, through the real pypsrp client: opening a runspace pool, the
operation timeout (retried), a receive failure, small envelope sizes, a refused login, no
answer, an untrusted certificate. Faults are data: open() raises a typed error, run() never
raises."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from proofshot.collectors.windows.queries import argv
from proofshot.model.errors import AuthFailed, BadInput, Unreachable
from proofshot.model.transcript import Answer, Query
from proofshot.transports.winrm import WinRMTransport
from tests.collectors.windows.wsman_server import Server, recorded

PASSWORD = "Rec0rded-Pass!"
QUERY = Query("q", argv("Get-Service | ConvertTo-Json -Compress"), batch=False)


def _answers(name: str) -> list[tuple[int, str]]:
    return [(500 if ":Fault>" in r else 200, r) for r in recorded(name)]


def _run(server: Server, ca: str | None = "server", **kw: object) -> tuple[dict[str, str],
                                                                            Answer]:
    t = WinRMTransport("win", "127.0.0.1", server.port, transport="https", auth="basic",
                       user="audit", password=PASSWORD,
                       ca=str(server.cert) if ca == "server" else ca, timeout=20, **kw)  # type: ignore[arg-type]

    async def go() -> tuple[dict[str, str], Answer]:
        facts = await t.open()
        try:
            return facts, await t.run(QUERY)
        finally:
            await t.close()

    return asyncio.run(go())


def test_runspace_opens_and_a_long_command_survives_operation_timeouts(tmp_path: Path) -> None:
    with Server(tmp_path, _answers("test_psrp_long_running_cmdlet.yml")) as s:
        facts, ans = _run(s)
    assert facts["encryption"] == "tls" and facts["winrm"].startswith("https://127.0.0.1:")
    assert ans.status() == "ok" and ans.stdout == b"hi"  # two OperationTimeout faults retried
    assert "PowerShell" in " ".join(s.requests)


def test_a_host_that_does_not_answer_in_time_gives_a_timed_out_answer(tmp_path: Path) -> None:
    answers = _answers("test_psrp_long_running_cmdlet.yml")
    # the runspace opens (3 exchanges), then the command's first exchange is held
    with Server(tmp_path, answers, hold_at=4) as s:
        t = WinRMTransport("win", "127.0.0.1", s.port, transport="https", auth="basic",
                           user="audit", password=PASSWORD, ca=str(s.cert), timeout=20)
        quick = Query("q", QUERY.argv, batch=False, timeout=1.0)

        async def go() -> tuple[Answer, Answer]:
            await t.open()
            first = await t.run(quick)
            s.release.set()  # the host answers after all: the next query waits its turn
            second = await t.run(Query("q2", QUERY.argv, batch=False, timeout=20))
            await t.close()
            return first, second

        first, second = asyncio.run(go())
    assert first.status() == "timeout" and first.timed_out
    assert second.status() in ("ok", "error")  # whatever the recording says next, no crash


def test_receive_failure_is_an_answer_not_an_exception(tmp_path: Path) -> None:
    with Server(tmp_path, _answers("test_psrp_receive_failure.yml")) as s:
        _, ans = _run(s)
    assert ans.status() == "error" and ans.exit_code is None
    assert b"2150858843" in ans.stderr and PASSWORD not in (ans.error or "")


def test_small_envelope_size_reassembles_fragments(tmp_path: Path) -> None:
    with Server(tmp_path, _answers("test_psrp_small_msg_size.yml")) as s:
        _, ans = _run(s, max_envelope_size=32768)
    assert ans.status() == "ok" and ans.stdout.startswith(b"input\n")
    assert len(ans.stdout) > 32768 // 2


def test_refused_login_is_auth_failed(tmp_path: Path) -> None:
    with Server(tmp_path, [(401, "")]) as s, pytest.raises(AuthFailed) as exc:
        _run(s)
    assert PASSWORD not in exc.value.message and "authentication failed" in exc.value.message


def test_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    with Server(tmp_path, _answers("test_psrp_open_runspace.yml")) as s, \
            pytest.raises(Unreachable) as exc:
        _run(s, ca=None)
    assert "TLS" in exc.value.message and not s.requests


def test_no_answer_is_unreachable() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    t = WinRMTransport("win", "127.0.0.1", port, user="audit", password=PASSWORD, timeout=5)
    with pytest.raises(Unreachable):
        asyncio.run(t.open())


def test_basic_over_http_is_never_used() -> None:
    with pytest.raises(BadInput):
        WinRMTransport("win", "127.0.0.1", transport="http", auth="basic", user="a",
                       password=PASSWORD)
    t = WinRMTransport("win", "127.0.0.1", transport="http", auth="ntlm", user="a",
                       password=PASSWORD)
    assert t.port == 5985 and not t.ssl


def test_only_declared_powershell_runs(tmp_path: Path) -> None:
    t = WinRMTransport("win", "127.0.0.1", 1, user="a", password=PASSWORD)
    ans = asyncio.run(t.run(Query("x", ("cmd.exe", "/c", "dir"))))
    assert ans.error == "not a declared PowerShell query"
