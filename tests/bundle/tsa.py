"""A throwaway RFC 3161 time-stamping authority on loopback: OpenSSL `ts -reply` behind
http.server, with a CA and a TSA certificate made for the test."""

from __future__ import annotations

import datetime as dt
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass
class Tsa:
    url: str
    dir: Path
    ca_pem: Path
    cnf: Path


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_certs(d: Path, tag: str = "") -> tuple[Path, Path, Path]:
    """(ca.pem, tsa.crt, tsa.key) in d."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    later = now + dt.timedelta(days=2)
    ca_key = rsa.generate_private_key(65537, 2048)
    ca = (x509.CertificateBuilder().subject_name(_name(f"Test TSA CA{tag}"))
          .issuer_name(_name(f"Test TSA CA{tag}")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now)
          .not_valid_after(later)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(65537, 2048)
    cert = (x509.CertificateBuilder().subject_name(_name(f"Test TSA{tag}"))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(later)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                           critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                         False), critical=True)
            .sign(ca_key, hashes.SHA256()))
    d.mkdir(parents=True, exist_ok=True)
    (d / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (d / "tsa.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (d / "tsa.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return d / "ca.pem", d / "tsa.crt", d / "tsa.key"


def write_config(d: Path) -> Path:
    (d / "serial").write_text("01\n")
    cnf = d / "tsa.cnf"
    cnf.write_text(f"""
[ tsa ]
default_tsa = tsa1
[ tsa1 ]
dir = {d}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
""")
    return cnf


def reply(cnf: Path, query: bytes) -> bytes:
    d = cnf.parent
    q = d / f"q-{threading.get_ident()}.tsq"
    r = d / f"r-{threading.get_ident()}.tsr"
    q.write_bytes(query)
    subprocess.run(["openssl", "ts", "-reply", "-config", str(cnf), "-queryfile", str(q),
                    "-out", str(r)], check=True, capture_output=True)
    return r.read_bytes()


_LOCK = threading.Lock()


def serve(d: Path) -> Iterator[Tsa]:
    ca, _crt, _key = make_certs(d)
    cnf = write_config(d)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with _LOCK:  # openssl ts increments the serial file
                data = reply(cnf, body)
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        yield Tsa(f"http://127.0.0.1:{srv.server_address[1]}/tsa", d, ca, cnf)
    finally:
        srv.shutdown()
        srv.server_close()
