"""The scope file: YAML naming the targets, validated with pydantic; errors name file, line, field.

Secrets are never written in a scope: fields that carry one (password, community, auth/priv keys)
accept only a reference (`env:NAME`, `file:PATH`, `keyring:SERVICE/USER`); an inline value is
refused with an error that does not repeat it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from proofshot.model.errors import ScopeError

if TYPE_CHECKING:
    import yaml

SECRET_FIELDS = ("password", "community", "auth_key", "priv_key", "passphrase", "enable")
_REF_PREFIXES = ("env:", "file:", "keyring:")


def _check_ref(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(_REF_PREFIXES):
        raise ValueError(
            "secrets may not be written in the scope; use env:NAME, file:PATH or keyring:NAME"
        )
    return value


class _Base(BaseModel):
    # schemas are built on first validation, not at import: a scan of this machine never
    # validates a file and starts faster
    model_config = ConfigDict(extra="forbid", defer_build=True)
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:@-]+$")
    timeout: float | None = Field(default=None, gt=0)


class LocalTarget(_Base):
    type: Literal["local"]
    files: list[str] = Field(default_factory=lambda: ["/etc"])
    cert_paths: list[str] | None = None
    sudo: bool = False


class SSHTarget(_Base):
    type: Literal["ssh"]
    host: str = Field(min_length=1)
    port: int = Field(default=22, ge=1, le=65535)
    user: str = Field(min_length=1)
    key: str | None = None
    password: str | None = None
    agent: bool = False
    sudo: bool = False
    files: list[str] = Field(default_factory=lambda: ["/etc"])
    cert_paths: list[str] | None = None
    accept_new_host_key: bool = False
    # windows: OpenSSH for Windows, PowerShell on the far side (collectors/windows)
    platform: Literal["linux", "windows"] = "linux"
    paths: list[str] | None = None  # windows: folders whose NTFS ACL is read
    event_hours: int | None = Field(default=None, ge=1)  # windows: change events read back

    _ref = field_validator("password")(classmethod(lambda cls, v: _check_ref(v)))


class SNMPTarget(_Base):
    type: Literal["snmp"]
    host: str
    port: int = Field(default=161, ge=1, le=65535)
    version: Literal["1", "2c", "3"] = "2c"
    community: str | None = None
    user: str | None = None
    auth_protocol: str | None = None
    auth_key: str | None = None
    priv_protocol: str | None = None
    priv_key: str | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _v(cls, v: Any) -> Any:
        return str(v) if isinstance(v, (int, float)) else v

    _ref = field_validator("community", "auth_key", "priv_key")(
        classmethod(lambda cls, v: _check_ref(v))
    )


class LDAPTarget(_Base):
    type: Literal["ldap"]
    url: str
    user: str | None = None
    password: str | None = None
    base: str
    ca: str | None = None
    tls_verify: bool = True

    _ref = field_validator("password")(classmethod(lambda cls, v: _check_ref(v)))


class SMBTarget(_Base):
    type: Literal["smb"]
    host: str
    port: int = Field(default=445, ge=1, le=65535)
    shares: list[str] | None = None
    user: str | None = None
    password: str | None = None
    depth: int = Field(default=3, ge=0)

    _ref = field_validator("password")(classmethod(lambda cls, v: _check_ref(v)))


class WinRMTarget(_Base):
    """PowerShell remoting (pypsrp). Basic authentication is not offered, and plain HTTP only
    with message encryption (negotiate, kerberos, ntlm or credssp all encrypt)."""

    type: Literal["winrm"]
    host: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)  # default 5986 (https) / 5985 (http)
    transport: Literal["https", "http"] = "https"
    auth: Literal["negotiate", "kerberos", "ntlm", "credssp"] = "negotiate"
    user: str = Field(min_length=1)
    password: str | None = None
    ca: str | None = None
    tls_verify: bool = True
    paths: list[str] | None = None  # folders whose NTFS ACL is read
    event_hours: int | None = Field(default=None, ge=1)

    _ref = field_validator("password")(classmethod(lambda cls, v: _check_ref(v)))


class ReplayTarget(_Base):
    """Answers recorded by `proofshot capture` (DIR/TARGET), scanned back through the same
    parsers. `options` are the recorded target's options, filled in from the capture when the
    scope is checked, so the stored scope re-derives the same way."""

    type: Literal["replay"]
    path: str = Field(min_length=1)
    options: dict[str, Any] | None = None


class NetdevTarget(_Base):
    """A switch, router or firewall over its SSH CLI (collectors/netdev/platforms.py)."""

    type: Literal["netdev"]
    platform: str = Field(min_length=1)
    host: str = Field(min_length=1)
    port: int = Field(default=22, ge=1, le=65535)
    user: str = Field(min_length=1)
    key: str | None = None
    password: str | None = None
    enable: str | None = None  # privileged-mode secret
    accept_new_host_key: bool = False

    _ref = field_validator("password", "enable")(classmethod(lambda cls, v: _check_ref(v)))


Target = Annotated[
    LocalTarget | SSHTarget | SNMPTarget | LDAPTarget | SMBTarget | WinRMTarget | NetdevTarget
    | ReplayTarget,
    Field(discriminator="type"),
]


class Scope(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    customer: str | None = None
    defaults: dict[str, Any] = Field(default_factory=dict)
    targets: list[Target] = Field(min_length=1)
    digest: str = ""
    source: str = ""

    @field_validator("targets")
    @classmethod
    def _unique(cls, v: list[Any]) -> list[Any]:
        seen: set[str] = set()
        for t in v:
            if t.name in seen:
                raise ValueError(f"target name '{t.name}' is used twice")
            seen.add(t.name)
        return v


def _load_with_lines(text: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The YAML document as data (as yaml.safe_load gives it) and the line of every path in
    it, from one parse."""
    import yaml  # here: a scan without a scope file (this machine) does without it

    lines: dict[tuple[Any, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = k.value
                lines[(*path, key)] = k.start_mark.line + 1
                walk(v, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, lines
        walk(root, ())  # before constructing: merge keys (<<) are flattened in the nodes
        data = loader.construct_document(root)
    finally:
        loader.dispose()
    return data, lines


def local_scope() -> Scope:
    """The scope of `proofshot scan` without a file: this machine."""
    target = LocalTarget.model_construct(name="localhost", type="local", files=["/etc"],
                                         cert_paths=None, sudo=False, timeout=None)
    return Scope.model_construct(customer=None, defaults={}, targets=[target], digest="",
                                 source="(local machine)")


def load_scope(path: str | Path) -> Scope:
    p = Path(path)
    where = str(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ScopeError(where, None, None, "scope file not found") from None
    except IsADirectoryError:
        raise ScopeError(where, None, None, "is a directory, not a scope file") from None
    except OSError as exc:
        raise ScopeError(where, None, None, f"cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScopeError(where, None, None, f"not UTF-8 text (byte {exc.start})") from None
    import yaml

    try:
        data, lines = _load_with_lines(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        raise ScopeError(where, line, None, f"malformed YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ScopeError(where, None, None, f"malformed YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ScopeError(where, 1, None, "a scope is a mapping with a 'targets' list")
    defaults = data.get("defaults") or {}
    if isinstance(defaults, dict) and isinstance(data.get("targets"), list):
        for t in data["targets"]:
            if isinstance(t, dict) and "timeout" in defaults:
                t.setdefault("timeout", defaults["timeout"])
    try:
        scope = Scope.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = _clean_loc(err["loc"], data)
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = (*loc, "type")
        line = _line_for(lines, loc)
        field = ".".join(str(x) for x in loc) or None
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "union_tag_invalid":
            msg = (
                f"unknown target type {err.get('input', {}).get('type')!r}; "
                "expected local, ssh, snmp, ldap, smb, winrm, netdev or replay"
            )
        elif err["type"] == "extra_forbidden":
            msg = "unknown field"
        raise ScopeError(where, line, field, msg) from None
    scope.digest = hashlib.sha256(raw).hexdigest()
    scope.source = text
    return scope


def _clean_loc(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """Drop pydantic's union-branch names (e.g. 'ssh') from an error location."""
    out: list[Any] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            out.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part in (
            "local", "ssh", "snmp", "ldap", "smb", "winrm", "netdev", "replay"
        ):
            continue
        else:
            out.append(part)
            node = None
    return tuple(out)


def _line_for(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    for i in range(len(loc), -1, -1):
        if loc[:i] in lines:
            return lines[loc[:i]]
    return None
