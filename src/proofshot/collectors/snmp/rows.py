"""Pure row builders: parsed walks (see parsers.py) in, rows of the declared tables out.

Each builder takes the Walk of every query it reads (None when that query gave no usable
answer) and returns rows; it returns [] only when the device answered with an empty table.
The collector turns "no data under any source OID" into NotCollected("unsupported").
"""

from __future__ import annotations

from collections.abc import Mapping

from proofshot.collectors.snmp import oids as O
from proofshot.collectors.snmp.enterprises import enterprise_of, vendor_of
from proofshot.collectors.snmp.parsers import (
    Walk,
    date_and_time,
    decode_text,
    enum,
    integer,
    ip,
    ip_from_bytes,
    mac,
    nonempty,
    octets,
    oid,
    scalars,
    split_index,
    table,
    take_octets,
    text,
)
from proofshot.model.table import Row

IF_TYPES = {
    1: "other", 6: "ethernetCsmacd", 23: "ppp", 24: "softwareLoopback", 53: "propVirtual",
    62: "fastEther", 69: "fastEtherFX", 71: "ieee80211", 117: "gigabitEthernet",
    131: "tunnel", 135: "l2vlan", 136: "l3ipvlan", 142: "ipForward", 150: "mplsTunnel",
    161: "ieee8023adLag", 166: "mpls", 209: "bridge", 244: "wwanPP2", 37: "atm", 32: "frameRelay",
    22: "propPointToPointSerial", 18: "ds1", 30: "ds3", 94: "adsl", 97: "vdsl", 56: "fibreChannel",
}
ADMIN = {1: "up", 2: "down", 3: "testing"}
OPER = {1: "up", 2: "down", 3: "testing", 4: "unknown", 5: "dormant", 6: "notPresent",
        7: "lowerLayerDown"}
TRUTH = {1: True, 2: False}
ADDR_TYPE = {1: "unicast", 2: "anycast", 3: "broadcast"}
ADDR_ORIGIN = {1: "other", 2: "manual", 4: "dhcp", 5: "linklayer", 6: "random"}
ROUTE_TYPE = {1: "other", 2: "reject", 3: "local", 4: "remote", 5: "blackhole"}
ROUTE_TYPE_RFC1213 = {1: "other", 2: "invalid", 3: "direct", 4: "indirect"}
ROUTE_PROTO = {
    1: "other", 2: "local", 3: "netmgmt", 4: "icmp", 5: "egp", 6: "ggp", 7: "hello", 8: "rip",
    9: "isIs", 10: "esIs", 11: "ciscoIgrp", 12: "bbnSpfIgp", 13: "ospf", 14: "bgp", 15: "idpr",
    16: "ciscoEigrp", 17: "dvmrp", 18: "rpl", 19: "dhcp", 20: "ttdp",
}
NEIGH_TYPE = {1: "other", 2: "invalid", 3: "dynamic", 4: "static", 5: "local"}
CHASSIS_SUBTYPE = {1: "chassisComponent", 2: "interfaceAlias", 3: "portComponent",
                   4: "macAddress", 5: "networkAddress", 6: "interfaceName", 7: "local"}
PORT_SUBTYPE = {1: "interfaceAlias", 2: "portComponent", 3: "macAddress", 4: "networkAddress",
                5: "interfaceName", 6: "agentCircuitId", 7: "local"}
LLDP_CAPS = ("other", "repeater", "bridge", "wlanAccessPoint", "router", "telephone",
             "docsisCableDevice", "stationOnly", "cVLANComponent", "sVLANComponent",
             "twoPortMACRelay")
ENT_CLASS = {1: "other", 2: "unknown", 3: "chassis", 4: "backplane", 5: "container",
             6: "powerSupply", 7: "fan", 8: "sensor", 9: "module", 10: "port", 11: "stack",
             12: "cpu", 13: "energyObject", 14: "battery", 15: "storageDrive"}
