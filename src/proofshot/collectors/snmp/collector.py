"""SNMPCollector: declared read-only walks of standard MIB subtrees, bound to declared tables.

Every query is one GETBULK walk (`snmpbulkwalk`, GETNEXT `snmpwalk` for v1) of one subtree,
declared here as ("snmpbulkwalk", OID); the SNMP transport adds session and output options.
Tables with alternative sources (routes, addresses, ARP) declare every source as optional
and use the best one that answered. A table whose subtrees the device does not implement
(empty walk, "No Such Object") is NotCollected("unsupported"): coverage, never a removal.
A source that failed (timeout, error) makes the table fail with that reason instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from proofshot.collectors.base import Answers, NotCollected, Plan, Step, TableSpec
from proofshot.collectors.snmp import oids as O
from proofshot.collectors.snmp import rows as R
from proofshot.collectors.snmp import tables as T
from proofshot.collectors.snmp.parsers import Walk, parse_walk
from proofshot.model.table import Row, Table
from proofshot.model.transcript import Query, judge

# Net-SNMP's words for an answer that is not a full walk, whatever its exit code: an error
# status in a response (genError, tooBig, ...), a request that got no response
WALK_FAILURES = ("error in packet", "timeout: no response", "reason: (")


def walk(qid: str, oid: str, doc: str) -> Query:
    return Query(qid, ("snmpbulkwalk", "." + oid), doc=doc, fail_patterns=WALK_FAILURES)


QUERIES: tuple[Query, ...] = (
    walk("system", O.SYSTEM, "SNMPv2-MIB system group"),
    walk("if_table", O.IF_TABLE, "IF-MIB ifTable"),
    walk("ifx_table", O.IFX_TABLE, "IF-MIB ifXTable"),
    walk("ip_addr_table", O.IP_ADDR_TABLE, "IP-MIB ipAddrTable"),
    walk("ip_address_table", O.IP_ADDRESS_TABLE, "IP-MIB ipAddressTable"),
    walk("inet_cidr_route", O.INET_CIDR_ROUTE_TABLE, "IP-FORWARD-MIB inetCidrRouteTable"),
    walk("ip_cidr_route", O.IP_CIDR_ROUTE_TABLE, "IP-FORWARD-MIB ipCidrRouteTable"),
    walk("ip_route", O.IP_ROUTE_TABLE, "RFC1213-MIB ipRouteTable"),
    walk("ip_net_to_media", O.IP_NET_TO_MEDIA_TABLE, "IP-MIB ipNetToMediaTable"),
    walk("ip_net_to_physical", O.IP_NET_TO_PHYSICAL_TABLE, "IP-MIB ipNetToPhysicalTable"),
    walk("lldp_rem", O.LLDP_REM_TABLE, "LLDP-MIB lldpRemTable"),
    walk("lldp_loc_port", O.LLDP_LOC_PORT_TABLE, "LLDP-MIB lldpLocPortTable"),
    walk("ent_physical", O.ENT_PHYSICAL_TABLE, "ENTITY-MIB entPhysicalTable"),
    walk("hr_storage", O.HR_STORAGE_TABLE, "HOST-RESOURCES-MIB hrStorageTable"),
    walk("hr_sw_installed", O.HR_SW_INSTALLED_TABLE, "HOST-RESOURCES-MIB hrSWInstalledTable"),
    walk("hr_sw_run_name", O.HR_SW_RUN_NAME, "HOST-RESOURCES-MIB hrSWRunName"),
    walk("hr_sw_run_path", O.HR_SW_RUN_PATH, "HOST-RESOURCES-MIB hrSWRunPath"),
    walk("hr_sw_run_type", O.HR_SW_RUN_TYPE, "HOST-RESOURCES-MIB hrSWRunType"),
    walk("hr_sw_run_status", O.HR_SW_RUN_STATUS, "HOST-RESOURCES-MIB hrSWRunStatus"),
    walk("dot1d_base_port", O.DOT1D_BASE_PORT_TABLE, "BRIDGE-MIB dot1dBasePortTable"),
    walk("dot1q_vlan_static", O.DOT1Q_VLAN_STATIC_TABLE, "Q-BRIDGE-MIB dot1qVlanStaticTable"),
    walk("dot1q_port_vlan", O.DOT1Q_PORT_VLAN_TABLE, "Q-BRIDGE-MIB dot1qPortVlanTable"),
    walk("dot1d_tp_fdb", O.DOT1D_TP_FDB_TABLE, "BRIDGE-MIB dot1dTpFdbTable"),
    walk("dot1q_tp_fdb", O.DOT1Q_TP_FDB_TABLE, "Q-BRIDGE-MIB dot1qTpFdbTable"),
)
_DECLARED = {q.id: q for q in QUERIES}
_ROOT = {q.id: q.argv[1].lstrip(".") for q in QUERIES}


class _Reader:
    """Parsed walks of the answers that are usable; remembers why the others are not."""

    def __init__(self, answers: Answers) -> None:
        self.answers = answers
        self.failures: list[tuple[str, str]] = []  # (query, status: reason)
        self._cache: dict[str, Walk | None] = {}

    def walk(self, qid: str) -> Walk | None:
        if qid in self._cache:
            return self._cache[qid]
        ans = self.answers.get(qid)
        result: Walk | None = None
        if ans is None:
            self.failures.append((qid, "failed: not run"))
        else:
            status, why = judge(_DECLARED[qid], ans)
            if status == "ok":
                result = parse_walk(ans.text)
            else:
                self.failures.append((qid, f"{status}: {why}"))
        self._cache[qid] = result
        return result

    def data(self, qid: str) -> Walk | None:
        """The walk if it answered and has at least one value under its subtree."""
        w = self.walk(qid)
        return w if w is not None and w.under(_ROOT[qid]) else None

    def absent(self, what: str, qids: Sequence[str]) -> NotCollected:
        """Why there are no rows: a failed source wins over 'not implemented'."""
        failed = [f for f in self.failures if f[0] in qids]
        if failed:
            qid, why = failed[0][0], failed[0][1]
            status = why.split(":", 1)[0]
            return NotCollected(f"{qid}: {why}", status if status != "ok" else "failed")
        oids = ", ".join(_ROOT[q] for q in qids)
        return NotCollected(f"device does not implement {what} ({oids})", "unsupported")


Build = Callable[[_Reader], list[Row]]


def _single(qid: str, what: str, fn: Callable[[Walk], list[Row]]) -> Build:
    def build(r: _Reader) -> list[Row]:
        w = r.data(qid)
        if w is None:
            raise r.absent(what, [qid])
        return fn(w)
    return build


def _system(r: _Reader) -> list[Row]:
    w = r.data("system")
    rows = R.system(w) if w is not None else []
    if not rows:
        raise r.absent("the SNMPv2-MIB system group", ["system"])
    return rows


def _interfaces(r: _Reader) -> list[Row]:
    base, ext = r.data("if_table"), r.data("ifx_table")
    if base is None and ext is None:
        raise r.absent("IF-MIB ifTable/ifXTable", ["if_table", "ifx_table"])
    if base is None and r.walk("if_table") is None:
        raise r.absent("IF-MIB ifTable", ["if_table"])  # ifTable failed: do not guess
    return R.interfaces(base, ext)


def _ip_addresses(r: _Reader) -> list[Row]:
    q = ["ip_address_table", "ip_addr_table"]
    new, old = r.data(q[0]), r.data(q[1])
    if new is None and old is None:
        raise r.absent("IP-MIB ipAddressTable/ipAddrTable", q)
    return R.ip_addresses(old, new)


def _routes(r: _Reader) -> list[Row]:
    q = ["inet_cidr_route", "ip_cidr_route", "ip_route"]
    walks = [r.data(x) for x in q]
    if all(w is None for w in walks):
        raise r.absent("IP-FORWARD-MIB / RFC1213 route tables", q)
    rows, _ = R.routes(*walks)
    return rows


def _arp(r: _Reader) -> list[Row]:
    q = ["ip_net_to_physical", "ip_net_to_media"]
    phys, media = r.data(q[0]), r.data(q[1])
    if phys is None and media is None:
        raise r.absent("IP-MIB ipNetToPhysicalTable/ipNetToMediaTable", q)
    return R.arp(media, phys)


def _lldp(r: _Reader) -> list[Row]:
    rem = r.data("lldp_rem")
    if rem is None:
        loc = r.data("lldp_loc_port")
        if loc is not None and r.walk("lldp_rem") is not None:
            return []  # LLDP runs (local ports known) but no neighbour is seen: a real empty
        raise r.absent("LLDP-MIB lldpRemTable", ["lldp_rem"])
    return R.lldp_neighbors(rem, r.data("lldp_loc_port"))


def _if_names(r: _Reader) -> dict[int, str]:
    """ifIndex -> interface name, for tables that name bridge ports (empty without IF-MIB)."""
    base, ext = r.data("if_table"), r.data("ifx_table")
    return R.if_names(R.interfaces(base, ext)) if base or ext else {}


def _vlans(r: _Reader) -> list[Row]:
    static = r.data("dot1q_vlan_static")
    if static is None:
        raise r.absent("Q-BRIDGE-MIB dot1qVlanStaticTable", ["dot1q_vlan_static"])
    return R.vlans(static, r.data("dot1d_base_port"), _if_names(r))


def _bridge_ports(r: _Reader) -> list[Row]:
    base = r.data("dot1d_base_port")
    if base is None:
        raise r.absent("BRIDGE-MIB dot1dBasePortTable", ["dot1d_base_port"])
    return R.bridge_ports(base, r.data("dot1q_port_vlan"))


_SW_RUN = ["hr_sw_run_name", "hr_sw_run_path", "hr_sw_run_type", "hr_sw_run_status"]


def _processes(r: _Reader) -> list[Row]:
    if r.data("hr_sw_run_name") is None:
        raise r.absent("HOST-RESOURCES-MIB hrSWRunTable", _SW_RUN)
    return R.processes(*(r.data(q) for q in _SW_RUN))


def _fdb(r: _Reader) -> list[Row]:
    q = ["dot1q_tp_fdb", "dot1d_tp_fdb"]
    dot1q, dot1d = r.data(q[0]), r.data(q[1])
    if dot1q is None and dot1d is None:
        raise r.absent("Q-BRIDGE-MIB dot1qTpFdbTable/BRIDGE-MIB dot1dTpFdbTable", q)
    return R.fdb(dot1q, dot1d, r.data("dot1d_base_port"), _if_names(r))


class SNMPCollector:
    """Network devices over SNMP v1/v2c/v3 (through transports/snmp.py)."""

    name = "snmp"
    version = "1"

    def tables(self) -> Sequence[Table]:
        return T.TABLES

    def plan(self, options: Mapping[str, Any]) -> Plan:
        shared: list[tuple[Answers, _Reader]] = []

        def reader(answers: Answers) -> _Reader:
            """One reader per answers mapping: a walk several tables use (ifTable, ...) is
            parsed once, not once per table."""
            if not shared or shared[0][0] is not answers:
                shared[:] = [(answers, _Reader(answers))]
            return shared[0][1]

        def spec(table: Table, qids: Sequence[str], build: Build, note: str = "") -> TableSpec:
            def builder(answers: Answers) -> list[Row]:
                return build(reader(answers))
            # every source is optional for the runner: the builder decides between
            # "unsupported" (device lacks the MIB) and a failure, with the reason
            return TableSpec(table, tuple(qids), builder, tuple(qids), note)

        specs = [
            spec(T.SYSTEM, ["system"], _system),
            spec(T.INTERFACES, ["if_table", "ifx_table"], _interfaces,
                 "ifXTable is optional (name, alias, 64-bit counters, high speed)."),
            spec(T.IP_ADDRESSES, ["ip_address_table", "ip_addr_table"], _ip_addresses),
            spec(T.ROUTES, ["inet_cidr_route", "ip_cidr_route", "ip_route"], _routes,
                 "Rows from the newest of the three tables that the device fills."),
            spec(T.ARP, ["ip_net_to_physical", "ip_net_to_media"], _arp),
            spec(T.LLDP_NEIGHBORS, ["lldp_rem", "lldp_loc_port"], _lldp),
            spec(T.ENTITIES, ["ent_physical"],
                 _single("ent_physical", "ENTITY-MIB entPhysicalTable", R.entities)),
            spec(T.STORAGE, ["hr_storage"],
                 _single("hr_storage", "HOST-RESOURCES-MIB hrStorageTable", R.storage)),
            spec(T.SOFTWARE, ["hr_sw_installed"],
                 _single("hr_sw_installed", "HOST-RESOURCES-MIB hrSWInstalledTable",
                         R.software)),
            spec(T.PROCESSES, _SW_RUN, _processes,
                 "Read column by column: hrSWRunParameters (command lines) is never read."),
            spec(T.VLANS, ["dot1q_vlan_static", "dot1d_base_port", "if_table", "ifx_table"],
                 _vlans),
            spec(T.BRIDGE_PORTS, ["dot1d_base_port", "dot1q_port_vlan"], _bridge_ports),
            spec(T.FDB, ["dot1q_tp_fdb", "dot1d_tp_fdb", "dot1d_base_port", "if_table",
                         "ifx_table"], _fdb, "Rows from dot1qTpFdbTable when it has any."),
        ]
        return Plan(steps=[Step(q) for q in QUERIES], specs=specs)


COLLECTOR = SNMPCollector()
