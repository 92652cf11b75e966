"""Numeric OIDs of the standard MIB objects the SNMP collector reads (no MIB files needed)."""

from __future__ import annotations

SYSTEM = "1.3.6.1.2.1.1"                                   # SNMPv2-MIB system
IF_TABLE = "1.3.6.1.2.1.2.2"                               # IF-MIB ifTable
IF_ENTRY = IF_TABLE + ".1"
IFX_TABLE = "1.3.6.1.2.1.31.1.1"                           # IF-MIB ifXTable
IFX_ENTRY = IFX_TABLE + ".1"
IP_ADDR_TABLE = "1.3.6.1.2.1.4.20"                         # IP-MIB ipAddrTable (v4, old)
IP_ADDR_ENTRY = IP_ADDR_TABLE + ".1"
IP_ADDRESS_TABLE = "1.3.6.1.2.1.4.34"                      # IP-MIB ipAddressTable (v4+v6)
IP_ADDRESS_ENTRY = IP_ADDRESS_TABLE + ".1"
INET_CIDR_ROUTE_TABLE = "1.3.6.1.2.1.4.24.7"               # IP-FORWARD-MIB inetCidrRouteTable
INET_CIDR_ROUTE_ENTRY = INET_CIDR_ROUTE_TABLE + ".1"
IP_CIDR_ROUTE_TABLE = "1.3.6.1.2.1.4.24.4"                 # IP-FORWARD-MIB ipCidrRouteTable
IP_CIDR_ROUTE_ENTRY = IP_CIDR_ROUTE_TABLE + ".1"
IP_ROUTE_TABLE = "1.3.6.1.2.1.4.21"                        # RFC1213-MIB ipRouteTable
IP_ROUTE_ENTRY = IP_ROUTE_TABLE + ".1"
IP_NET_TO_MEDIA_TABLE = "1.3.6.1.2.1.4.22"                 # IP-MIB ipNetToMediaTable (ARP)
IP_NET_TO_MEDIA_ENTRY = IP_NET_TO_MEDIA_TABLE + ".1"
IP_NET_TO_PHYSICAL_TABLE = "1.3.6.1.2.1.4.35"              # IP-MIB ipNetToPhysicalTable
IP_NET_TO_PHYSICAL_ENTRY = IP_NET_TO_PHYSICAL_TABLE + ".1"
LLDP_REM_TABLE = "1.0.8802.1.1.2.1.4.1"                    # LLDP-MIB lldpRemTable
LLDP_REM_ENTRY = LLDP_REM_TABLE + ".1"
LLDP_LOC_PORT_TABLE = "1.0.8802.1.1.2.1.3.7"               # LLDP-MIB lldpLocPortTable
LLDP_LOC_PORT_ENTRY = LLDP_LOC_PORT_TABLE + ".1"
ENT_PHYSICAL_TABLE = "1.3.6.1.2.1.47.1.1.1"                # ENTITY-MIB entPhysicalTable
ENT_PHYSICAL_ENTRY = ENT_PHYSICAL_TABLE + ".1"
HR_STORAGE_TYPES = "1.3.6.1.2.1.25.2.1"                    # HOST-RESOURCES-TYPES hrStorageTypes
HR_STORAGE_TABLE = "1.3.6.1.2.1.25.2.3"                    # HOST-RESOURCES-MIB hrStorageTable
HR_STORAGE_ENTRY = HR_STORAGE_TABLE + ".1"
HR_SW_INSTALLED_TABLE = "1.3.6.1.2.1.25.6.3"               # HOST-RESOURCES-MIB hrSWInstalledTable
HR_SW_INSTALLED_ENTRY = HR_SW_INSTALLED_TABLE + ".1"
DOT1D_BASE_PORT_TABLE = "1.3.6.1.2.1.17.1.4"               # BRIDGE-MIB dot1dBasePortTable
DOT1D_BASE_PORT_ENTRY = DOT1D_BASE_PORT_TABLE + ".1"
DOT1Q_VLAN_STATIC_TABLE = "1.3.6.1.2.1.17.7.1.4.3"         # Q-BRIDGE-MIB dot1qVlanStaticTable
DOT1Q_VLAN_STATIC_ENTRY = DOT1Q_VLAN_STATIC_TABLE + ".1"
DOT1Q_PORT_VLAN_TABLE = "1.3.6.1.2.1.17.7.1.4.5"           # Q-BRIDGE-MIB dot1qPortVlanTable
DOT1Q_PORT_VLAN_ENTRY = DOT1Q_PORT_VLAN_TABLE + ".1"
