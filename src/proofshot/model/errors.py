"""The exception tree. Every error a user can see is a ProofshotError with a one-line message.

    ProofshotError                  exit 1 unless a subclass says otherwise
    ├── BadInput                    exit 2: the user's input is wrong; nothing was written
    │   ├── ScopeError              scope file: names file, line and field
    │   ├── SnapshotNotFound        an id, prefix or label that matches no snapshot
    │   └── RowInvalid              a collector emitted a row its table does not declare
    ├── StoreError                  exit 1: the store cannot be opened or written
    │   └── IntegrityError          exit 4: an object, manifest, signature or link is broken
    └── TransportError              a query could not be sent (turned into coverage, not raised to users)
        ├── Unreachable
        ├── AuthFailed
        └── HostKeyChanged
"""

from __future__ import annotations


class ProofshotError(Exception):
    """Base of every error proofshot raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(ProofshotError):
    exit_code = 2


class ScopeError(BadInput):
    def __init__(self, path: str, line: int | None, field: str | None, problem: str) -> None:
        where = path if line is None else f"{path}:{line}"
        parts = [where] + ([f"field '{field}'"] if field else [])
        super().__init__(": ".join([*parts, problem]))
        self.path, self.line, self.field, self.problem = path, line, field, problem


class SnapshotNotFound(BadInput):
    pass


class RowInvalid(BadInput):
    exit_code = 1


class StoreError(ProofshotError):
    exit_code = 1


class IntegrityError(StoreError):
    exit_code = 4


class TransportError(ProofshotError):
    status = "failed"


class Unreachable(TransportError):
    status = "unreachable"


class AuthFailed(TransportError):
    status = "auth-failed"


class HostKeyChanged(TransportError):
    status = "host-key-changed"
