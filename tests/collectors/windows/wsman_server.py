"""A tiny WS-Management server on 127.0.0.1 (HTTPS, a throwaway self-signed certificate) that
answers pypsrp with the real envelopes of ../shared/recordings/windows/wsman (pypsrp's
recorded exchanges with a Windows host), in order. Each answer's RelatesTo is set to the
request's MessageID, as a server does. `status` per answer: 200, or 500 for a fault (as
Windows sends them); 401 refuses the login."""

from __future__ import annotations

import datetime
import re
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.collectors.windows.recordings import ROOT

WSMAN = ROOT / "wsman"
_MSGID = re.compile(r"<(?:\w+:)?MessageID>(uuid:[^<]+)</(?:\w+:)?MessageID>")
_RELATES = re.compile(r"(<(\w+:)?RelatesTo>)uuid:[^<]+(</(\w+:)?RelatesTo>)")


def recorded(name: str) -> list[str]:
    data = yaml.safe_load((WSMAN / name).read_text(encoding="utf-8"))
    return [str(m["response"]) for m in data["messages"]]


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    import ipaddress

    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    crt, pem = folder / "cert.pem", folder / "key.pem"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return crt, pem


class Server:
    """Answers request n with answers[n] (status, body); the requests are kept."""

    def __init__(self, folder: Path, answers: list[tuple[int, str]],
                 hold_at: int | None = None) -> None:
        """`hold_at`: the request of that number (0 = first) is answered only once `release`
        is set (a host that does not answer in time)."""
        self.answers = list(answers)
        self.hold_at = hold_at
        self.release = threading.Event()
        self.requests: list[str] = []
        self.cert, key = self_signed(folder)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                req = body.decode("utf-8", "replace")
                outer.requests.append(req)
                if outer.hold_at == len(outer.requests) - 1:
                    outer.release.wait(30)
                status, text = (outer.answers.pop(0) if outer.answers
                                else (500, "<no more recorded answers/>"))
                m = _MSGID.search(req)
                if m:
                    text = _RELATES.sub(lambda r: f"{r.group(1)}{m.group(1)}{r.group(3)}", text)
                data = text.encode("utf-8")
                self.send_response(status)
                if status == 401:
                    self.send_header("WWW-Authenticate", 'Basic realm="WSMAN"')
                self.send_header("Content-Type", "application/soap+xml;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
