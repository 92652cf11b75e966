#!/usr/bin/env bash
# What the SNMP tests need on a Debian 12 machine (as root); idempotent, ~0.1 s when done.
#   apt: snmpd (the agent under test), snmp (snmpbulkwalk/snmpget: proofshot's SNMP transport
#        and the reference walks), python3-venv + python3-gdbm (snmpsim's own venv, see below)
#        lldpd (LLDP between two lab hosts, exported into LLDP-MIB through snmpd's AgentX)
#   pip: snmpsim + snmpsim-data in a separate venv on Debian's /usr/bin/python3, because snmpsim
#        drops privileges to nobody and must then still read its interpreter and a dbm module
#        (LAB-NOTES pitfall 7). Venv path: $PROOFSHOT_SNMPSIM_VENV or /opt/proofshot-snmpsim.
set -euo pipefail

VENV="${PROOFSHOT_SNMPSIM_VENV:-/opt/proofshot-snmpsim}"
APT_PACKAGES=(snmpd snmp python3-venv python3-gdbm lldpd)

bash "$(dirname "$0")/../../../.ci/apt-need" "${APT_PACKAGES[@]}"
# Debian's snmpd and lldpd are started by their postinst when policy-rc.d allows it; the
# tests start their own inside lab hosts.
for svc in snmpd lldpd; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active -q "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done

if [ ! -x "$VENV/bin/snmpsim-command-responder" ] || [ ! -d "$VENV/share/snmpsim-data-ok" ]; then
  [ -x "$VENV/bin/python" ] || /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check 'snmpsim>=1.1' 'snmpsim-data>=1.0' >/dev/null
  mkdir -p "$VENV/share/snmpsim-data-ok"
fi
chmod -R a+rX "$VENV"
