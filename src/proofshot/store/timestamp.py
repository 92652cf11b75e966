"""RFC 3161 trusted time for manifests, and the store's small settings (config.json).

With a TSA URL configured (`proofshot config set tsa URL`, or PROOFSHOT_TSA), each committed
manifest's id (the SHA-256 of its canonical body) is sent to the TSA and the signed response is
kept beside the manifest as snapshots/<id>.tsr: the manifest itself never changes. `verify`
checks that each token stamps exactly its manifest's hash, that the TSA's signature holds and,
with a TSA CA configured (`proofshot config set tsa-ca FILE`, copied to tsa-ca.pem in the
store), that the TSA certificate was issued by that CA.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from proofshot.model.errors import BadInput, StoreError
from proofshot.store.embedded import Store, _atomic_write
from proofshot.store.verify_bundle import Broken, TokenInfo, check_timestamp

SETTINGS = {"tsa": "URL of an RFC 3161 time-stamping authority (http/https)",
            "tsa-ca": "PEM file of the CA that issued the TSA's certificate"}
TSA_CA_FILE = "tsa-ca.pem"
_SHA256_ALG = bytes.fromhex("300d06096086480165030402010500")


def config(store: Store) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads((store.root / "config.json").read_text())
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read store config: {exc}") from None
    return data


def set_setting(store: Store, name: str, value: str | None) -> None:
    if name not in SETTINGS:
        raise BadInput(f"unknown setting '{name}' (known: {', '.join(SETTINGS)})")
    with store.lock():
        cfg = config(store)
        settings = dict(cfg.get("settings", {}))
        if name == "tsa-ca" and value is not None:
            try:
                pem = Path(value).expanduser().read_bytes()
            except OSError as exc:
                raise BadInput(f"tsa-ca: cannot read {value}: {exc.strerror}") from None
            if b"-----BEGIN CERTIFICATE-----" not in pem:
                raise BadInput(f"tsa-ca: {value} holds no PEM certificate")
            _atomic_write(store.root / TSA_CA_FILE, pem, store.tmp_dir)
            value = TSA_CA_FILE
        if name == "tsa" and value is not None and not value.startswith(("http://", "https://")):
            raise BadInput(f"tsa: '{value}' is not an http(s) URL")
        if value is None:
            settings.pop(name, None)
            if name == "tsa-ca":
                (store.root / TSA_CA_FILE).unlink(missing_ok=True)
        else:
            settings[name] = value
        cfg["settings"] = settings
        _atomic_write(store.root / "config.json", json.dumps(cfg, indent=2).encode(),
                      store.tmp_dir)


def tsa_url(store: Store) -> str | None:
    env = os.environ.get("PROOFSHOT_TSA")
    if env:
        return env
    url = config(store).get("settings", {}).get("tsa")
    return str(url) if url else None


def tsa_ca(store: Store) -> bytes | None:
    path = store.root / TSA_CA_FILE
    return path.read_bytes() if path.is_file() else None


def token_path(store: Store, sid: str) -> Path:
    return store.snap_dir / f"{sid}.tsr"


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


def stamp(store: Store, sid: str, url: str | None = None) -> Path:
    """Timestamp one manifest; returns the token's path. Raises StoreError if the TSA fails."""
    url = url or tsa_url(store)
    if not url:
        raise BadInput("no time-stamping authority configured (proofshot config set tsa URL)")
    store.manifest(sid)  # only a manifest that verifies gets stamped
    token = request_token(url, bytes.fromhex(sid))
    path = token_path(store, sid)
    _atomic_write(path, token, store.tmp_dir)
    return path


def check(store: Store, sid: str) -> TokenInfo | None:
    """The token's details, None if the snapshot has none; raises Broken if it does not hold."""
    path = token_path(store, sid)
    if not path.is_file():
        return None
    return check_timestamp(path.read_bytes(), bytes.fromhex(sid), tsa_ca(store))


def stamp_after_commit(store: Store, sid: str) -> None:
    """Called by Store.commit: with a TSA configured, stamp the new manifest. A TSA that fails
    does not undo the snapshot; it is named on stderr and `proofshot timestamp` retries."""
    url = tsa_url(store)
    if not url:
        return
    try:
        stamp(store, sid, url)
    except StoreError as exc:
        print(f"proofshot: warning: snapshot {sid[:12]} was committed but not timestamped: "
              f"{exc.message} (retry: proofshot timestamp {sid[:12]})", file=sys.stderr)
