"""SNMP collector: network devices (switches, routers, firewalls, UPSs, printers)."""
