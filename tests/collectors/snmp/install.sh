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

need=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then   # postinst must not start a system snmpd
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  for i in 1 2 3 4 5 6 7 8 9 10; do
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${need[@]}" >/dev/null; then break; fi
    echo "apt busy or failing, retry $i" >&2; sleep 6
  done
  [ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi
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
