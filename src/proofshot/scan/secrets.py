"""Resolving secret references from a scope: env:NAME, file:PATH, keyring:SERVICE/USER.

Errors name the reference, never the value. Resolved values live only in memory.
"""

from __future__ import annotations

import os
from pathlib import Path

from proofshot.model.errors import BadInput


def resolve(ref: str | None, where: str) -> str | None:
    if ref is None:
        return None
    if ref.startswith("env:"):
        name = ref[4:]
        if name not in os.environ:
            raise BadInput(f"{where}: environment variable {name} (from {ref}) is not set")
        return os.environ[name]
    if ref.startswith("file:"):
        path = Path(ref[5:]).expanduser()
        try:
            return path.read_text().rstrip("\r\n")
        except OSError as exc:
            raise BadInput(f"{where}: cannot read secret file {path}: {exc.strerror}") from None
    if ref.startswith("keyring:"):
        try:
            import keyring  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            raise BadInput(f"{where}: keyring references need the 'keyring' package") from None
        service, _, user = ref[8:].partition("/")
        value = keyring.get_password(service, user)
        if value is None:
            raise BadInput(f"{where}: no keyring entry for {ref}")
        return str(value)
    raise BadInput(f"{where}: not a secret reference (env:, file:, keyring:)")


def check_key_file(path: str, where: str) -> str:
    p = Path(path).expanduser()
    if not p.is_file():
        raise BadInput(f"{where}: key file {p} not found")
    try:
        with open(p, "rb"):
            pass
    except OSError as exc:
        raise BadInput(f"{where}: cannot read key file {p}: {exc.strerror}") from None
    return str(p)
