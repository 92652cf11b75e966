#!/usr/bin/env bash
# What the AD/LDAP/SMB tests need on a Debian 12 machine (as root); idempotent, ~0.1 s when done.
#   apt: samba (smbd, the file server under test, vfs_acl_xattr), samba-ad-dc + samba-ad-provision
#        (the AD DC: provision needs the latter, only Recommended by samba-ad-dc, LAB-NOTES 9),
#        smbclient (smbcacls: the benchmark's reference), slapd + ldap-utils (OpenLDAP server,
#        slapadd), attr (getfattr for debugging xattr ACLs)
#   pip: ldap3, smbprotocol (proofshot's LDAP and SMB transports) into the interpreter given as
#        $1 (default: the first python3 on PATH)
set -euo pipefail

PY="${1:-python3}"
APT_PACKAGES=(samba samba-ad-dc samba-ad-provision smbclient slapd ldap-utils attr)

bash "$(dirname "$0")/../../.ci/apt-need" "${APT_PACKAGES[@]}"
# Debian's daemons may have been started by a postinst where policy-rc.d allowed it; the tests
# run their own instances inside lab hosts and never need the system ones.
if command -v systemctl >/dev/null 2>&1; then
  for s in slapd smbd nmbd samba-ad-dc winbind; do
    systemctl is-active -q "$s" 2>/dev/null && systemctl stop "$s" || true
  done
fi

"$PY" -c 'import ldap3, smbprotocol' 2>/dev/null || \
  "$PY" -m pip install -q --disable-pip-version-check 'ldap3>=2.9' 'smbprotocol>=1.13' >/dev/null
