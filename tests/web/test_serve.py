"""`proofshot serve` and `proofshot user add` as a user runs them: the URL with its token is
the first stdout line, loopback unless --host says otherwise, HTTPS with --cert/--key (the
cookie then Secure), a team user added on the command line logs in with the password."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import Made


def serve(store: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "proofshot", "serve", "--store", str(store),
                             "--port", "0", *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


@pytest.fixture()
def tls(made: Made, tmp_path: Path) -> Iterator[str]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    proc, url = serve(made.root, "--cert", str(cert), "--key", str(key))
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_https_with_cert_and_key(tls: str) -> None:
    assert re.fullmatch(r"https://127\.0\.0\.1:\d+/\?token=[\w-]{40,}", tls), tls
    base = tls.split("/?")[0]
    with httpx.Client(verify=False, timeout=30) as c:
        assert c.get(base + "/healthz").json()["ok"] is True
        r = c.get(tls)
        assert r.status_code == 303
        sc = r.headers["set-cookie"]
        assert "Secure" in sc and "HttpOnly" in sc and "SameSite=strict" in sc
    with pytest.raises(httpx.HTTPError):
        httpx.get(base.replace("https://", "http://") + "/healthz", timeout=5)


def test_user_add_on_the_command_line_then_login(made: Made, tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "proofshot", "user", "add", "tom", "--role",
                        "technician", "--password-stdin", "--store", str(made.root)],
                       input="tom-secret-pass-1\n", capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "tom-secret-pass-1" not in (made.root / "web-users.json").read_text()
    bad = subprocess.run([sys.executable, "-m", "proofshot", "user", "add", "eve", "--role",
                          "root", "--password-stdin", "--store", str(made.root)],
                         input="whatever-long-pass\n", capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "role 'root'" in bad.stderr
    listed = subprocess.run([sys.executable, "-m", "proofshot", "user", "list", "--store",
                             str(made.root)], capture_output=True, text=True, check=True)
    assert "tom\ttechnician" in listed.stdout
    proc, url = serve(made.root)
    try:
        base = url.split("/?")[0]
        with httpx.Client(base_url=base, timeout=30) as c:
            page = c.get("/login")
            token = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert token
            r2 = c.post("/login", data={"user": "tom", "password": "tom-secret-pass-1",
                                        "csrf": token.group(1), "next": "/engagements"})
            assert r2.status_code == 303 and r2.headers["location"] == "/engagements"
            assert "tom (technician)" in c.get("/engagements").text
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_non_loopback_host_is_said_aloud(made: Made) -> None:
    proc, url = serve(made.root, "--host", "0.0.0.0")
    try:
        assert url.startswith("http://0.0.0.0:")
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=20)
    assert "reachable from other machines" in err and "without TLS" in err
