"""Every table every collector declares (for docs and `proofshot tables`)."""

from __future__ import annotations

from proofshot.model.table import Table


def all_tables() -> list[Table]:
    from proofshot.collectors.ldap.collector import COLLECTOR as ldap
    from proofshot.collectors.linux.collector import COLLECTOR as linux
    from proofshot.collectors.smb.collector import COLLECTOR as smb
    from proofshot.collectors.snmp.collector import COLLECTOR as snmp

    return sorted([*linux.tables(), *snmp.tables(), *ldap.tables(), *smb.tables()],
                  key=lambda t: t.name)
