"""Table declarations of the SNMP collector, as data (docs and diff rules read them).

All sources are standard MIBs read by numeric OID (no MIB files needed). Counters, uptimes,
ages and usage that move by themselves are volatile. Enumerations are stored as their MIB
names (e.g. admin_status 'up'); unknown numbers as the number in text.
"""

from __future__ import annotations

from proofshot.model.table import Table, col, table

C = "snmp"
P = ("snmp",)

SYSTEM = table("snmp_system", "SNMPv2-MIB system group and vendor (one row).", ["id"], [
    col("id", doc="Always 'system'."),
    col("descr", doc="sysDescr: free text, usually model and software version."),
    col("object_id", doc="sysObjectID, numeric (1.3.6.1.4.1.<enterprise>....)."),
    col("enterprise", "int", "IANA private enterprise number from sysObjectID."),
    col("vendor", doc="Vendor name for that enterprise number (small built-in map), else None."),
    col("name", doc="sysName."),
    col("location", doc="sysLocation."),
    col("contact", doc="sysContact."),
    col("services", "int", "sysServices bit mask (layers the device serves)."),
    col("uptime_ticks", "int", "sysUpTime in 1/100 s (agent uptime).", volatile=True),
], platforms=P, collector=C)

INTERFACES = table("snmp_interfaces", "IF-MIB ifTable + ifXTable.", ["if_index"], [
    col("if_index", "int", "ifIndex."),
    col("name", doc="ifName (ifXTable), else ifDescr."),
    col("descr", doc="ifDescr."),
    col("alias", doc="ifAlias: the description an administrator gave the port."),
    col("type", doc="ifType as IANAifType name (ethernetCsmacd, softwareLoopback, ...)."),
    col("mtu", "int", "ifMtu in bytes."),
    col("speed_bps", "int", "Speed in bit/s (ifHighSpeed x 10^6 when ifSpeed is saturated)."),
    col("high_speed_mbps", "int", "ifHighSpeed in Mbit/s."),
    col("mac", doc="ifPhysAddress as aa:bb:..; None when empty."),
    col("admin_status", doc="ifAdminStatus: up, down, testing."),
    col("oper_status", doc="ifOperStatus: up, down, testing, unknown, dormant, notPresent, "
        "lowerLayerDown."),
    col("promiscuous", "bool", "ifPromiscuousMode."),
    col("connector_present", "bool", "ifConnectorPresent."),
    col("last_change_ticks", "int", "ifLastChange (sysUpTime at the last state change).",
        volatile=True),
    col("in_octets", "int", "Octets received (64-bit counter when available).", volatile=True),
    col("out_octets", "int", "Octets sent (64-bit counter when available).", volatile=True),
    col("in_errors", "int", "ifInErrors.", volatile=True),
    col("out_errors", "int", "ifOutErrors.", volatile=True),
    col("in_discards", "int", "ifInDiscards.", volatile=True),
    col("out_discards", "int", "ifOutDiscards.", volatile=True),
], platforms=P, collector=C)

IP_ADDRESSES = table("snmp_ip_addresses", "IP-MIB ipAddressTable (v4+v6), else ipAddrTable.",
                     ["address", "if_index"], [
    col("address", doc="IP address (IPv6 zone as %N)."),
    col("if_index", "int", "Interface (ifIndex)."),
    col("family", doc="ipv4 or ipv6."),
    col("prefix_length", "int", "Prefix length (from ipAddressPrefix or the netmask)."),
    col("type", doc="unicast, anycast, broadcast (ipAddressType); None from ipAddrTable."),
    col("origin", doc="ipAddressOrigin: manual, dhcp, linklayer, random, other."),
    col("source", doc="MIB table the row came from: ipAddressTable or ipAddrTable."),
], platforms=P, collector=C)

ROUTES = table("snmp_routes", "IP-FORWARD-MIB inetCidrRouteTable, else ipCidrRouteTable, else "
               "RFC1213 ipRouteTable.", ["destination", "prefix_length", "next_hop", "if_index"], [
    col("destination", doc="Destination network address."),
    col("prefix_length", "int", "Prefix length of the destination."),
    col("next_hop", doc="Next hop address; 0.0.0.0 / :: for directly connected."),
    col("if_index", "int", "Outgoing interface (ifIndex); 0 when none or unknown."),
    col("type", doc="other, reject, local, remote, blackhole (or invalid/direct/indirect)."),
    col("protocol", doc="How it was learned: local, netmgmt (static), icmp, rip, ospf, bgp, ..."),
    col("metric", "int", "Primary metric (-1 when unused)."),
    col("source", doc="MIB table the row came from."),
    col("age_seconds", "int", "Seconds since the route was last updated.", volatile=True),
], platforms=P, collector=C)