HR_STORAGE_TYPE = {1: "other", 2: "ram", 3: "virtualMemory", 4: "fixedDisk",
                   5: "removableDisk", 6: "floppyDisk", 7: "compactDisc", 8: "ramDisk",
                   9: "flashMemory", 10: "networkDisk"}
SW_TYPE = {1: "unknown", 2: "operatingSystem", 3: "deviceDriver", 4: "application"}
SW_RUN_STATUS = {1: "running", 2: "runnable", 3: "notRunnable", 4: "invalid"}
FDB_STATUS = {1: "other", 2: "invalid", 3: "learned", 4: "self", 5: "mgmt"}
ROW_STATUS = {1: "active", 2: "notInService", 3: "notReady", 4: "createAndGo",
              5: "createAndWait", 6: "destroy"}

U32_MAX = 4294967295


def system(w: Walk) -> list[Row]:
    s = scalars(w.varbinds, O.SYSTEM)
    if not s:
        return []
    object_id = oid(s.get(2))
    ent = enterprise_of(object_id)
    return [{
        "id": "system",
        "descr": text(s.get(1)),
        "object_id": object_id,
        "enterprise": ent,
        "vendor": vendor_of(ent),
        "name": text(s.get(5)),
        "location": text(s.get(6)),
        "contact": text(s.get(4)),
        "services": integer(s.get(7)),
        "uptime_ticks": integer(s.get(3)),
    }]


def interfaces(if_table: Walk | None, ifx_table: Walk | None) -> list[Row]:
    base = table(if_table.varbinds, O.IF_ENTRY) if if_table else {}
    ext = table(ifx_table.varbinds, O.IFX_ENTRY) if ifx_table else {}
    rows: list[Row] = []
    for index in sorted(set(base) | set(ext), key=_num):
        if not index.isdigit():
            continue
        b, x = base.get(index, {}), ext.get(index, {})
        speed, high = integer(b.get(5)), integer(x.get(15))
        if high is not None and (speed is None or speed >= U32_MAX):
            speed = high * 1_000_000
        descr = text(b.get(2))
        rows.append({
            "if_index": int(index),
            "name": nonempty(text(x.get(1))) or descr,
            "descr": descr,
            "alias": text(x.get(18)),
            "type": enum(integer(b.get(3)), IF_TYPES),
            "mtu": integer(b.get(4)),
            "speed_bps": speed,
            "high_speed_mbps": high,
            "mac": mac(b.get(6)),
            "admin_status": enum(integer(b.get(7)), ADMIN),
            "oper_status": enum(integer(b.get(8)), OPER),
            "promiscuous": _truth(integer(x.get(16))),
            "connector_present": _truth(integer(x.get(17))),
            "last_change_ticks": integer(b.get(9)),
            "in_octets": _first(integer(x.get(6)), integer(b.get(10))),
            "out_octets": _first(integer(x.get(10)), integer(b.get(16))),
            "in_errors": integer(b.get(14)),
            "out_errors": integer(b.get(20)),
            "in_discards": integer(b.get(13)),
            "out_discards": integer(b.get(19)),
        })
    return rows


def ip_addresses(ip_addr: Walk | None, ip_address: Walk | None) -> list[Row]:
    rows: dict[tuple[str, int], Row] = {}
    if ip_address:
        for index, c in table(ip_address.varbinds, O.IP_ADDRESS_ENTRY).items():
            addr = _inet_index(split_index(index), 0)
            ifindex = integer(c.get(3))
            if addr is None or ifindex is None:
                continue
            prefix = oid(c.get(5))
            plen = int(prefix.rsplit(".", 1)[1]) if prefix and prefix not in ("0.0",) and \
                prefix.count(".") > 8 else None
            rows[(addr[0], ifindex)] = {
                "address": addr[0], "if_index": ifindex,
                "family": "ipv6" if ":" in addr[0] else "ipv4",
                "prefix_length": plen,
                "type": enum(integer(c.get(4)), ADDR_TYPE),
                "origin": enum(integer(c.get(6)), ADDR_ORIGIN),
                "source": "ipAddressTable",
            }
    if ip_addr:
        for index, c in table(ip_addr.varbinds, O.IP_ADDR_ENTRY).items():
            address = ip(c.get(1)) or _dotted(index)
            ifindex = integer(c.get(2))
            if address is None or ifindex is None:
                continue
            if (address, ifindex) in rows:
                continue
            rows[(address, ifindex)] = {
                "address": address, "if_index": ifindex, "family": "ipv4",
                "prefix_length": _mask_len(ip(c.get(3))), "type": None, "origin": None,
                "source": "ipAddrTable",
            }
    return list(rows.values())


