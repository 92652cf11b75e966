"""LDAP and Active Directory through ldap3: declared searches in, raw entries out as text.

A collector declares each search as data:

    Query(id, ("ldapsearch", BASE, SCOPE, FILTER, ATTR, ...))      SCOPE: base | one | sub
    an ATTR "+sdflags=7" instead asks for the LDAP_SERVER_SD_FLAGS control (security descriptors
    without the SACL, which needs privileges an auditor lacks)

Searches are read-only by construction (the connection is read_only; nothing but search is
ever sent) and paged (500 entries per page). The answer's stdout is the entries as JSON lines,
one per entry, in server order:

    {"dn":"CN=...","a":{"sAMAccountName":["alice"],...},"b":{"objectSid":["AQUAAAAAAAUVAAAA..."]}}

"a" holds UTF-8 values as text, "b" binary values (SIDs, GUIDs, security descriptors, anything
not UTF-8) as base64 without padding. The text has no whitespace at all (a space inside a
value is written \\u0020), so the store's masking of `key value` / `password: x` pairs can
never cut a DN such as "CN=Key Admins" apart, while `password=...` in a description is still
masked. A failed search gives exit code = LDAP result code and its message on stderr.

The password lives only in memory: never in argv, answers or error messages.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from proofshot.model.errors import AuthFailed, TransportError, Unreachable
from proofshot.model.transcript import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Answer, Query
from proofshot.transports.jsonlines import b64, dump_line, one_line

PAGE_SIZE = 500
SCOPES = ("base", "one", "sub")
BINARY_ATTRS = frozenset({"objectsid", "objectguid", "ntsecuritydescriptor", "sidhistory",
                          "tokengroups", "msds-generationid", "logonhours", "usercertificate",
                          "thumbnailphoto", "jpegphoto", "msexchmailboxguid",
                          "msds-allowedtoactonbehalfofotheridentity", "cacertificate"})


def dump_entry(dn: str, raw: dict[str, list[bytes]]) -> bytes:
    """One entry as a JSON line without whitespace (see the module doc)."""
    text: dict[str, list[str]] = {}
    binary: dict[str, list[str]] = {}
    for name in sorted(raw, key=str.lower):
        vals = raw[name]
        if not vals:
            continue
        if name.lower() in BINARY_ATTRS or name.lower().endswith(";binary"):
            binary[name] = [b64(v) for v in vals]
            continue
        try:
            text[name] = [v.decode("utf-8") for v in vals]
        except UnicodeDecodeError:
            binary[name] = [b64(v) for v in vals]
    obj: dict[str, Any] = {"dn": dn, "a": text}
    if binary:
        obj["b"] = binary
    return dump_line(obj)


def parse_url(url: str) -> tuple[str, int, bool]:
    """(host, port, ldaps?) of an ldap:// or ldaps:// URL; ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("ldap", "ldaps") or not parts.hostname:
        raise ValueError("the url must be ldap://HOST[:PORT] or ldaps://HOST[:PORT]")
    tls = parts.scheme == "ldaps"
    return parts.hostname, parts.port or (636 if tls else 389), tls