ARP = table("snmp_arp", "IP-MIB ipNetToPhysicalTable (v4+v6), else ipNetToMediaTable: ARP "
            "and neighbour caches.", ["if_index", "address"], [
    col("if_index", "int", "Interface (ifIndex)."),
    col("address", doc="IP address."),
    col("mac", doc="Link-layer address aa:bb:..."),
    col("type", doc="other, invalid, dynamic, static, local."),
    col("source", doc="MIB table the row came from."),
], platforms=P, collector=C, volatile_rows=True)

LLDP_NEIGHBORS = table("snmp_lldp_neighbors", "LLDP-MIB lldpRemTable: neighbours seen on each "
                       "local port.", ["local_port", "chassis_id", "port_id"], [
    col("local_port", "int", "lldpLocPortNum of the local port."),
    col("local_port_id", doc="Local port id (lldpLocPortId), e.g. the interface name."),
    col("local_port_descr", doc="Local port description (lldpLocPortDesc)."),
    col("chassis_id", doc="Neighbour chassis id (MAC aa:bb:.., address, or text)."),
    col("chassis_id_subtype", doc="chassisComponent, interfaceAlias, portComponent, "
        "macAddress, networkAddress, interfaceName, local."),
    col("port_id", doc="Neighbour port id (name, MAC or text)."),
    col("port_id_subtype", doc="interfaceAlias, portComponent, macAddress, networkAddress, "
        "interfaceName, agentCircuitId, local."),
    col("port_descr", doc="Neighbour port description."),
    col("sys_name", doc="Neighbour system name."),
    col("sys_descr", doc="Neighbour system description."),
    col("capabilities", "list", "Enabled system capabilities (bridge, router, ...)."),
    col("rem_index", "int", "lldpRemIndex (agent's counter; changes on relearn).",
        volatile=True),
], platforms=P, collector=C)

ENTITIES = table("snmp_entities", "ENTITY-MIB entPhysicalTable: chassis, modules, power "
                 "supplies, fans, ports, with serials and firmware.", ["index"], [
    col("index", "int", "entPhysicalIndex."),
    col("descr", doc="entPhysicalDescr."),
    col("class", doc="other, unknown, chassis, backplane, container, powerSupply, fan, "
        "sensor, module, port, stack, cpu, energyObject, battery, storageDrive."),
    col("name", doc="entPhysicalName."),
    col("contained_in", "int", "Index of the containing entity (0 = top)."),
    col("parent_rel_pos", "int", "Position within the container."),
    col("vendor_type", doc="entPhysicalVendorType OID."),
    col("hardware_rev", doc="Hardware revision."),
    col("firmware_rev", doc="Firmware revision."),
    col("software_rev", doc="Software revision."),
    col("serial", doc="Serial number."),
    col("manufacturer", doc="entPhysicalMfgName."),
    col("model", doc="entPhysicalModelName."),
    col("alias", doc="entPhysicalAlias."),
    col("asset_id", doc="entPhysicalAssetID."),
    col("is_fru", "bool", "Field-replaceable unit."),
], platforms=P, collector=C)

STORAGE = table("snmp_storage", "HOST-RESOURCES-MIB hrStorageTable: memory and file systems.",
                ["index"], [
    col("index", "int", "hrStorageIndex."),
    col("descr", doc="hrStorageDescr (mount point or memory kind)."),
    col("type", doc="ram, virtualMemory, fixedDisk, removableDisk, networkDisk, flashMemory, "
        "ramDisk, other, ... (hrStorageType)."),
    col("allocation_units", "int", "Bytes per allocation unit."),
    col("size_bytes", "int", "Size in bytes (units x hrStorageSize); None for rows of type "
        "other (see other_size_bytes)."),
    col("other_size_bytes", "int", "Size of a row of type other. Net-SNMP's memory rows of "
        "that type (Cached, Shared, Available memory) report the current amount as size, "
        "which moves by itself: volatile, unlike the capacity of disks and RAM.",
        volatile=True),
    col("used_bytes", "int", "Used bytes.", volatile=True),
    col("allocation_failures", "int", "hrStorageAllocationFailures.", volatile=True),
], platforms=P, collector=C)

