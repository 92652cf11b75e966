"""A scope target's options: the base of every collector plugin's options model (pydantic).

Imported only when a scope is validated (scan/scope.py) or a target is planned: listing the
plugins and reading snapshots do without pydantic.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

REF_PREFIXES = ("env:", "file:", "keyring:")


def secret_ref(value: str | None) -> str | None:
    """A secret field holds a reference, never the secret (the error does not repeat it)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(REF_PREFIXES):
        raise ValueError(
            "secrets may not be written in the scope; use env:NAME, file:PATH or keyring:NAME"
        )
    return value


class TargetOptions(BaseModel):
    """One scope target: `name`, `type` and the options of its collector. Subclasses declare
    `type: Literal["..."]` and list their secret-reference fields in SECRETS (checked to be
    references here, resolved at scan time)."""

    # schemas are built on first validation, not at import: a scan of this machine never
    # validates a file and starts faster
    model_config = ConfigDict(extra="forbid", defer_build=True)
    SECRETS: ClassVar[tuple[str, ...]] = ()

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:@-]+$")
    timeout: float | None = Field(default=None, gt=0)
    type: str  # each subclass narrows it to its Literal["..."]

    @field_validator("*", mode="after")
    @classmethod
    def _secrets_are_references(cls, v: Any, info: ValidationInfo) -> Any:
        if info.field_name in cls.SECRETS:
            return secret_ref(v)
        return v

    def options(self) -> dict[str, Any]:
        """The fields a collector's plan reads (secret references left out)."""
        return self.model_dump(exclude=set(self.SECRETS))
