"""The communication graph of a snapshot (networkx), derived, never stored.

Nodes (attribute `kind`): host (a target; id = target name), address (an IP of a target),
service (a listening socket of a target; id "TARGET:PROTO/PORT"), external (an address or
neighbour that belongs to no target; `target` None).

Edges (attribute `kind`, each with the evidence rows it came from):
- address   host -> its address (addresses, snmp_ip_addresses, device_addresses)
- exposes   host -> service (listening), with `allowed` by the host's own firewall
- connects  client host/external -> service (connections, from either side), never per
            ephemeral port
- route     host -> gateway address (routes, snmp_routes)
- neighbor  host -> address seen in its ARP/NDP cache (neighbors, snmp_arp)
- lldp      device -> neighbour device (snmp_lldp_neighbors, lldp_neighbors from lldpd)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

import networkx as nx

from proofshot.views import firewall
from proofshot.views.evidence import evidence
from proofshot.views.snapshot import SnapshotData, TargetData

# Tables the graph reads (the loader can skip the others).
TABLES = ("addresses", "listening", "connections", "routes", "neighbors", "firewall_rules",
          "os", "snmp_system", "snmp_ip_addresses", "snmp_routes", "snmp_arp",
          "snmp_lldp_neighbors", "lldp_neighbors", "win_addresses", "win_listeners",
          "win_connections", "win_routes", "win_os", "win_firewall_rules", "win_firewall_profiles",
          "device_addresses")

if TYPE_CHECKING:
    Graph: TypeAlias = nx.MultiDiGraph[str]
else:
    Graph = nx.MultiDiGraph


def _ip(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    try:
        return ipaddress.ip_address(text.split("/", 1)[0].split("%", 1)[0])
    except ValueError:
        return None


def routable(text: str | None) -> bool:
    """An address that names one host: not loopback, link-local, unspecified or multicast."""
    ip = _ip(text)
    return ip is not None and not (ip.is_loopback or ip.is_link_local or ip.is_unspecified
                                   or ip.is_multicast)


def _bare(text: str) -> str:
    ip = _ip(text)
    return str(ip) if ip is not None else text


class _Builder:
    def __init__(self, snap: SnapshotData) -> None:
        self.snap = snap
        self.g: Graph = nx.MultiDiGraph()
        self.owner: dict[str, str] = {}
        self.names: dict[str, str] = {}  # host names / sysNames -> target

    # --- nodes --------------------------------------------------------------------------
    def addr_node(self, addr: str) -> str:
        owner = self.owner.get(addr)
        nid = addr if addr not in self.snap.targets else f"ip:{addr}"
        if nid not in self.g:
            self.g.add_node(nid, kind="address" if owner else "external", target=owner,
                            address=addr)
        return nid

    def service_node(self, target: str, proto: str, port: int) -> str:
        nid = f"{target}:{proto}/{port}"
        if nid not in self.g:
            self.g.add_node(nid, kind="service", target=target, proto=proto, port=port,
                            bind=[], processes=[], allowed=None)
        return nid

    def edge(self, a: str, b: str, kind: str, ev: dict[str, Any], port: int | None = None,
             proto: str | None = None, **attrs: Any) -> dict[str, Any]:
        key = f"{kind}:{proto}:{port}"
        if self.g.has_edge(a, b, key):
            data: dict[str, Any] = self.g.edges[a, b, key]
            if ev not in data["evidence"]:
                data["evidence"].append(ev)
        else:
            self.g.add_edge(a, b, key, kind=kind, port=port, proto=proto, evidence=[ev])
            data = self.g.edges[a, b, key]
        for k, v in attrs.items():
            if isinstance(v, list):
                data.setdefault(k, [])
                data[k] += [x for x in v if x not in data[k]]
            else:
                data[k] = v
        return data

    # --- build --------------------------------------------------------------------------
    def build(self) -> Graph:
        targets = sorted(self.snap.targets.values(), key=lambda t: t.name)
        for t in targets:
            self.g.add_node(t.name, kind="host", target=t.name, type=t.type, status=t.status)
            self.names[t.name.lower()] = t.name
            for r in t.rows("os"):
                if r.get("hostname"):
                    self.names.setdefault(str(r["hostname"]).lower(), t.name)
            for r in t.rows("snmp_system"):
                if r.get("name"):
                    self.names.setdefault(str(r["name"]).lower(), t.name)
            for r in t.rows("win_os"):
                if r.get("hostname"):
                    self.names.setdefault(str(r["hostname"]).lower(), t.name)
            for table, col in (("addresses", "address"), ("snmp_ip_addresses", "address"),
                               ("win_addresses", "address"), ("device_addresses", "address")):
                for r in t.rows(table):
                    a = _bare(str(r.get(col) or ""))
                    if routable(a):
                        self.owner.setdefault(a, t.name)
        for t in targets:
            self.addresses(t)
            self.listening(t)
            self.win_listening(t)
        for t in targets:
            self.connections(t)
            self.win_connections(t)
            self.routes(t)
            self.neighbors(t)
            self.lldp(t)
        return self.g

    def addresses(self, t: TargetData) -> None:
        for table in ("addresses", "snmp_ip_addresses", "win_addresses", "device_addresses"):
            for r in t.rows(table):
                a = _bare(str(r.get("address") or ""))
                if routable(a) and self.owner.get(a) == t.name:
                    self.edge(t.name, self.addr_node(a), "address", evidence(t.name, table, r))

    def listening(self, t: TargetData) -> None:
        fw_rows = firewall.input_chains(t.rows("firewall_rules"))
        has_fw = t.has("firewall_rules")
        for r in t.rows("listening"):
            proto, port, addr = r.get("proto"), r.get("port"), str(r.get("address") or "")
            if not isinstance(proto, str) or not isinstance(port, int):
                continue
            nid = self.service_node(t.name, proto, port)
            node = self.g.nodes[nid]
            bare = addr.split("%", 1)[0]
            if bare not in node["bind"]:
                node["bind"].append(bare)
            node["processes"] = sorted(set(node["processes"]) | set(r.get("processes") or []))
            ip = _ip(bare)
            loopback = ip is not None and ip.is_loopback
            ev = [evidence(t.name, "listening", r)]
            allowed: bool | None = None
            host_fw: bool | None = None  # None: the host's firewall was not read
            if loopback:
                allowed = False
            elif has_fw:
                v = firewall.verdict(fw_rows, proto, port,
                                     "ip6" if ip is not None and ip.version == 6 else "ip")
                allowed, host_fw = v.allowed, v.firewall
                ev += [evidence(t.name, "firewall_rules", fr) for fr in v.rules]
            data = self.edge(t.name, nid, "exposes", ev[0], port, proto)
            if not loopback:
                data["host_firewall"] = host_fw
            for e in ev[1:]:
                if e not in data["evidence"]:
                    data["evidence"].append(e)
            # reachable from the network when any non-loopback bind is allowed
            prev = data.get("allowed")
            data["allowed"] = allowed if prev is None else (prev or bool(allowed))
            if loopback:
                data.setdefault("loopback_only", True)
            else:
                data["loopback_only"] = False
            if bare in ("0.0.0.0", "::", "*"):
                data["all_addresses"] = True
            data.setdefault("all_addresses", False)
            node["allowed"] = data["allowed"]

    def connections(self, t: TargetData) -> None:
        for r in t.rows("connections"):
            local, remote = str(r.get("local_address") or ""), str(r.get("remote_address") or "")
            port = r.get("port")
            if not isinstance(port, int) or not routable(remote):
                continue
            ev = evidence(t.name, "connections", r)
            peer = self.owner.get(remote)
            procs = list(r.get("processes") or [])
            if r.get("direction") == "out":
                server = self.service_node(peer, "tcp", port) if peer else self.addr_node(remote)
                self.edge(t.name, server, "connects", ev, port, "tcp", client_processes=procs)
            else:
                client = peer if peer else self.addr_node(remote)
                self.edge(client, self.service_node(t.name, "tcp", port), "connects", ev, port,
                          "tcp", server_address=local)

    def routes(self, t: TargetData) -> None:
        for r in t.rows("routes"):
            gw = r.get("gateway")
            hops = [str(h).split("@", 1)[0] for h in r.get("nexthops") or []]
            for g in ([gw] if gw else []) + hops:
                if routable(g):
                    self.edge(t.name, self.addr_node(_bare(g)), "route",
                              evidence(t.name, "routes", r), dst=[r.get("dst")])
        for r in t.rows("win_routes"):
            hop = str(r.get("next_hop") or "")
            if routable(hop):
                self.edge(t.name, self.addr_node(_bare(hop)), "route",
                          evidence(t.name, "win_routes", r), dst=[r.get("destination")])
        for r in t.rows("snmp_routes"):
            hop = str(r.get("next_hop") or "")
            if routable(hop):
                dst = f"{r.get('destination')}/{r.get('prefix_length')}"
                self.edge(t.name, self.addr_node(_bare(hop)), "route",
                          evidence(t.name, "snmp_routes", r), dst=[dst])

    def win_listening(self, t: TargetData) -> None:
        """Windows hosts (win_listeners), `allowed` by the Windows Firewall as
        views/winfirewall.py judges it (None when its rules or profiles were not read)."""
        from proofshot.views import winfirewall

        read_fw = t.has("win_firewall_rules") and t.has("win_firewall_profiles")
        for r in t.rows("win_listeners"):
            proto, port, bare = r.get("proto"), r.get("port"), str(r.get("address") or "")
            if not isinstance(proto, str) or not isinstance(port, int):
                continue
            nid = self.service_node(t.name, proto, port)
            node = self.g.nodes[nid]
            if bare not in node["bind"]:
                node["bind"].append(bare)
            if r.get("process"):
                node["processes"] = sorted(set(node["processes"]) | {str(r["process"])})
            ip = _ip(bare)
            loopback = ip is not None and ip.is_loopback
            data = self.edge(t.name, nid, "exposes", evidence(t.name, "win_listeners", r), port,
                             proto)
            if loopback:
                data["allowed"] = False if data.get("allowed") is None else data["allowed"]
                data.setdefault("loopback_only", True)
            else:
                data["loopback_only"] = False
                v = (winfirewall.verdict(t.rows("win_firewall_rules"),
                                         t.rows("win_firewall_profiles"), proto, port)
                     if read_fw else winfirewall.Verdict(None))
                for table, rows in (("win_firewall_rules", v.rows),
                                    ("win_firewall_profiles", v.profiles)):
                    for fr in rows:
                        e = evidence(t.name, table, fr)
                        if e not in data["evidence"]:
                            data["evidence"].append(e)
                prev = data.get("allowed")
                data["allowed"] = v.allowed if prev is None else (prev or bool(v.allowed))
            data["all_addresses"] = data.get("all_addresses", False) or bare in (
                "0.0.0.0", "::", "*")
            node["allowed"] = data.get("allowed")

    def win_connections(self, t: TargetData) -> None:
        """Established TCP connections of Windows hosts: inbound when the local port is one
        the host listens on, else outbound to the remote port."""
        listening = {r.get("port") for r in t.rows("win_listeners") if r.get("proto") == "tcp"}
        for r in t.rows("win_connections"):
            remote = str(r.get("remote_address") or "")
            if not routable(remote):
                continue
            ev = evidence(t.name, "win_connections", r)
            peer = self.owner.get(_bare(remote))
            lport, rport = r.get("local_port"), r.get("remote_port")
            if lport in listening and isinstance(lport, int):
                client = peer if peer else self.addr_node(_bare(remote))
                self.edge(client, self.service_node(t.name, "tcp", lport), "connects", ev,
                          lport, "tcp", server_address=r.get("local_address"))
            elif isinstance(rport, int):
                server = (self.service_node(peer, "tcp", rport) if peer
                          else self.addr_node(_bare(remote)))
                procs = [str(r["process"])] if r.get("process") else []
                self.edge(t.name, server, "connects", ev, rport, "tcp", client_processes=procs)

    def neighbors(self, t: TargetData) -> None:
        for table in ("neighbors", "snmp_arp"):
            for r in t.rows(table):
                a = _bare(str(r.get("address") or ""))
                if not routable(a) or self.owner.get(a) == t.name or r.get("type") == "local":
                    continue
                self.edge(t.name, self.addr_node(a), "neighbor", evidence(t.name, table, r),
                          mac=[r.get("mac")])

    def lldp(self, t: TargetData) -> None:
        for table in ("snmp_lldp_neighbors", "lldp_neighbors"):
            for r in t.rows(table):
                self.lldp_row(t, table, r)

    def lldp_row(self, t: TargetData, table: str, r: Mapping[str, Any]) -> None:
        name = str(r.get("sys_name") or "")
        peer = self.names.get(name.lower()) or self.names.get(name.split(".")[0].lower())
        if peer is None:
            nid = f"lldp:{name or r.get('chassis_id')}"
            if nid not in self.g:
                self.g.add_node(nid, kind="external", target=None, name=name,
                                chassis_id=r.get("chassis_id"))
        else:
            nid = peer
        self.edge(t.name, nid, "lldp", evidence(t.name, table, r),
                  local_port=[r.get("local_port_id")], remote_port=[r.get("port_id")])


def build(snap: SnapshotData) -> Graph:
    """The graph of one snapshot (targets that could not be read are bare host nodes)."""
    return _Builder(snap).build()


# --- output ----------------------------------------------------------------------------------

def to_json(g: Graph) -> dict[str, Any]:
    """The contract: {"nodes": [{"id", "target", ...}], "edges": [{"from", "to", "port",
    "proto", "kind", "evidence", ...}]}, sorted for stable output."""
    nodes = []
    for nid in sorted(g.nodes):
        data = dict(g.nodes[nid])
        nodes.append({"id": nid, "target": data.pop("target", None), **data})
    edges = []
    for a, b, data in g.edges(data=True):
        d = dict(data)
        edges.append({"from": a, "to": b, "port": d.pop("port"), "proto": d.pop("proto"),
                      "kind": d.pop("kind"), "evidence": d.pop("evidence"), **d})
    edges.sort(key=lambda e: (e["kind"], e["from"], e["to"], e["port"] or 0, e["proto"] or ""))
    return {"nodes": nodes, "edges": edges}


def edge_id(e: Mapping[str, Any]) -> tuple[str, str, str, int | None, str | None]:
    return (e["kind"], e["from"], e["to"], e["port"], e["proto"])


def exposure(e: Mapping[str, Any]) -> str:
    """How an `exposes` edge is reachable, in words: never "allowed by host firewall" where
    there is no host firewall, nor "blocked" where the firewall was not read."""
    if e.get("loopback_only"):
        return "loopback only"
    if e.get("allowed") is None:
        return "host firewall not read"
    if e.get("host_firewall") is False:
        return "no host firewall"
    return "allowed by host firewall" if e.get("allowed") else "blocked by host firewall"


def text_lines(g: Graph) -> list[str]:
    """A readable listing per host."""
    lines: list[str] = []
    hosts = sorted(n for n, d in g.nodes(data=True) if d["kind"] == "host")
    for h in hosts:
        d = g.nodes[h]
        lines.append(f"{h} ({d.get('type')}, {d.get('status')})")
        out = sorted(g.out_edges(h, data=True), key=lambda e: (e[2]["kind"], str(e[1])))
        addrs = [str(b) for _, b, e in out if e["kind"] == "address"]
        if addrs:
            lines.append(f"  addresses: {', '.join(addrs)}")
        for _, b, e in out:
            if e["kind"] == "exposes":
                sn = g.nodes[b]
                state = exposure(e)
                lines.append(f"  exposes {e['proto']}/{e['port']} on {', '.join(sn['bind'])} "
                             f"({', '.join(sn['processes']) or '?'}) - {state}")
        for _, b, e in out:
            if e["kind"] == "connects":
                lines.append(f"  connects to {b} ({', '.join(e.get('client_processes', [])) or '?'})")
        for a, _b, e in sorted(g.in_edges(h, data=True), key=lambda x: str(x[0])):
            if e["kind"] == "lldp":
                lines.append(f"  lldp neighbour of {a}")
        for _, b, e in out:
            if e["kind"] == "route":
                lines.append(f"  route {', '.join(str(x) for x in e.get('dst', []))} via {b}")
            elif e["kind"] == "neighbor":
                lines.append(f"  neighbour {b} ({', '.join(str(m) for m in e.get('mac', []))})")
            elif e["kind"] == "lldp":
                lines.append(f"  lldp {b} (local {', '.join(map(str, e.get('local_port', [])))})")
        ins = [(a, b, e) for svc in g.successors(h) if g.nodes[svc]["kind"] == "service"
               for a, b, e in g.in_edges(svc, data=True) if e["kind"] == "connects"]
        for a, b, _ in sorted(ins, key=lambda x: (str(x[1]), str(x[0]))):
            lines.append(f"  {b} used by {a}")
    ext = sorted(n for n, d in g.nodes(data=True) if d["kind"] == "external")
    if ext:
        lines.append("external (belongs to no target): " + ", ".join(ext))
    return lines


# --- map -------------------------------------------------------------------------------------

def _q(s: Any) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(g: Graph) -> str:
    """Graphviz DOT of the map: one box per host with its services inside, external nodes
    grey; addresses of a target are drawn as the target itself."""
    def place(n: str) -> str:
        d = g.nodes[n]
        return str(d["target"]) if d["kind"] == "address" and d.get("target") else n

    out = ["digraph paths {", "  graph [rankdir=LR, fontname=Helvetica, fontsize=10, "
           "nodesep=0.25, ranksep=1.2, overlap=false, splines=true];",
           "  node [fontname=Helvetica, fontsize=10];", "  edge [fontname=Helvetica, fontsize=8];"]
    hosts = sorted(n for n, d in g.nodes(data=True) if d["kind"] == "host")
    for i, h in enumerate(hosts):
        d = g.nodes[h]
        addrs = sorted(str(b) for _, b, e in g.out_edges(h, data=True) if e["kind"] == "address")
        out.append(f"  subgraph cluster_{i} {{ label={_q(h)}; style=rounded; color=gray40;")
        style = "bold" if d.get("status") in ("ok", "partial") else "dashed"
        out.append(f"    {_q(h)} [shape=box, style={style}, "
                   f"label={_q(h + (chr(10) + chr(10).join(addrs) if addrs else ''))}];")
        for _, s, e in sorted(g.out_edges(h, data=True), key=lambda x: str(x[1])):
            if e["kind"] != "exposes":
                continue
            sd = g.nodes[s]
            color = ("gray60" if e.get("loopback_only") else
                     "darkgreen" if e.get("allowed") else "red")
            label = f"{sd['proto']}/{sd['port']}\n{','.join(sd['processes'])}"
            out.append(f"    {_q(s)} [shape=ellipse, color={color}, label={_q(label)}];")
            out.append(f"    {_q(h)} -> {_q(s)} [arrowhead=none, color=gray70];")
        # services seen only through connections (not listening in this snapshot)
        for s, sd in g.nodes(data=True):
            if sd["kind"] == "service" and sd["target"] == h and not g.has_predecessor(s, h):
                out.append(f"    {_q(s)} [shape=ellipse, style=dashed, "
                           f"label={_q(str(sd['proto']) + '/' + str(sd['port']))}];")
        out.append("  }")
    for n in sorted(g.nodes):
        nd = g.nodes[n]
        if nd["kind"] == "external":
            label = _q(str(nd.get("name") or n) + "\n(external)")
            out.append(f"  {_q(n)} [shape=box, style=\"dashed,filled\", fillcolor=gray95, "
                       f"color=gray50, label={label}];")
    drawn: set[tuple[str, str, str]] = set()
    for a, b, e in sorted(g.edges(data=True), key=lambda x: (str(x[0]), str(x[1]))):
        kind = e["kind"]
        if kind in ("address", "exposes"):
            continue
        pa, pb = place(a), place(b)
        if pa == pb:
            continue
        pair = (min(pa, pb), max(pa, pb), kind) if kind in ("neighbor", "lldp") else (pa, pb, kind)
        if pair in drawn:
            continue
        drawn.add(pair)
        if kind == "connects":
            attrs = f"color=blue, penwidth=1.6, label={_q(str(e['proto']) + '/' + str(e['port']))}"
        elif kind == "route":
            dsts = ",".join(map(str, e.get("dst", [])))
            attrs = f"style=dashed, color=darkorange, label={_q('route ' + dsts)}"
        elif kind == "lldp":
            attrs = "dir=none, penwidth=2.5, color=purple, label=lldp"
        else:
            attrs = "dir=none, style=dotted, color=gray55, constraint=false"
        out.append(f"  {_q(pa)} -> {_q(pb)} [{attrs}];")
    out.append("}")
    return "\n".join(out) + "\n"