SOFTWARE = table("snmp_software", "HOST-RESOURCES-MIB hrSWInstalledTable: installed software.",
                 ["name"], [
    col("name", doc="hrSWInstalledName (often name and version)."),
    col("type", doc="unknown, operatingSystem, deviceDriver, application."),
    col("product_id", doc="hrSWInstalledID OID (0.0 when unknown)."),
    col("installed", doc="hrSWInstalledDate (ISO 8601), None when unknown."),
    col("index", "int", "hrSWInstalledIndex (shifts when packages are added).", volatile=True),
], platforms=P, collector=C)

VLANS = table("snmp_vlans", "Q-BRIDGE-MIB dot1qVlanStaticTable: configured VLANs and their "
              "ports.", ["vlan_id"], [
    col("vlan_id", "int", "VLAN id."),
    col("name", doc="dot1qVlanStaticName."),
    col("egress_ports", "list", "Bridge ports (dot1dBasePort) that are members."),
    col("untagged_ports", "list", "Bridge ports that send this VLAN untagged."),
    col("egress_ifnames", "list", "Member ports as interface names, where the bridge port "
        "maps to an ifIndex with a name."),
    col("untagged_ifnames", "list", "Untagged ports as interface names."),
    col("row_status", doc="active, notInService, notReady."),
], platforms=P, collector=C)

BRIDGE_PORTS = table("snmp_bridge_ports", "BRIDGE-MIB dot1dBasePortTable + Q-BRIDGE port VLAN "
                     "ids: bridge ports, their interfaces and native VLAN.", ["port"], [
    col("port", "int", "dot1dBasePort."),
    col("if_index", "int", "ifIndex of the port."),
    col("pvid", "int", "dot1qPvid: VLAN of untagged frames received on the port."),
], platforms=P, collector=C)

PROCESSES = table("snmp_processes", "HOST-RESOURCES-MIB hrSWRunTable: running software. "
                  "Processes come and go by themselves (volatile rows). hrSWRunParameters "
                  "(command lines) is never read: it carries passwords.",
                  ["index", "name", "path"], [
    col("index", "int", "hrSWRunIndex (the process id on most agents)."),
    col("name", doc="hrSWRunName ('' when the agent gives none)."),
    col("path", doc="hrSWRunPath: the program's path ('' for kernel threads and when unknown)."),
    col("type", doc="unknown, operatingSystem, deviceDriver, application (hrSWRunType)."),
    col("status", doc="running, runnable, notRunnable, invalid (hrSWRunStatus).",
        volatile=True),
], platforms=P, collector=C, volatile_rows=True)

FDB = table("snmp_fdb", "Q-BRIDGE-MIB dot1qTpFdbTable, else BRIDGE-MIB dot1dTpFdbTable: MAC "
            "addresses the bridge learned, and the port behind which each one sits. Entries "
            "age out and are relearned by themselves (volatile rows); a MAC seen behind "
            "another port is a change.", ["fdb_id", "mac"], [
    col("fdb_id", "int", "dot1qFdbId: filtering database (the VLAN id on most switches); 0 for "
        "dot1dTpFdbTable rows."),
    col("mac", doc="Learned MAC address aa:bb:.."),
    col("port", "int", "Bridge port (dot1dBasePort); 0 when unknown."),
    col("if_index", "int", "ifIndex of that port (dot1dBasePortTable), if known."),
    col("if_name", doc="Name of that interface, if known."),
    col("status", doc="other, invalid, learned, self, mgmt."),
    col("source", doc="MIB table the row came from: dot1qTpFdbTable or dot1dTpFdbTable."),
], platforms=P, collector=C, volatile_rows=True)

TABLES: tuple[Table, ...] = (SYSTEM, INTERFACES, IP_ADDRESSES, ROUTES, ARP, LLDP_NEIGHBORS,
                             ENTITIES, STORAGE, SOFTWARE, PROCESSES, VLANS, BRIDGE_PORTS, FDB)
