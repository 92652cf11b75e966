"""The workspace's evidence key (Ed25519) and the salt for keyed hashes of sensitive values."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path
from typing import TYPE_CHECKING

from proofshot.model.errors import StoreError

if TYPE_CHECKING:  # cryptography is imported where a key is used (listing needs none)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def create_keys(keys_dir: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(keys_dir / "signing.key", pem)
    (keys_dir / "signing.pub").write_bytes(public_raw(key.public_key()))
    _write_private(keys_dir / "salt", os.urandom(32))


def public_raw(pub: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw) + b"\n"


def fingerprint(pub_b64: str) -> str:
    return "SHA256:" + base64.b64encode(
        hashlib.sha256(base64.b64decode(pub_b64)).digest()
    ).decode().rstrip("=")


class Keys:
    """Loaded lazily: verify needs only the public key, never the private one."""

    def __init__(self, keys_dir: Path) -> None:
        self.dir = keys_dir
        self._private: Ed25519PrivateKey | None = None
        self._salt: bytes | None = None

    @property
    def public_b64(self) -> str:
        try:
            return (self.dir / "signing.pub").read_text().strip()
        except OSError as exc:
            raise StoreError(f"cannot read public key {self.dir / 'signing.pub'}: {exc.strerror}") from None

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_b64)

    def private(self) -> Ed25519PrivateKey:
        if self._private is None:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

            path = self.dir / "signing.key"
            try:
                key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            except (OSError, ValueError) as exc:
                raise StoreError(f"cannot load signing key {path}: {exc}") from None
            if not isinstance(key, Ed25519PrivateKey):
                raise StoreError(f"{path} is not an Ed25519 key")
            self._private = key
        return self._private

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self.private().sign(data)).decode()

    @property
    def salt(self) -> bytes:
        if self._salt is None:
            try:
                self._salt = (self.dir / "salt").read_bytes()
            except OSError as exc:
                raise StoreError(f"cannot read salt: {exc.strerror}") from None
        return self._salt

    def keyed_hash(self, value: str | bytes) -> str:
        data = value.encode() if isinstance(value, str) else value
        return "hmac:" + hmac.new(self.salt, data, hashlib.sha256).hexdigest()


def verify_signature(pub_b64: str, signature_b64: str, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        pub = Ed25519PublicKey.from_public_bytes(base64.b64decode(pub_b64))
        pub.verify(base64.b64decode(signature_b64), data)
    except (InvalidSignature, ValueError):
        return False
    return True


SALT_CONSTANT = b"proofshot salt fingerprint/1"


def salt_fingerprint(salt: bytes) -> str:
    """What a manifest records of the salt: a keyed hash of a constant (never the salt), so
    verify can tell that the salt it holds is the one the snapshot's keyed hashes used."""
    return "hmac:" + hmac.new(salt, SALT_CONSTANT, hashlib.sha256).hexdigest()[:32]
