"""`proofshot check`: log in to every target of a valid scope without collecting anything.

Per target: `ok`, or why not: `unreachable`, `auth-failed`, `host-key-changed`, `sudo-refused`
(a target with `sudo: true` whose account may not run `sudo -n true`), `unsupported` (this
version cannot log in to that type) or `error`. The only command sent is that sudo probe.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proofshot.model.errors import (
    AuthFailed,
    BadInput,
    HostKeyChanged,
    ProofshotError,
    Unreachable,
)
from proofshot.model.transcript import Query
from proofshot.scan.scope import Scope
from proofshot.scan.targets import preflight, transport_for

DEFAULT_TIMEOUT = 30.0
SUDO_PROBE = Query("check.sudo", ("true",), "may the account run commands with sudo -n",
                   privileged=True, batch=False)


@dataclass(frozen=True)
class TargetCheck:
    name: str
    type: str
    status: str  # ok | unreachable | auth-failed | host-key-changed | sudo-refused | ...
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "status": self.status,
                "reason": self.reason}


@dataclass(frozen=True)
class CheckResult:
    targets: list[TargetCheck]

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.targets)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "targets": [t.to_json() for t in self.targets]}


def check(scope: Scope, known_hosts_dir: Path, *, where: str = "scope",
          concurrency: int = 32) -> CheckResult:
    """Secrets are resolved first (a missing one is bad input, raised before any login).
    `known_hosts_dir`: where the pinned SSH host keys are (the store's root)."""
    creds: dict[str, dict[str, Any]] = {}
    bad: list[str] = []
    for t in scope.targets:  # every unresolvable secret at once, before any login
        try:
            creds[t.name] = preflight(t, where)
        except BadInput as exc:
            bad.append(exc.message)
    if bad:
        raise BadInput("\n".join(bad))
    default_timeout = float(scope.defaults.get("timeout", DEFAULT_TIMEOUT))

    async def all_() -> list[TargetCheck]:
        sem = asyncio.Semaphore(concurrency)

        async def one(target: Any) -> TargetCheck:
            async with sem:
                return await _one(target, creds[target.name], known_hosts_dir,
                                  target.timeout or default_timeout)

        return list(await asyncio.gather(*(one(t) for t in scope.targets)))

    return CheckResult(asyncio.run(all_()))


async def _one(target: Any, creds: dict[str, Any], root: Path, timeout: float) -> TargetCheck:
    name, type_ = target.name, target.type

    def res(status: str, reason: str = "") -> TargetCheck:
        return TargetCheck(name, type_, status, reason)

    try:
        transport = transport_for(target, creds, root, timeout)
    except ProofshotError as exc:
        return res("unsupported", exc.message)
    try:
        try:
            await asyncio.wait_for(transport.open(), timeout)
        except HostKeyChanged as exc:
            return res("host-key-changed", exc.message)
        except AuthFailed as exc:
            return res("auth-failed", exc.message)
        except Unreachable as exc:
            return res("unreachable", exc.message)
        except TimeoutError:
            return res("unreachable", f"no answer within {timeout:g}s")
        except ProofshotError as exc:
            return res("error", exc.message)
        if getattr(target, "sudo", False) and type_ in ("ssh", "local"):
            ans = await transport.run(SUDO_PROBE)
            status = ans.status()
            if status == "refused":
                return res("sudo-refused", ans.reason())
            if status != "ok":
                return res("sudo-refused", f"sudo -n true: {ans.reason()}")
        return res("ok")
    finally:
        await transport.close()