def routes(inet_cidr: Walk | None, ip_cidr: Walk | None, ip_route: Walk | None
           ) -> tuple[list[Row], str | None]:
    """Rows from the newest table that has any; returns (rows, source table or None)."""
    if inet_cidr and inet_cidr.under(O.INET_CIDR_ROUTE_ENTRY):
        rows = []
        for index, c in table(inet_cidr.varbinds, O.INET_CIDR_ROUTE_ENTRY).items():
            arcs = split_index(index)
            dest = _inet_index(arcs, 0)
            if dest is None or dest[1] >= len(arcs):
                continue
            pos = dest[1]
            plen = arcs[pos]
            pos += 1
            if pos >= len(arcs):
                continue
            pos += 1 + arcs[pos]  # policy OID: length + arcs
            nh = _inet_index(arcs, pos)
            if nh is None:
                continue
            rows.append({
                "destination": dest[0], "prefix_length": plen, "next_hop": nh[0],
                "if_index": (integer(c.get(7)) or 0), "type": enum(integer(c.get(8)), ROUTE_TYPE),
                "protocol": enum(integer(c.get(9)), ROUTE_PROTO), "metric": integer(c.get(12)),
                "source": "inetCidrRouteTable", "age_seconds": integer(c.get(10)),
            })
        return rows, "inetCidrRouteTable"
    if ip_cidr and ip_cidr.under(O.IP_CIDR_ROUTE_ENTRY):
        rows = []
        for index, c in table(ip_cidr.varbinds, O.IP_CIDR_ROUTE_ENTRY).items():
            arcs = split_index(index)
            if len(arcs) != 13:
                continue
            rows.append({
                "destination": _dotted_arcs(arcs[0:4]),
                "prefix_length": _mask_len(_dotted_arcs(arcs[4:8])),
                "next_hop": _dotted_arcs(arcs[9:13]),
                "if_index": (integer(c.get(5)) or 0), "type": enum(integer(c.get(6)), ROUTE_TYPE),
                "protocol": enum(integer(c.get(7)), ROUTE_PROTO), "metric": integer(c.get(11)),
                "source": "ipCidrRouteTable", "age_seconds": integer(c.get(8)),
            })
        return rows, "ipCidrRouteTable"
    if ip_route and ip_route.under(O.IP_ROUTE_ENTRY):
        rows = []
        for index, c in table(ip_route.varbinds, O.IP_ROUTE_ENTRY).items():
            dest4 = ip(c.get(1)) or _dotted(index)
            if dest4 is None:
                continue
            rows.append({
                "destination": dest4, "prefix_length": _mask_len(ip(c.get(11))),
                "next_hop": ip(c.get(7)) or "0.0.0.0",
                "if_index": integer(c.get(2)) or 0,
                "type": enum(integer(c.get(8)), ROUTE_TYPE_RFC1213),
                "protocol": enum(integer(c.get(9)), ROUTE_PROTO), "metric": integer(c.get(3)),
                "source": "ipRouteTable", "age_seconds": integer(c.get(10)),
            })
        return rows, "ipRouteTable"
    return [], None


