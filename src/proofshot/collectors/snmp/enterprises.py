"""A small map of IANA private enterprise numbers (1.3.6.1.4.1.N) to vendor names.

Only numbers of vendors whose devices a consultant meets often; the full registry is at
https://www.iana.org/assignments/enterprise-numbers. Unknown numbers give vendor None (the
number itself is always stored).
"""

from __future__ import annotations

ENTERPRISES: dict[int, str] = {
    2: "IBM",
    9: "Cisco",
    11: "HP",
    42: "Sun Microsystems",
    43: "3Com",
    171: "D-Link",
    207: "Allied Telesis",
    232: "Compaq",
    311: "Microsoft",
    318: "APC (Schneider Electric)",
    367: "Ricoh",
    476: "Vertiv (Emerson/Liebert)",
    534: "Eaton (Powerware)",
    641: "Lexmark",
    674: "Dell",
    705: "Eaton (MGE UPS Systems)",
    1347: "Kyocera",
    1588: "Brocade",
    1602: "Canon",
    1916: "Extreme Networks",
    1991: "Brocade (Foundry Networks)",
    2011: "Huawei",
    2021: "Net-SNMP (UCD)",
    2435: "Brother",
    2620: "Check Point",
    2636: "Juniper Networks",
    3224: "Juniper Networks (NetScreen)",
    3375: "F5 Networks",
    3902: "ZTE",
    4413: "Broadcom",
    4526: "Netgear",
    4881: "Ruijie Networks",
    5624: "Enterasys (Extreme Networks)",
    5651: "Maipu",
    6027: "Dell (Force10)",
    6339: "Digital China Networks (DCN)",
    6486: "Alcatel-Lucent Enterprise",
    6527: "Nokia (Alcatel-Lucent IP)",
    6876: "VMware",
    8072: "Net-SNMP",
    8691: "Moxa",
    9148: "Acme Packet",
    11863: "TP-Link",
    12356: "Fortinet",
    14179: "Cisco (Airespace WLC)",
    14823: "Aruba Networks (HPE)",
    14988: "MikroTik",
    17713: "Cambium Networks",
    25053: "Ruckus Wireless",
    25461: "Palo Alto Networks",
    25506: "H3C",
    26866: "Gigamon",
    30065: "Arista Networks",
    41112: "Ubiquiti Networks",
}


def enterprise_of(object_id: str | None) -> int | None:
    """The enterprise number of an OID under 1.3.6.1.4.1, else None."""
    if not object_id:
        return None
    arcs = object_id.lstrip(".").split(".")
    if len(arcs) >= 7 and arcs[:6] == ["1", "3", "6", "1", "4", "1"] and arcs[6].isdigit():
        return int(arcs[6])
    return None


def vendor_of(enterprise: int | None) -> str | None:
    return ENTERPRISES.get(enterprise) if enterprise is not None else None
