"""RFC 3161 trusted time for manifests, and the store's small settings (config.json).

With a TSA URL configured (`proofshot config set tsa URL`, or PROOFSHOT_TSA), each committed
manifest's id (the SHA-256 of its canonical body) is sent to the TSA and the signed response is
kept as the backend's "token" value of that id (snapshots/<id>.tsr in a directory store): the
manifest itself never changes. Stamping is the caller's step after `Store.commit`
(`stamp_after_commit`); the commit never talks to a TSA. `verify`
checks that each token stamps exactly its manifest's hash, that the TSA's signature holds and,
with a TSA CA configured (`proofshot config set tsa-ca FILE`, copied to tsa-ca.pem in the
store), that the TSA certificate was issued by that CA.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any

from proofshot.model.errors import BadInput, StoreError
from proofshot.store.api import EvidenceStore
from proofshot.store.dirbackend import atomic_write
from proofshot.store.verify_bundle import Broken, TokenInfo, check_timestamp

SETTINGS = {"tsa": "URL of an RFC 3161 time-stamping authority (http/https)",
            "tsa-ca": "PEM file of the CA that issued the TSA's certificate"}
TSA_CA_FILE = "tsa-ca.pem"
_SHA256_ALG = bytes.fromhex("300d06096086480165030402010500")


def config(store: EvidenceStore) -> dict[str, Any]:
    return store.workspace.config()


def set_setting(store: EvidenceStore, name: str, value: str | None) -> None:
    if name not in SETTINGS:
        raise BadInput(f"unknown setting '{name}' (known: {', '.join(SETTINGS)})")
    ws = store.workspace
    with store.lock():
        settings = ws.settings()
        if name == "tsa-ca" and value is not None:
            try:
                pem = Path(value).expanduser().read_bytes()
            except OSError as exc:
                raise BadInput(f"tsa-ca: cannot read {value}: {exc.strerror}") from None
            if b"-----BEGIN CERTIFICATE-----" not in pem:
                raise BadInput(f"tsa-ca: {value} holds no PEM certificate")
            atomic_write(ws.root / TSA_CA_FILE, pem, ws.scratch())
            value = TSA_CA_FILE
        if name == "tsa" and value is not None and not value.startswith(("http://", "https://")):
            raise BadInput(f"tsa: '{value}' is not an http(s) URL")
        if value is None:
            settings.pop(name, None)
            if name == "tsa-ca":
                (ws.root / TSA_CA_FILE).unlink(missing_ok=True)
        else:
            settings[name] = value
        ws.write_settings(settings)


def tsa_url(store: EvidenceStore) -> str | None:
    env = os.environ.get("PROOFSHOT_TSA")
    if env:
        return env
    url = store.workspace.settings().get("tsa")
    return str(url) if url else None


def tsa_ca(store: EvidenceStore) -> bytes | None:
    path = store.workspace.root / TSA_CA_FILE
    return path.read_bytes() if path.is_file() else None


def token_path(store: EvidenceStore, sid: str) -> Path:
    """Where a directory store keeps a token (tests and tools that look at the files)."""
    return store.snap_dir / f"{sid}.tsr"


def token(store: EvidenceStore, sid: str) -> bytes | None:
    be = store.backend
    return be.get("token", sid) if be.has("token", sid) else None


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def _tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _der_len(len(value)) + value


def request_der(digest: bytes, nonce: int) -> bytes:
    """TimeStampReq: version 1, SHA-256 imprint, a nonce, certReq TRUE (the token carries the
    TSA certificate, so it verifies offline)."""
    imprint = _tlv(0x30, _SHA256_ALG + _tlv(0x04, digest))
    nonce_b = nonce.to_bytes((nonce.bit_length() + 8) // 8, "big")
    return _tlv(0x30, _tlv(0x02, b"\x01") + imprint + _tlv(0x02, nonce_b) + b"\x01\x01\xff")


def request_token(url: str, digest: bytes, timeout: float = 30.0) -> bytes:
    import urllib.error  # here: urllib.request costs every scan ~10 ms of imports (http, email)
    import urllib.request

    req = urllib.request.Request(url, data=request_der(digest, secrets.randbits(63)),
                                 headers={"Content-Type": "application/timestamp-query"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            data: bytes = resp.read(1 << 20)
    except (urllib.error.URLError, OSError) as exc:
        raise StoreError(f"time-stamping authority {url}: {exc}") from None
    try:
        check_timestamp(data, digest, None)
    except Broken as exc:
        raise StoreError(f"time-stamping authority {url}: unusable answer: {exc}") from None
    return data


def stamp(store: EvidenceStore, sid: str, url: str | None = None) -> None:
    """Timestamp one manifest. Raises StoreError if the TSA fails."""
    url = url or tsa_url(store)
    if not url:
        raise BadInput("no time-stamping authority configured (proofshot config set tsa URL)")
    store.manifest(sid)  # only a manifest that verifies gets stamped
    store.backend.put("token", sid, request_token(url, bytes.fromhex(sid)))


def check(store: EvidenceStore, sid: str) -> TokenInfo | None:
    """The token's details, None if the snapshot has none; raises Broken if it does not hold."""
    data = token(store, sid)
    if data is None:
        return None
    return check_timestamp(data, bytes.fromhex(sid), tsa_ca(store))


def stamp_after_commit(store: EvidenceStore, sid: str) -> None:
    """Called by the service right after Store.commit: with a TSA configured, stamp the new
    manifest. A TSA that fails does not undo the snapshot; it is named on stderr and
    `proofshot timestamp` retries."""
    url = tsa_url(store)
    if not url:
        return
    try:
        stamp(store, sid, url)
    except StoreError as exc:
        print(f"proofshot: warning: snapshot {sid[:12]} was committed but not timestamped: "
              f"{exc.message} (retry: proofshot timestamp {sid[:12]})", file=sys.stderr)
