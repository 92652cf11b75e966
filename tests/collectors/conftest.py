"""Session fixtures: a Samba AD DC, a Samba file server and OpenLDAP in the lab (tests/lab/samba.py).

Needs the packages of tests/lab/install_samba.sh; skipped without them. The servers are lab
hosts, so the session's `lab` fixture tears them down with the rest of the lab.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import pytest

from tests.lab.lab import Lab
from tests.lab.samba import DC, Files, OpenLDAP, start_dc, start_files, start_openldap


@dataclass
class Servers:
    lab: Lab
    dc: DC
    files: Files
    ldap: OpenLDAP


@pytest.fixture(scope="session")
def servers(lab: Lab) -> Servers:
    for tool in ("samba", "samba-tool", "smbd", "smbcacls", "slapd", "slapadd"):
        if shutil.which(tool, path="/usr/sbin:/usr/bin") is None:
            pytest.skip(f"{tool} missing: run tests/lab/install_samba.sh")
    try:
        import ldap3  # noqa: F401
        import smbprotocol  # noqa: F401
    except ImportError:
        pytest.skip("ldap3/smbprotocol missing: run tests/lab/install_samba.sh")
    dc = start_dc(lab)
    files = start_files(lab, dc)
    return Servers(lab, dc, files, start_openldap(lab))
