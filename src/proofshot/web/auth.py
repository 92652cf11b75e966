"""Who may use the web UI: the login token `proofshot serve` prints, the team's users (argon2
hashes, `proofshot user add`), sessions in memory, CSRF tokens and a login rate limit.

Roles: viewer (reads), technician (reads, job-record writes, reports), admin (everything the web
allows). The token's user is an admin. Nothing here writes a snapshot.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from proofshot.model.errors import BadInput

ROLES = ("viewer", "technician", "admin")
USERS_FILE = "web-users.json"
SESSION_IDLE = 8 * 3600
_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
_HASHER = PasswordHasher()
# verified against when the user is unknown, so a wrong name costs as long as a wrong password
_DUMMY = _HASHER.hash("proofshot: no such user")


def users_path(store_root: Path) -> Path:
    return store_root / USERS_FILE


def _read(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {str(k): dict(v) for k, v in data.get("users", {}).items()}


def add_user(store_root: Path, name: str, role: str, password: str,
             customers: list[str] | None = None) -> None:
    """Add or replace a user; the password is stored as an argon2id hash only. `customers`
    limits the user to those customers' snapshots and engagements (none: all)."""
    if not _NAME.match(name):
        raise BadInput(f"user name '{name}': use letters, digits and . _ @ - (at most 64)")
    if role not in ROLES:
        raise BadInput(f"role '{role}': one of {', '.join(ROLES)}")
    if len(password) < 10:
        raise BadInput("password: at least 10 characters")
    path = users_path(store_root)
    users = _read(path)
    users[name] = {"role": role, "hash": _HASHER.hash(password)}
    limited = sorted({c.strip() for c in customers or [] if c.strip()})
    if limited:
        users[name]["customers"] = limited
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"users": users}, fh, indent=2, sort_keys=True)
    os.replace(tmp, path)


def list_users(store_root: Path) -> list[tuple[str, str]]:
    return sorted((n, u["role"]) for n, u in _read(users_path(store_root)).items())


def customers_of(store_root: Path, name: str) -> frozenset[str] | None:
    """The customers a user is limited to; None: all of them."""
    limited = _read(users_path(store_root)).get(name, {}).get("customers")
    return frozenset(str(c) for c in limited) if limited else None


def check_password(store_root: Path, name: str, password: str) -> str | None:
    """The user's role when the password matches, else None."""
    user = _read(users_path(store_root)).get(name)
    try:
        _HASHER.verify(user["hash"] if user else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    return str(user["role"]) if user else None


@dataclass
class Session:
    id: str
    user: str
    role: str
    csrf: str
    seen: float = field(default_factory=time.monotonic)
    customers: frozenset[str] | None = None  # limited to these customers; None: all

    def may(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


class Sessions:
    """Sessions in memory: a restart of `proofshot serve` logs everyone out."""

    def __init__(self) -> None:
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, user: str, role: str, customers: frozenset[str] | None = None) -> Session:
        s = Session(secrets.token_urlsafe(32), user, role, secrets.token_urlsafe(32),
                    customers=customers)
        with self._lock:
            self._by_id[s.id] = s
        return s

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        now = time.monotonic()
        with self._lock:
            s = self._by_id.get(sid)
            if s is None:
                return None
            if now - s.seen > SESSION_IDLE:
                del self._by_id[sid]
                return None
            s.seen = now
            return s

    def drop(self, sid: str | None) -> None:
        with self._lock:
            self._by_id.pop(sid or "", None)


class RateLimit:
    """At most `limit` failed logins per client address in `window` seconds."""

    def __init__(self, limit: int = 5, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            q = self._fails.get(client)
            while q and now - q[0] > self.window:
                q.popleft()
            return q is not None and len(q) >= self.limit

    def failed(self, client: str) -> None:
        with self._lock:
            self._fails.setdefault(client, deque()).append(time.monotonic())


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two secrets (None never matches)."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode(), b.encode())
