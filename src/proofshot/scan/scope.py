"""The scope file: YAML naming the targets, validated with pydantic; errors name file, line, field.

Each target is validated with the options model of the collector plugin that reads its `type`
(scan/catalog.py; the models live beside their collectors, e.g. collectors/linux/plugin.py), and
every problem of the file is reported at once, one `file:line: field 'F': problem` per line, with
"did you mean" for a misspelt field or type. A type no installed collector reads is a bad scope.

Secrets are never written in a scope: fields that carry one (password, community, auth/priv keys)
accept only a reference (`env:NAME`, `file:PATH`, `keyring:SERVICE/USER`); an inline value is
refused with an error that does not repeat it.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, ValidationError

from proofshot.collectors.ldap.options import LDAPTarget
from proofshot.collectors.linux.options import LocalTarget, SSHTarget
from proofshot.collectors.netdev.options import NetdevTarget
from proofshot.collectors.options import TargetOptions
from proofshot.collectors.smb.options import SMBTarget
from proofshot.collectors.snmp.options import SNMPTarget
from proofshot.collectors.windows.options import WinRMTarget
from proofshot.model.errors import ScopeError
from proofshot.scan.replay import TYPE as REPLAY
from proofshot.scan.replay import ReplayTarget

if TYPE_CHECKING:
    import yaml

__all__ = ["LDAPTarget", "LocalTarget", "NetdevTarget", "ReplayTarget", "SMBTarget",
           "SNMPTarget", "SSHTarget", "Scope", "ScopeProblems", "TargetOptions", "WinRMTarget",
           "load_scope", "local_scope"]

SECRET_FIELDS = ("password", "community", "auth_key", "priv_key", "passphrase", "enable")
_TOP_FIELDS = ("customer", "defaults", "targets")
# the target types DESIGN.md names; one without a collector plugin is a bad scope, said as such
DESIGNED_TYPES = ("local", "ssh", "snmp", "ldap", "smb", "winrm", "netdev", "replay")


class Scope(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    customer: str | None = None
    defaults: dict[str, Any] = Field(default_factory=dict)
    # each target is its collector plugin's options model (scan/catalog.py: by `type`)
    targets: list[SerializeAsAny[TargetOptions]] = Field(min_length=1)
    digest: str = ""
    source: str = ""


class ScopeProblems(ScopeError):
    """Every problem of a scope file at once, one `file:line: field 'F': problem` per line
    (the first one's place is this error's path, line and field)."""

    def __init__(self, problems: list[ScopeError]) -> None:
        first = problems[0]
        super().__init__(first.path, first.line, first.field, first.problem)
        self.problems = problems
        self.message = "\n".join(p.message for p in problems)
        self.args = (self.message,)


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
    problems = _validate(where, data, lines)
    if isinstance(problems, list):
        raise ScopeProblems(problems)
    scope = problems
    scope.digest = hashlib.sha256(raw).hexdigest()
    scope.source = text
    return scope


def _suggest(word: str, choices: Iterable[str]) -> str:
    near = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{near[0]}'?)" if near else ""


def _validate(where: str, data: dict[Any, Any], lines: dict[tuple[Any, ...], int]
              ) -> Scope | list[ScopeError]:
    """The scope, or every problem found in it, in the file's order."""
    from proofshot.scan.catalog import target_types

    problems: list[ScopeError] = []

    def problem(loc: tuple[Any, ...], msg: str) -> None:
        field = ".".join(str(x) for x in loc) or None
        problems.append(ScopeError(where, _line_for(lines, loc), field, msg))

    for key in data:
        if key not in _TOP_FIELDS:
            problem((key,), f"unknown field{_suggest(str(key), _TOP_FIELDS)}")
    customer = data.get("customer")
    if customer is not None and not isinstance(customer, str):
        problem(("customer",), "must be text")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        problem(("defaults",), "must be a mapping (e.g. {timeout: 30})")
        defaults = {}
    raw_targets = data.get("targets")
    if not isinstance(raw_targets, list) or not raw_targets:
        problem(("targets",), "a scope needs a 'targets' list with at least one target"
                if raw_targets is None or raw_targets == [] else "must be a list of targets")
        raw_targets = []
    # replay is the scan's own type (answers any collector recorded), not a collector's
    types: dict[str, Any] = {**target_types(), REPLAY: None}
    known = ", ".join(sorted(types))
    targets: list[TargetOptions] = []
    first_line: dict[str, int | None] = {}
    for i, t in enumerate(raw_targets):
        loc: tuple[Any, ...] = ("targets", i)
        if not isinstance(t, dict):
            problem(loc, "a target is a mapping with at least 'name' and 'type'")
            continue
        name = t.get("name")
        if isinstance(name, str):
            if name in first_line:
                problem((*loc, "name"), f"target name '{name}' is used twice (first at line "
                        f"{first_line[name]})")
            else:
                first_line[name] = _line_for(lines, (*loc, "name"))
        type_ = t.get("type")
        if type_ is None:
            problem((*loc, "type"), f"missing; one of {known}")
            continue
        if isinstance(type_, str) and type_ in DESIGNED_TYPES and type_ not in types:
            problem((*loc, "type"), f"target type {type_!r} is not implemented in this "
                    f"installation (no collector reads it); implemented: {known}")
            continue
        if not isinstance(type_, str) or type_ not in types:
            problem((*loc, "type"), f"unknown target type {type_!r}"
                    f"{_suggest(str(type_), types)}; expected one of {known}")
            continue
        model = ReplayTarget if type_ == REPLAY else types[type_].options(type_)
        if "timeout" in defaults:
            t = {**t}
            t.setdefault("timeout", defaults["timeout"])
        try:
            targets.append(model.model_validate(t))
        except ValidationError as exc:
            fields = list(model.model_fields)
            for err in exc.errors():
                eloc = (*loc, *err["loc"])
                msg = err["msg"].removeprefix("Value error, ")
                if err["type"] == "extra_forbidden":
                    msg = f"unknown field{_suggest(str(err['loc'][-1]), fields)}"
                problem(eloc, msg)
    if problems:
        problems.sort(key=lambda p: (p.line is None, p.line or 0))
        return problems
    try:
        return Scope.model_validate({"customer": customer, "defaults": defaults,
                                     "targets": targets})
    except ValidationError as exc:  # pragma: no cover - every field was checked above
        err = exc.errors()[0]
        return [ScopeError(where, None, ".".join(map(str, err["loc"])), err["msg"])]


def _line_for(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    for i in range(len(loc), -1, -1):
        if loc[:i] in lines:
            return lines[loc[:i]]
    return None
