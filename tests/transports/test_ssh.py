"""SSHTransport against real sshd hosts of the lab (tests/lab)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest

from proofshot.model.errors import AuthFailed, HostKeyChanged, TransportError, Unreachable
from proofshot.model.transcript import Answer, Query
from proofshot.transports.ssh import SSHTransport
from tests.lab import Lab

pytestmark = pytest.mark.lab

PW_ENV = "PROOFSHOT_TEST_PWUSER_PASSWORD"
# No timing in these tests: a wall-clock bound here is generous and only catches a hang (a
# connect or a query that nothing cut); retries are counted, not timed.
HANG = 60.0


def transport(lab: Lab, kh: Path, host: str = "h1", **kw: Any) -> SSHTransport:
    opts: dict[str, Any] = {"user": "audit", "key_path": str(lab.client_key), "sudo": True,
                            "known_hosts_path": kh, "connect_timeout": 3, "timeout": 10}
    opts.update(kw)
    return SSHTransport(host, lab.host(host).ip, **opts)


def run_queries(t: SSHTransport, *queries: Query, stdin: bytes | None = None) -> list[Answer]:
    async def go() -> list[Answer]:
        await t.open()
        try:
            return list(await asyncio.gather(*(t.run(q, stdin) for q in queries)))
        finally:
            await t.close()

    return asyncio.run(go())


def count_attempts(t: SSHTransport) -> list[int]:
    """A list that grows by one per connection attempt the transport makes (a spy on the
    real connect: the real sshd still answers)."""
    attempts: list[int] = []
    real = t._connect

    async def counting(*args: Any, **kw: Any) -> Any:
        attempts.append(1)
        return await real(*args, **kw)

    t._connect = counting  # type: ignore[method-assign]
    return attempts


def open_only(t: SSHTransport) -> dict[str, str]:
    async def go() -> dict[str, str]:
        try:
            return await t.open()
        finally:
            await t.close()

    return asyncio.run(go())


@pytest.fixture
def kh(tmp_path: Path) -> Path:
    return tmp_path / "known_hosts"


def test_key_login_and_sudo(lab: Lab, kh: Path) -> None:
    plain, priv = run_queries(transport(lab, kh), Query("who", ("id", "-un")),
                              Query("root", ("id", "-un"), privileged=True))
    assert (plain.text, plain.status(), plain.sudo) == ("audit\n", "ok", False)
    assert (priv.text, priv.status(), priv.sudo) == ("root\n", "ok", True)


def test_many_channels_on_one_connection(lab: Lab, kh: Path) -> None:
    # more than sshd's MaxSessions (10) at once: the transport queues them
    queries = [Query(f"q{i}", ("echo", str(i))) for i in range(30)]
    answers = run_queries(transport(lab, kh), *queries)
    assert [a.text for a in answers] == [f"{i}\n" for i in range(30)]


def test_tofu_pin_then_host_key_changed(lab: Lab, kh: Path) -> None:
    h = lab.host("h3")
    facts = open_only(transport(lab, kh, "h3"))
    assert facts["transport"] == "ssh" and facts["host_key"].startswith("SHA256:")
    assert facts["host_key_type"] == "ssh-ed25519"
    line = kh.read_text().strip()
    assert line.startswith(f"{h.ip}:22 ssh-ed25519 AAAA") and len(line.splitlines()) == 1
    assert open_only(transport(lab, kh, "h3"))["host_key"] == facts["host_key"]
    assert kh.read_text().strip() == line  # no second pin

    h.regenerate_host_keys()
    with pytest.raises(HostKeyChanged) as info:
        open_only(transport(lab, kh, "h3"))
    new = h.exec(["ssh-keygen", "-lf", "/etc/ssh/ssh_host_ed25519_key.pub"]).stdout.split()[1]
    assert facts["host_key"] in info.value.message and new.decode() in info.value.message
    assert kh.read_text().strip() == line  # the pin is untouched

    accepted = open_only(transport(lab, kh, "h3", accept_new_key=True))
    assert accepted["host_key"] == new.decode()
    assert accepted["host_key_replaced"] == facts["host_key"]
    assert open_only(transport(lab, kh, "h3"))["host_key"] == new.decode()
    assert len(kh.read_text().splitlines()) == 1


def test_pinned_key_type_gone_is_host_key_changed(lab: Lab, kh: Path) -> None:
    h = lab.host("h3")
    pinned = open_only(transport(lab, kh, "h3"))
    h.exec(["sh", "-c", "rm /etc/ssh/ssh_host_ed25519_key*"], check=True)
    h.stop_sshd()
    h.start_sshd()
    try:
        with pytest.raises(HostKeyChanged) as info:
            open_only(transport(lab, kh, "h3"))
        assert pinned["host_key"] in info.value.message
        assert "ecdsa" in info.value.message or "rsa" in info.value.message
    finally:
        h.regenerate_host_keys()


def test_wrong_key_is_auth_failed(lab: Lab, kh: Path, tmp_path: Path) -> None:
    other = tmp_path / "other_key"
    os.system(f"ssh-keygen -q -t ed25519 -N '' -f {other}")
    t = transport(lab, kh, key_path=str(other))
    attempts = count_attempts(t)
    with pytest.raises(AuthFailed):
        open_only(t)
    assert attempts == [1]  # not retried


def test_password_login(lab: Lab, kh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, lab.pw_password)
    t = transport(lab, kh, user="pwuser", key_path=None, password=os.environ[PW_ENV])
    who, priv = run_queries(t, Query("who", ("id", "-un")),
                            Query("root", ("id", "-un"), privileged=True))
    assert who.text == "pwuser\n"
    # pwuser has no sudo rule: `sudo -n` refuses, and the answer says so
    assert priv.sudo and priv.status() == "refused" and priv.error == "refused"
    assert priv.status(ok_codes=(0, 1)) == "refused"


def test_password_never_in_errors(lab: Lab, kh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, lab.pw_password)
    secret = os.environ[PW_ENV]
    wrong = secret[::-1] + "x"
    h3 = lab.host("h3").ip
    cases = [
        transport(lab, kh, user="pwuser", key_path=None, password=wrong),
        transport(lab, kh, user=secret, key_path=None, password=secret),  # secret as user name
        transport(lab, kh, user="pwuser", key_path=None, password=secret, port=2222, retries=0),
        SSHTransport("h3", h3, user="pwuser", password=secret, known_hosts_path=kh,
                     connect_timeout=2, retries=0),
    ]
    kh.write_text(f"{h3}:22 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBfualO5FuFmGLoGtPU+95mB0fFu"
                  "PeGgMGHAvQFbf8Jf\n")  # a foreign pin: HostKeyChanged
    seen = []
    for t in cases:
        with pytest.raises(TransportError) as info:
            open_only(t)
        exc: BaseException | None = info.value
        seen.append(type(info.value).__name__)
        while exc is not None:
            for text in (str(exc), repr(exc), *map(str, exc.args)):
                assert secret not in text and wrong not in text, text
            # what a traceback would print: the cause, or the context unless suppressed
            exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
        if t.user != secret:
            assert secret not in repr(t)
    assert seen == ["AuthFailed", "AuthFailed", "Unreachable", "HostKeyChanged"]


def test_closed_port_unreachable_after_retries(lab: Lab, kh: Path) -> None:
    t = transport(lab, kh, port=2222)
    attempts = count_attempts(t)
    start = time.monotonic()
    with pytest.raises(Unreachable):
        open_only(t)
    assert attempts == [1, 1, 1]  # refused, retried twice (the default)
    assert time.monotonic() - start < HANG
    assert not kh.exists()


def test_absent_host_times_out(lab: Lab, kh: Path) -> None:
    t = SSHTransport("ghost", f"{lab.net}.250", user="audit", key_path=str(lab.client_key),
                     known_hosts_path=kh, connect_timeout=1, retries=1, backoff=0.1)
    attempts = count_attempts(t)
    start = time.monotonic()
    with pytest.raises(Unreachable):
        open_only(t)
    assert attempts == [1, 1]  # the connect timeout cut each, one retry
    assert time.monotonic() - start < HANG


def test_stopped_sshd_then_started(lab: Lab, kh: Path) -> None:
    h = lab.host("h2")
    h.stop("sshd")
    try:
        with pytest.raises(Unreachable):
            open_only(transport(lab, kh, "h2", retries=0))
    finally:
        h.start()
    assert open_only(transport(lab, kh, "h2"))["transport"] == "ssh"


def test_flood_truncated(lab: Lab, kh: Path) -> None:
    t = transport(lab, kh, max_bytes=1_000_000)
    start = time.monotonic()
    (a,) = run_queries(t, Query("flood", ("sh", "-c", "yes | head -c 100000000")))
    assert a.truncated and len(a.stdout) == 1_000_000 and set(a.stdout) == {ord("y"), ord("\n")}
    assert time.monotonic() - start < HANG


def test_per_query_max_bytes(lab: Lab, kh: Path) -> None:
    (a,) = run_queries(transport(lab, kh), Query("f", ("sh", "-c", "yes | head -c 100000"),
                                                 max_bytes=1000))
    assert a.truncated and len(a.stdout) == 1000


def test_stall_timed_out(lab: Lab, kh: Path) -> None:
    t = transport(lab, kh, timeout=2)
    start = time.monotonic()
    stall, quick = run_queries(t, Query("stall", ("sleep", "300")), Query("q", ("echo", "hi")))
    assert stall.timed_out and stall.status() == "timeout" and stall.exit_code is None
    # never cut before its timeout (a lower bound no slow machine breaks); the upper bound
    # only catches a query that was never cut (sleep runs 300 s)
    assert stall.duration >= 1.9 and time.monotonic() - start < HANG
    assert quick.text == "hi\n"

    def left() -> list[str]:
        ps = lab.host("h1").exec(["ps", "-eo", "stat=,args="]).stdout.decode()
        return [ln for ln in ps.splitlines() if "sleep 300" in ln and not ln.startswith("Z")]

    deadline = time.monotonic() + HANG  # killed soon on any machine; it would run 300 s
    while left() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left()


def test_binary_output_byte_exact(lab: Lab, kh: Path) -> None:
    (a,) = run_queries(transport(lab, kh), Query("bin", ("head", "-c", "1000", "/dev/urandom")))
    assert a.status() == "ok" and isinstance(a.stdout, bytes) and len(a.stdout) == 1000
    (b,) = run_queries(transport(lab, kh), Query("hi", ("printf", r"\377\376\000x")))
    assert b.stdout == b"\xff\xfe\x00x"


def test_missing_command_and_stdin(lab: Lab, kh: Path) -> None:
    missing, missing_sudo, failed = run_queries(
        transport(lab, kh), Query("m", ("no-such-command",)),
        Query("ms", ("no-such-command",), privileged=True), Query("f", ("false",)))
    assert missing.error == "missing" and missing.status() == "missing"
    assert missing_sudo.status() == "missing" and missing_sudo.sudo
    assert failed.status() == "failed" and failed.exit_code == 1
    (wc,) = run_queries(transport(lab, kh), Query("wc", ("wc", "-c")), stdin=b"12345")
    assert wc.text.strip() == "5" and wc.stdin == b"12345"


def test_argv_is_quoted_not_shell(lab: Lab, kh: Path) -> None:
    (a,) = run_queries(transport(lab, kh), Query("q", ("echo", "$HOME; id", "'x'")))
    assert a.text == "$HOME; id 'x'\n"


def test_run_without_open_is_an_answer(lab: Lab, kh: Path) -> None:
    a = asyncio.run(transport(lab, kh).run(Query("q", ("true",))))
    assert a.status() == "error" and a.error == "not connected"


def test_ssh_agent_keys_without_a_key_file(lab: Lab, kh: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(50):
            if sock.exists():
                break
            time.sleep(0.05)
        env = {**os.environ, "SSH_AUTH_SOCK": str(sock)}
        subprocess.run(["ssh-add", str(lab.client_key)], env=env, check=True,
                       capture_output=True)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        (who,) = run_queries(transport(lab, kh, key_path=None, use_agent=True),
                             Query("who", ("id", "-un")))
        assert who.text == "audit\n"
        monkeypatch.delenv("SSH_AUTH_SOCK")
        with pytest.raises(AuthFailed):
            open_only(transport(lab, kh, key_path=None, use_agent=True))
    finally:
        agent.kill()
        agent.wait()