class LDAPTransport:
    """Runs declared LDAP searches over one bound connection (serialised: ldap3 is not
    thread-safe), in a worker thread so the scan's event loop stays free."""

    def __init__(self, name: str, *, url: str, user: str | None, password: str | None,
                 ca: str | None = None, tls_verify: bool = True,
                 timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.name = name
        self.url = url
        self.user = user
        self._password = password
        self.ca = ca
        self.tls_verify = tls_verify
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._conn: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LDAPTransport({self.name!r}, url={self.url!r}, user={self.user!r})"

    async def open(self) -> dict[str, str]:
        return await asyncio.to_thread(self._open)

    def _open(self) -> dict[str, str]:
        import ldap3
        from ldap3.core import exceptions as lx

        try:
            host, port, use_tls = parse_url(self.url)
        except ValueError as exc:
            raise TransportError(f"target '{self.name}': {exc}") from None
        where = f"{host}:{port}"
        tls = None
        if use_tls:
            if self.ca:
                tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=self.ca)
            elif self.tls_verify:
                tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_path=None,
                                ca_certs_file=None)
            else:
                tls = ldap3.Tls(validate=ssl.CERT_NONE)
        server = ldap3.Server(host, port=port, use_ssl=use_tls, tls=tls, get_info=ldap3.NONE,
                              connect_timeout=min(self.timeout, 15.0))
        conn = ldap3.Connection(
            server, user=self.user, password=self._password,
            authentication=ldap3.SIMPLE if self.user else ldap3.ANONYMOUS,
            read_only=True, receive_timeout=int(max(self.timeout, 1)), raise_exceptions=False,
            auto_referrals=False, auto_range=True,
        )
        try:
            conn.open()
        except lx.LDAPSocketOpenError as exc:
            msg = str(exc)
            if "certificate verify failed" in msg or "CERTIFICATE_VERIFY_FAILED" in msg:
                detail = "self-signed or unknown CA" if "self" in msg or "unable to get" in msg \
                    else "untrusted certificate"
                raise TransportError(
                    f"{where}: TLS: certificate verify failed ({detail}); pin the issuing CA "
                    "with 'ca:' or, explicitly, set 'tls_verify: false'") from None
            if "hostname" in msg.lower() or "doesn't match" in msg:
                raise TransportError(f"{where}: TLS: certificate does not match the host name "
                                     f"'{host}'") from None
            raise Unreachable(f"{where}: cannot connect: {_short(msg)}") from None
        except lx.LDAPException as exc:
            raise TransportError(f"{where}: {_short(str(exc))}") from None
        try:
            ok = conn.bind()
        except lx.LDAPException as exc:
            conn.unbind()
            raise TransportError(f"{where}: bind failed: {_short(str(exc))}") from None
        if not ok:
            res = conn.result or {}
            code = res.get("result")
            desc = res.get("description", "")
            conn.unbind()
            if code == 49:
                raise AuthFailed(f"{where}: invalid credentials for '{self.user}'")
            if code == 8 or "encryption required" in str(res.get("message", "")).lower():
                raise TransportError(f"{where}: the server requires an encrypted connection "
                                     "for this bind (use ldaps://)")
            raise TransportError(f"{where}: bind failed: {desc} ({code})")
        self._conn = conn
        return {"transport": "ldap", "peer": where,
                "tls": ("verified" if (self.ca or self.tls_verify) else "not verified")
                if use_tls else "none",
                "bind": self.user or "anonymous"}

    async def run(self, query: Query, stdin: bytes | None = None) -> Answer:
        argv = list(query.argv)
        if len(argv) < 4 or argv[0] != "ldapsearch" or argv[2] not in SCOPES:
            return Answer.failed(
                query, error="not an LDAP search (ldapsearch BASE base|one|sub FILTER ATTR...)")
        if self._conn is None:
            return Answer.failed(query, error="transport not open")
        limit = query.max_bytes or self.max_bytes
        timeout = query.timeout or self.timeout
        start = time.monotonic()
        try:
            ans = await asyncio.wait_for(asyncio.to_thread(self._search, query.id, argv, limit),
                                         timeout)
        except TimeoutError:
            return Answer.failed(query, timed_out=True, duration=time.monotonic() - start)
        ans.duration = time.monotonic() - start
        return ans

    def _search(self, qid: str, argv: list[str], limit: int) -> Answer:
        import ldap3
        from ldap3.core import exceptions as lx
        from ldap3.protocol.microsoft import security_descriptor_control

        base, scope, flt = argv[1], argv[2], argv[3]
        attrs = [a for a in argv[4:] if not a.startswith("+")]
        controls: list[Any] = []
        for opt in (a[1:] for a in argv[4:] if a.startswith("+")):
            if opt.startswith("sdflags="):
                controls += security_descriptor_control(sdflags=int(opt.split("=", 1)[1], 0))
            else:
                return Answer(qid, argv, None, b"", b"", 0.0, error=f"unknown option +{opt}")
        scope_v = {"base": ldap3.BASE, "one": ldap3.LEVEL, "sub": ldap3.SUBTREE}[scope]
        out = bytearray()
        cookie: Any = None
        with self._lock:
            conn = self._conn
            try:
                while True:
                    conn.search(base, flt, search_scope=scope_v, attributes=attrs or None,
                                controls=controls or None,
                                paged_size=None if scope == "base" else PAGE_SIZE,
                                paged_cookie=cookie)
                    res = conn.result or {}
                    code = int(res.get("result", 0) or 0)
                    for entry in conn.response or []:
                        if entry.get("type") != "searchResEntry":
                            continue
                        out += dump_entry(entry["dn"], entry.get("raw_attributes") or {})
                        if len(out) > limit:
                            return Answer(qid, argv, 0, bytes(out[:limit]), b"", 0.0,
                                          truncated=True)
                    if code not in (0,):
                        msg = f"{res.get('description', '')}: {res.get('message', '')}".strip()
                        return Answer(qid, argv, code, bytes(out), msg.encode(), 0.0)
                    ctl = (res.get("controls") or {}).get("1.2.840.113556.1.4.319") or {}
                    cookie = (ctl.get("value") or {}).get("cookie")
                    if not cookie:
                        break
            except lx.LDAPException as exc:
                return Answer(qid, argv, None, bytes(out), _short(str(exc)).encode(), 0.0,
                              error=f"{type(exc).__name__}: {_short(str(exc))}")
        return Answer(qid, argv, 0, bytes(out), b"", 0.0)

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await asyncio.to_thread(conn.unbind)


def _short(msg: str) -> str:
    return one_line(msg, 300)