def arp(net_to_media: Walk | None, net_to_physical: Walk | None) -> list[Row]:
    rows: dict[tuple[int, str], Row] = {}
    if net_to_physical:
        for index, c in table(net_to_physical.varbinds, O.IP_NET_TO_PHYSICAL_ENTRY).items():
            arcs = split_index(index)
            if len(arcs) < 3:
                continue
            addr = _inet_index(arcs, 1)
            if addr is None:
                continue
            rows[(arcs[0], addr[0])] = {
                "if_index": arcs[0], "address": addr[0], "mac": mac(c.get(4)),
                "type": enum(integer(c.get(6)), NEIGH_TYPE), "source": "ipNetToPhysicalTable",
            }
    if net_to_media:
        for index, c in table(net_to_media.varbinds, O.IP_NET_TO_MEDIA_ENTRY).items():
            arcs = split_index(index)
            if len(arcs) != 5:
                continue
            v4 = _dotted_arcs(arcs[1:5])
            if v4 is None or (arcs[0], v4) in rows:
                continue
            rows[(arcs[0], v4)] = {
                "if_index": arcs[0], "address": v4, "mac": mac(c.get(2)),
                "type": enum(integer(c.get(4)), NEIGH_TYPE), "source": "ipNetToMediaTable",
            }
    return list(rows.values())


def lldp_neighbors(rem: Walk, loc_port: Walk | None) -> list[Row]:
    loc = table(loc_port.varbinds, O.LLDP_LOC_PORT_ENTRY) if loc_port else {}
    rows: list[Row] = []
    for index, c in table(rem.varbinds, O.LLDP_REM_ENTRY).items():
        arcs = split_index(index)
        if len(arcs) != 3:
            continue
        port = arcs[1]
        lp = loc.get(str(port), {})
        chassis_sub, port_sub = integer(c.get(4)), integer(c.get(6))
        rows.append({
            "local_port": port,
            "local_port_id": _lldp_id(octets(lp.get(3)), integer(lp.get(2)), port=True),
            "local_port_descr": text(lp.get(4)),
            "chassis_id": _lldp_id(octets(c.get(5)), chassis_sub, port=False) or "",
            "chassis_id_subtype": enum(chassis_sub, CHASSIS_SUBTYPE),
            "port_id": _lldp_id(octets(c.get(7)), port_sub, port=True) or "",
            "port_id_subtype": enum(port_sub, PORT_SUBTYPE),
            "port_descr": text(c.get(8)),
            "sys_name": text(c.get(9)),
            "sys_descr": text(c.get(10)),
            "capabilities": _bits(octets(c.get(12)), LLDP_CAPS),
            "rem_index": arcs[2],
        })
    return rows


def entities(w: Walk) -> list[Row]:
    rows: list[Row] = []
    for index, c in table(w.varbinds, O.ENT_PHYSICAL_ENTRY).items():
        if not index.isdigit():
            continue
        rows.append({
            "index": int(index),
            "descr": text(c.get(2)),
            "vendor_type": oid(c.get(3)),
            "contained_in": integer(c.get(4)),
            "class": enum(integer(c.get(5)), ENT_CLASS),
            "parent_rel_pos": integer(c.get(6)),
            "name": text(c.get(7)),
            "hardware_rev": text(c.get(8)),
            "firmware_rev": text(c.get(9)),
            "software_rev": text(c.get(10)),
            "serial": text(c.get(11)),
            "manufacturer": text(c.get(12)),
            "model": text(c.get(13)),
            "alias": text(c.get(14)),
            "asset_id": text(c.get(15)),
            "is_fru": _truth(integer(c.get(16))),
        })
    return rows


