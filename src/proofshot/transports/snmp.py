"""SNMP through Net-SNMP's command-line tools (`snmpbulkwalk`, `snmpwalk`, `snmpget`).

Why subprocesses: measured on one box against the same snmpd, `snmpbulkwalk -Cr50` walks
~26-33k OIDs/s, ezsnmp ~11k/s, pysnmp 7 ~5k/s; a walk per declared subtree fits the
Query/Answer model as it is (raw text transcript, bounded size, timeouts, re-derivable rows).

A collector declares abstract queries: argv = ("snmpbulkwalk", OID) or ("snmpget", OID, ...).
This transport expands them to the real command line; the Answer keeps that full argv, which
holds no secret. Output flags (documented contract with the parsers):
    -On   numeric OIDs            (Debian ships no MIBs; MIBS are switched off anyway)
    -Oe   numeric enums
    -Ox   every OCTET STRING as Hex-STRING, so any byte sequence (binary MACs, non-UTF-8 text,
          embedded newlines or quotes) is printed unambiguously; lines not starting with an OID
          are only ever hex continuation lines
    -Cr50 max-repetitions of GETBULK (v2c/v3); v1 uses snmpwalk (GETNEXT)

Secrets (community, v3 pass phrases) never appear in argv (hence not in `ps`, transcripts or
logs): `open()` writes them to a private temp dir (mkdtemp: 0700, file 0600) on the scanning
machine and points SNMPCONFPATH at it (`defCommunity`, `defAuthPassphrase`,
`defPrivPassphrase`); `close()` deletes it. SNMPCONFPATH also keeps ~/.snmp and /etc/snmp
configs from changing what is sent; SNMP_PERSISTENT_DIR points at the same temp dir, so the
tools write no state elsewhere.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from dataclasses import dataclass

from proofshot.model.errors import AuthFailed, TransportError, Unreachable
from proofshot.model.transcript import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Answer, Query
from proofshot.transports.local import LocalTransport

OUTPUT_FLAGS = ("-On", "-Oe", "-Ox")
MAX_REPETITIONS = 50
PROBE_OIDS = (".1.3.6.1.2.1.1.2.0", ".1.3.6.1.2.1.1.3.0")  # sysObjectID.0, sysUpTime.0
TOOLS = ("snmpget", "snmpbulkwalk", "snmpwalk")

AUTH_PROTOCOLS = ("MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512")
PRIV_PROTOCOLS = ("DES", "AES", "AES-192", "AES-256")


@dataclass(frozen=True)
class SNMPAuth:
    """How to talk to the agent. Secrets live only here (memory) and in the temp config file."""

    version: str = "2c"
    community: str | None = None
    user: str | None = None
    auth_protocol: str | None = None
    auth_key: str | None = None
    priv_protocol: str | None = None
    priv_key: str | None = None

    def __repr__(self) -> str:  # never print a secret by accident
        return f"SNMPAuth(version={self.version!r}, user={self.user!r})"

    def level(self) -> str:
        if self.priv_key:
            return "authPriv"
        if self.auth_key:
            return "authNoPriv"
        return "noAuthNoPriv"

    def argv(self) -> list[str]:
        """The non-secret part of the session options."""
        if self.version != "3":
            return ["-v", self.version]
        out = ["-v", "3", "-l", self.level(), "-u", self.user or ""]
        if self.auth_key:
            out += ["-a", (self.auth_protocol or "SHA").upper()]
        if self.priv_key:
            out += ["-x", (self.priv_protocol or "AES").upper()]
        return out

    def config(self) -> str:
        """snmp.conf text holding the secrets (quoted for Net-SNMP's copy_nword)."""
        lines = ["# written by proofshot for one scan; deleted when the scan of the target ends"]
        if self.version != "3":
            lines.append(f"defCommunity {_quote(self.community or '')}")
        else:
            if self.auth_key:
                lines.append(f"defAuthPassphrase {_quote(self.auth_key)}")
            if self.priv_key:
                lines.append(f"defPrivPassphrase {_quote(self.priv_key)}")
        return "\n".join(lines) + "\n"

    def check(self) -> str | None:
        """A problem with the settings (never naming a secret), or None."""
        if self.version not in ("1", "2c", "3"):
            return f"unknown SNMP version {self.version!r}"
        for value in (self.community, self.auth_key, self.priv_key):
            if value is not None and ("\n" in value or "\r" in value or "\0" in value):
                return "a secret contains a line break or NUL byte"
        if self.version != "3":
            return None if self.community else "version 1/2c needs a community"
        if not self.user:
            return "version 3 needs a user"
        if self.priv_key and not self.auth_key:
            return "version 3: a privacy key needs an authentication key too"
        for key in (self.auth_key, self.priv_key):
            if key is not None and len(key) < 8:
                return "version 3 pass phrases must be at least 8 characters (RFC 3414)"
        if self.auth_protocol and self.auth_protocol.upper() not in AUTH_PROTOCOLS:
            return f"unknown auth protocol {self.auth_protocol!r} ({', '.join(AUTH_PROTOCOLS)})"
        if self.priv_protocol and self.priv_protocol.upper() not in PRIV_PROTOCOLS:
            return f"unknown privacy protocol {self.priv_protocol!r} ({', '.join(PRIV_PROTOCOLS)})"
        return None


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class SNMPTransport:
    """Runs declared SNMP queries against one agent, at most `max_inflight` at a time."""

    def __init__(
        self,
        name: str,
        *,
        host: str,
        port: int = 161,
        auth: SNMPAuth,
        timeout: float = DEFAULT_TIMEOUT,
        request_timeout: float = 3.0,
        retries: int = 2,
        max_inflight: int = 2,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.auth = auth
        self.timeout = timeout
        self.request_timeout = request_timeout
        self.retries = retries
        self.max_bytes = max_bytes
        self._sem = asyncio.Semaphore(max(1, max_inflight))
        self._dir: str | None = None
        self._local: LocalTransport | None = None

    @property
    def peer(self) -> str:
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host
        proto = "udp6" if ":" in self.host else "udp"
        return f"{proto}:{host}:{self.port}"

    def _argv(self, tool: str, oids: list[str], *, timeout: float | None = None,
              retries: int | None = None) -> list[str]:
        if tool == "snmpbulkwalk" and self.auth.version == "1":
            tool = "snmpwalk"  # v1 has no GETBULK
        argv = [tool, *self.auth.argv(), *OUTPUT_FLAGS,
                "-t", f"{timeout if timeout is not None else self.request_timeout:g}",
                "-r", str(retries if retries is not None else self.retries)]
        if tool == "snmpbulkwalk":
            argv.append(f"-Cr{MAX_REPETITIONS}")
        return [*argv, self.peer, *oids]

    async def open(self) -> dict[str, str]:
        problem = self.auth.check()
        if problem:
            raise TransportError(f"target '{self.name}': {problem}")
        missing = [t for t in TOOLS if shutil.which(t) is None]
        if missing:
            raise TransportError(
                f"Net-SNMP command-line tools missing ({', '.join(missing)}); "
                "install the Debian/Ubuntu package 'snmp' (net-snmp-utils on RHEL)")
        self._dir = tempfile.mkdtemp(prefix="proofshot-snmp-")  # 0700
        conf = os.path.join(self._dir, "snmp.conf")
        fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(self.auth.config())
        self._local = LocalTransport(
            self.name, timeout=self.timeout, max_bytes=self.max_bytes,
            env={"SNMPCONFPATH": self._dir, "SNMP_PERSISTENT_DIR": self._dir,
                 "MIBS": "", "MIBDIRS": os.path.join(self._dir, "no-mibs"), "HOME": self._dir},
        )
        try:
            facts = await self._probe()
        except BaseException:
            await self.close()
            raise
        return facts

    async def _probe(self) -> dict[str, str]:
        ans = await self._exec("probe", self._argv("snmpget", list(PROBE_OIDS), retries=1),
                               min(self.timeout, 30.0))
        err = ans.stderr.decode("utf-8", "replace").strip()
        where = f"{self.host}:{self.port}"
        if ans.exit_code == 0 and not ans.timed_out:
            return {"transport": "snmp", "version": self.auth.version, "peer": where}
        low = err.lower()
        if "authentication failure" in low or "unknown user name" in low \
                or "unsupported security level" in low or "wrong digest" in low:
            raise AuthFailed(f"{where}: SNMPv3 authentication failed ({err.splitlines()[-1]})")
        if "unknown host" in low:
            raise Unreachable(f"{where}: unknown host")
        if "timeout" in low or ans.timed_out:
            if self.auth.version == "3" and await self._agent_alive():
                raise AuthFailed(f"{where}: the agent answers SNMPv3 but not with these keys "
                                 "(wrong privacy key or protocol?)")
            if self.auth.version != "3":
                raise Unreachable(f"{where}: no SNMP answer (host down, filtered, or the "
                                  "community is wrong: agents ignore unknown communities)")
            raise Unreachable(f"{where}: no SNMP answer")
        raise TransportError(f"{where}: SNMP probe failed: {err.splitlines()[-1] if err else ''}")

    async def _agent_alive(self) -> bool:
        """SNMPv3 engine discovery works without keys: an unknown user gets a report back."""
        argv = ["snmpget", "-v", "3", "-l", "noAuthNoPriv", "-u", "proofshot-probe",
                *OUTPUT_FLAGS, "-t", "2", "-r", "0", self.peer, PROBE_OIDS[0]]
        ans = await self._exec("probe-engine", argv, 10.0)
        err = ans.stderr.lower()
        return b"unknown user" in err or b"unsupported security level" in err

    async def _exec(self, qid: str, argv: list[str], timeout: float | None,
                    max_bytes: int | None = None) -> Answer:
        assert self._local is not None, "open() first"
        async with self._sem:
            return await self._local.run(Query(qid, tuple(argv), timeout=timeout,
                                               max_bytes=max_bytes))

    async def run(self, query: Query, stdin: bytes | None = None) -> Answer:
        start = time.monotonic()
        tool, *oids = query.argv
        if tool not in TOOLS or not oids or not all(_is_oid(o) for o in oids):
            return Answer.failed(
                query, error="not an SNMP query (snmpget|snmpbulkwalk|snmpwalk OID...)")
        if self._local is None:
            return Answer.failed(query, error="transport not open")
        argv = self._argv(tool, oids)
        ans = await self._exec(query.id, argv, query.timeout, query.max_bytes)
        ans.argv = argv
        ans.duration = time.monotonic() - start
        return ans

    async def close(self) -> None:
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        self._local = None


def _is_oid(text: str) -> bool:
    body = text[1:] if text.startswith(".") else text
    return bool(body) and all(p.isdigit() for p in body.split("."))
