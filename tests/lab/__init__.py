"""The proofshot test lab: real hosts (network namespaces with sshd) on this machine."""

from tests.lab.lab import (
    AUDIT_UID,
    AUDIT_USER,
    BRIDGE,
    PW_UID,
    PW_USER,
    Host,
    Lab,
    LabError,
    unavailable_reason,
)

__all__ = ["AUDIT_UID", "AUDIT_USER", "BRIDGE", "PW_UID", "PW_USER", "Host", "Lab", "LabError",
           "unavailable_reason"]