def storage(w: Walk) -> list[Row]:
    rows: list[Row] = []
    for index, c in table(w.varbinds, O.HR_STORAGE_ENTRY).items():
        if not index.isdigit():
            continue
        units, size, used = integer(c.get(4)), integer(c.get(5)), integer(c.get(6))
        type_oid = oid(c.get(2)) or ""
        prefix = O.HR_STORAGE_TYPES + "."
        type_name = (enum(int(type_oid[len(prefix):]), HR_STORAGE_TYPE)
                     if type_oid.startswith(prefix) and type_oid[len(prefix):].isdigit()
                     else nonempty(type_oid))
        total = units * size if units is not None and size is not None else None
        rows.append({
            "index": int(index),
            "descr": text(c.get(3)),
            "type": type_name,
            "allocation_units": units,
            "size_bytes": total if type_name != "other" else None,
            "other_size_bytes": total if type_name == "other" else None,
            "used_bytes": units * used if units is not None and used is not None else None,
            "allocation_failures": integer(c.get(7)),
        })
    return rows


def software(w: Walk) -> list[Row]:
    rows: list[Row] = []
    for index, c in table(w.varbinds, O.HR_SW_INSTALLED_ENTRY).items():
        name = text(c.get(2))
        if not name or not index.isdigit():
            continue
        rows.append({
            "name": name,
            "type": enum(integer(c.get(4)), SW_TYPE),
            "product_id": oid(c.get(3)),
            "installed": date_and_time(c.get(5)),
            "index": int(index),
        })
    return rows


def processes(*columns: Walk | None) -> list[Row]:
    """hrSWRunTable from walks of single columns (name, path, type, status; any may be None).
    A process without hrSWRunName came or went between the column walks: left out."""
    varbinds = [vb for w in columns if w is not None for vb in w.varbinds]
    rows: list[Row] = []
    for index, c in table(varbinds, O.HR_SW_RUN_ENTRY).items():
        if not index.isdigit() or 2 not in c:
            continue
        rows.append({
            "index": int(index),
            "name": text(c.get(2)) or "",
            "path": text(c.get(4)) or "",
            "type": enum(integer(c.get(6)), SW_TYPE),
            "status": enum(integer(c.get(7)), SW_RUN_STATUS),
        })
    return rows


def fdb(dot1q: Walk | None, dot1d: Walk | None, base_port: Walk | None,
        if_names: Mapping[int, str]) -> list[Row]:
    """Learned MACs from dot1qTpFdbTable (index fdbId.mac) if it has any, else from
    dot1dTpFdbTable (index mac). Rows whose index is no MAC are skipped."""
    port_if = ({int(k): integer(c.get(2)) for k, c in
                table(base_port.varbinds, O.DOT1D_BASE_PORT_ENTRY).items() if k.isdigit()}
               if base_port else {})
    if dot1q is not None and dot1q.under(O.DOT1Q_TP_FDB_ENTRY):
        entries, source, head = table(dot1q.varbinds, O.DOT1Q_TP_FDB_ENTRY), "dot1qTpFdbTable", 1
    elif dot1d is not None:
        entries, source, head = table(dot1d.varbinds, O.DOT1D_TP_FDB_ENTRY), "dot1dTpFdbTable", 0
    else:
        return []
    rows: list[Row] = []
    for index, c in entries.items():
        arcs = split_index(index)
        if len(arcs) != head + 6 or any(a > 255 for a in arcs[head:]):
            continue
        port = integer(c.get(2))
        ifindex = port_if.get(port) if port is not None else None
        rows.append({
            "fdb_id": arcs[0] if head else 0,
            "mac": ":".join(f"{a:02x}" for a in arcs[head:]),
            "port": port if port is not None else 0,
            "if_index": ifindex,
            "if_name": if_names.get(ifindex) if ifindex is not None else None,
            "status": enum(integer(c.get(3)), FDB_STATUS),
            "source": source,
        })
    return rows


def bridge_ports(base_port: Walk, port_vlan: Walk | None) -> list[Row]:
    pvid = {k: integer(c.get(1)) for k, c in
            (table(port_vlan.varbinds, O.DOT1Q_PORT_VLAN_ENTRY).items() if port_vlan else [])}
    rows: list[Row] = []
    for index, c in table(base_port.varbinds, O.DOT1D_BASE_PORT_ENTRY).items():
        if not index.isdigit():
            continue
        rows.append({"port": int(index), "if_index": integer(c.get(2)), "pvid": pvid.get(index)})
    return rows


def vlans(static: Walk, base_port: Walk | None, if_names: Mapping[int, str]) -> list[Row]:
    port_if = ({int(k): integer(c.get(2)) for k, c in
                table(base_port.varbinds, O.DOT1D_BASE_PORT_ENTRY).items() if k.isdigit()}
               if base_port else {})

    def names(ports: list[int]) -> list[str]:
        out = []
        for p in ports:
            ifindex = port_if.get(p)
            name = if_names.get(ifindex) if ifindex is not None else None
            if name:
                out.append(name)
        return out

    rows: list[Row] = []
    for index, c in table(static.varbinds, O.DOT1Q_VLAN_STATIC_ENTRY).items():
        if not index.isdigit():
            continue
        egress = port_list(octets(c.get(2)))
        untagged = port_list(octets(c.get(4)))
        rows.append({
            "vlan_id": int(index),
            "name": text(c.get(1)),
            "egress_ports": egress,
            "untagged_ports": untagged,
            "egress_ifnames": names(egress),
            "untagged_ifnames": names(untagged),
            "row_status": enum(integer(c.get(5)), ROW_STATUS),
        })
    return rows


def if_names(rows: list[Row]) -> dict[int, str]:
    return {r["if_index"]: r["name"] for r in rows if r.get("name")}


def port_list(b: bytes | None) -> list[int]:
    """Q-BRIDGE PortList: bit 7 of the first octet is port 1."""
    if not b:
        return []
    return [i * 8 + j + 1 for i, byte in enumerate(b) for j in range(8) if byte & (0x80 >> j)]


# --- helpers --------------------------------------------------------------------------------

def _num(index: str) -> tuple[int, ...]:
    return tuple(int(x) for x in index.split(".") if x.isdigit())


def _first(*values: int | None) -> int | None:
    for v in values:
        if v is not None:
            return v
    return None


def _truth(v: int | None) -> bool | None:
    return TRUTH.get(v) if v is not None else None


def _dotted(index: str) -> str | None:
    return _dotted_arcs(split_index(index))


def _dotted_arcs(arcs: list[int]) -> str | None:
    if len(arcs) != 4 or any(a > 255 for a in arcs):
        return None
    return ".".join(str(a) for a in arcs)


def _mask_len(mask: str | None) -> int | None:
    if not mask:
        return None
    try:
        n = int.from_bytes(bytes(int(x) for x in mask.split(".")), "big")
    except ValueError:
        return None
    bits = bin(n)[2:].zfill(32)
    return bits.count("1") if "01" not in bits else None


def _inet_index(arcs: list[int], pos: int) -> tuple[str, int] | None:
    """InetAddressType + length-prefixed InetAddress from index arcs -> (text, next position)."""
    if pos + 1 >= len(arcs):
        return None
    kind = arcs[pos]
    got = take_octets(arcs, pos + 1)
    if got is None:
        return None
    raw, nxt = got
    if kind == 0 and not raw:
        return "", nxt
    address = ip_from_bytes(raw)
    if address is None:
        return None
    return address, nxt


def _lldp_id(b: bytes | None, subtype: int | None, *, port: bool) -> str | None:
    if b is None:
        return None
    mac_sub = 3 if port else 4
    net_sub = 4 if port else 5
    if subtype == mac_sub and len(b) == 6:
        return ":".join(f"{x:02x}" for x in b)
    if subtype == net_sub and len(b) in (5, 17):  # IANA address family octet + address
        address = ip_from_bytes(b[1:])
        if address:
            return address
    return decode_text(b)


def _bits(b: bytes | None, names: tuple[str, ...]) -> list[str]:
    if not b:
        return []
    out = []
    for i, byte in enumerate(b):
        for j in range(8):
            if byte & (0x80 >> j):
                n = i * 8 + j
                out.append(names[n] if n < len(names) else str(n))
    return out
