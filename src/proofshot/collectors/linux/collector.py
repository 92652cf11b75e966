"""LinuxCollector: binds the declared queries to the declared tables through pure builders.

Scope options read here: `files` (trees whose files are inventoried, default ["/etc"]),
`file_text_max` (largest file whose text is kept, default 65536 bytes) and `trust_metadata`
(rescans: a regular file whose identity - device, inode, size, mtime, ctime - is the one in the
previous snapshot of this target keeps that snapshot's SHA-256 instead of being read; default
off: every file is read). The previous snapshot is handed to `plan` as options[PRIOR] (see
collectors.base.Reuses; scan/prior.py chooses it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import msgspec

from proofshot.collectors.base import (
    PRIOR,
    Answers,
    BuiltRows,
    NotCollected,
    Plan,
    Step,
    TableSpec,
)
from proofshot.collectors.linux import tables as T
from proofshot.collectors.linux.parsers import (
    accounts,
    acl,
    certs,
    config,
    files,
    firewall,
    net,
    packages,
    peers,
    services,
    storage,
    system,
)
from proofshot.collectors.linux.queries import DEFAULT_FILES, DEFAULT_MAX_TEXT, SKIPPED, queries
from proofshot.model.table import Row, Table
from proofshot.model.transcript import Query, judge


class _Reader:
    """Gives builders the text of answers that are usable, by the query's declared notion of
    success (model.transcript.judge: exit codes, failure strings, emptiness, format)."""

    def __init__(self, declared: Mapping[str, Query], answers: Answers) -> None:
        self.declared = declared
        self.answers = answers

    def get(self, qid: str, *, required: bool = True) -> str | None:
        answer = self.answers.get(qid)
        if answer is None:
            if required:
                raise NotCollected(f"query {qid} has no answer", "error")
            return None
        status, reason = judge(self.declared.get(qid), answer)
        if status == "ok":
            return answer.text
        if required:
            raise NotCollected(f"{qid}: {reason}",
                               "unsupported" if status == "absent" else status)
        return None

    def text(self, qid: str) -> str:
        """The text of a required query's answer (NotCollected when it is not usable)."""
        text = self.get(qid)
        assert text is not None
        return text


def _options(options: Mapping[str, Any]) -> tuple[tuple[str, ...], int]:
    raw = options.get("files", DEFAULT_FILES)
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, (list, tuple)) or not raw:
        raise ValueError("option files: expected a non-empty list of absolute paths")
    roots: list[str] = []
    for r in raw:
        if not isinstance(r, str) or not r.startswith("/") or "\0" in r or "\n" in r:
            raise ValueError(f"option files: {r!r} is not an absolute path")
        norm = r.rstrip("/") or "/"
        if norm not in roots:
            roots.append(norm)
    max_text = options.get("file_text_max", DEFAULT_MAX_TEXT)
    if not isinstance(max_text, int) or isinstance(max_text, bool) or max_text < 0:
        raise ValueError("option file_text_max: expected a non-negative integer")
    return tuple(roots), max_text


class LinuxCollector:
    """Linux and other GNU userlands, over the local or the SSH transport."""

    name = "linux"
    version = "3"  # 2: posix_acls; 3: declared success (formats, emptiness), lldp_neighbors

    def tables(self) -> Sequence[Table]:
        return T.TABLES

    def reuses(self, options: Mapping[str, Any]) -> tuple[str, str] | None:
        """trust_metadata: the files table and the files_meta answer of the previous
        snapshot (collectors.base.Reuses)."""
        return ("files", "files_meta") if options.get("trust_metadata") else None

    def prior(self, snapshot: str, answer: str, rows: Iterator[bytes]) -> files.Prior | None:
        dec = msgspec.json.Decoder(_PathSha)
        return files.prior(snapshot, answer, ((r.path, r.sha256, r.text)
                                              for r in map(dec.decode, rows)))

    def plan(self, options: Mapping[str, Any]) -> Plan:
        roots, max_text = _options(options)
        trust = bool(options.get("trust_metadata"))
        last = options.get(PRIOR) if trust else None
        if last is not None and not isinstance(last, files.Prior):
            raise ValueError(f"option {PRIOR}: expected a files.Prior")
        qs = queries(roots, max_text, trust_metadata=last is not None)
        declared = {q.id: q for q in qs}

        def spec(table: Table, needs: Sequence[str], build: Callable[[_Reader], list[Row]],
                 optional: Sequence[str] = (), note: str = "", min_rows: int = 0) -> TableSpec:
            def builder(answers: Answers) -> list[Row]:
                return build(_Reader(declared, answers))

            return TableSpec(table, tuple(needs) + tuple(optional), builder, tuple(optional),
                             note, min_rows=min_rows)

        def req(qid: str, parse: Callable[[str], list[Row]]) -> Callable[[_Reader], list[Row]]:
            def build(r: _Reader) -> list[Row]:
                return parse(r.text(qid))
            return build

        specs = [
            spec(T.OS, ["os"], req("os", system.parse_os)),
            spec(T.SYSCTL, ["sysctl"], req("sysctl", system.parse_sysctl)),
            spec(T.CPU, ["cpuinfo"], req("cpuinfo", system.parse_cpuinfo)),
            spec(T.MEMORY, ["meminfo"], req("meminfo", system.parse_meminfo)),
            spec(T.DMI, ["dmi"], _build_dmi),
            spec(T.BLOCK_DEVICES, ["lsblk"], req("lsblk", storage.parse_lsblk)),
            spec(T.FILESYSTEMS, ["findmnt"], _build_filesystems, optional=["df_inodes"],
                 min_rows=1),
            spec(T.PACKAGES, [], _build_packages, optional=["dpkg", "rpm"],
                 note="dpkg and rpm are each optional; the table needs one of them."),
            spec(T.USERS, ["passwd"], _build_users, optional=["shadow"],
                 note="Without /etc/shadow the password columns are None.", min_rows=1),
            spec(T.GROUPS, ["group"], req("group", accounts.parse_group), min_rows=1),
            spec(T.GROUP_MEMBERS, ["passwd", "group"], _build_group_members),
            spec(T.SUDOERS, ["sudoers"], req("sudoers", accounts.parse_sudoers)),
            spec(T.SERVICES, ["sysv"], _build_services,
                 optional=["systemd_unit_files", "systemd_units", "unit_files"],
                 note="Without a running systemd, active/sub are None."),
            spec(T.LISTENING, ["ss"], _build_listening, optional=["port_range"],
                 note="Without the ephemeral port range, client UDP sockets stay in it."),
            spec(T.UDP_CLIENTS, ["ss", "port_range"], _build_udp_clients),
            spec(T.CONNECTIONS, ["ss_established"], _build_connections, optional=["ss"],
                 note="Without the listening sockets the service side is the lower port."),
            spec(T.NEIGHBORS, ["ip_neigh"], req("ip_neigh", peers.parse_ip_neigh)),
            spec(T.INTERFACES, ["ip_link"], req("ip_link", net.parse_ip_link)),
            spec(T.ADDRESSES, ["ip_addr"], req("ip_addr", net.parse_ip_addr)),
            spec(T.ROUTES, ["ip_route4"], _build_routes, optional=["ip_route6"]),
            spec(T.DNS, ["resolver"], req("resolver", net.parse_resolver)),
            spec(T.HOSTS, ["etc_hosts"], req("etc_hosts", net.parse_hosts)),
            spec(T.TIME_SYNC, ["time_sync"], req("time_sync", config.parse_time_sync)),
            spec(T.FIREWALL_RULES, [], _build_firewall, optional=["nft", "iptables", "ip6tables"],
                 note="Each source is optional; the table needs one of them."),
            spec(T.CRON, ["cron"], req("cron", config.parse_cron)),
            spec(T.SSH_CONFIG, ["sshd_config"], _build_sshd, optional=["sshd_effective"]),
            spec(T.KERNEL_MODULES, ["modules"], req("modules", system.parse_modules)),
            spec(T.CERTIFICATES, ["certs"], req("certs", certs.parse_certs)),
            spec(T.FILES, ["files_meta"], _files_builder(max_text, trust, last),
                 optional=["files_sha256", "files_text"],
                 note="Without root, unreadable files have sha256 None."),
            # sources: getfacl alone, as before the walker read ACLs (a diff compares tables
            # read from the same sources); its exit 5 says files_meta's answer holds them
            spec(T.POSIX_ACLS, ["getfacl"], _build_posix_acls,
                 note="Where python3 runs, files_meta's walker reads the ACLs (getfacl: "
                 "exit 5, nothing)."),
            spec(T.LLDP_NEIGHBORS, ["lldp"], req("lldp", peers.parse_lldpcli)),
        ]
        steps = [Step(q) for q in qs]
        if last is not None:  # files_sha256 and files_text read only what files_meta shows
            to_read = _paths_to_read(declared["files_meta"], last)  # as new or changed
            steps = [Step(s.query, after=("files_meta",), stdin_from=to_read)
                     if s.query.id in ("files_sha256", "files_text") else s for s in steps]
        return Plan(steps=steps, specs=specs)


def _build_dmi(r: _Reader) -> list[Row]:
    return system.parse_dmi(r.text("dmi"))


def _build_filesystems(r: _Reader) -> list[Row]:
    text = r.text("findmnt")
    return storage.parse_findmnt(text, r.get("df_inodes", required=False) or "")


def _build_packages(r: _Reader) -> list[Row]:
    dpkg = r.get("dpkg", required=False)
    rpm = r.get("rpm", required=False)
    if dpkg is None and rpm is None:
        raise NotCollected("neither dpkg-query nor rpm answered")
    rows: list[Row] = []
    if dpkg is not None:
        rows += packages.parse_packages(dpkg, "dpkg")
    if rpm is not None:
        rows += packages.parse_packages(rpm, "rpm")
    return rows


def _build_users(r: _Reader) -> list[Row]:
    passwd = r.text("passwd")
    return accounts.users(passwd, r.get("shadow", required=False))


def _build_group_members(r: _Reader) -> list[Row]:
    return accounts.group_members(r.text("passwd"), r.text("group"))


def _build_services(r: _Reader) -> list[Row]:
    sysv = r.text("sysv")
    rows = services.systemd_services(r.get("systemd_unit_files", required=False),
                                     r.get("systemd_units", required=False),
                                     r.get("unit_files", required=False))
    return rows + services.parse_sysv(sysv)


def _build_listening(r: _Reader) -> list[Row]:
    return net.split_listening(r.text("ss"), r.get("port_range", required=False))[0]


def _build_udp_clients(r: _Reader) -> list[Row]:
    return net.split_listening(r.text("ss"), r.text("port_range"))[1]


def _build_connections(r: _Reader) -> list[Row]:
    text = r.text("ss_established")
    listening = r.get("ss", required=False)
    ports = peers.listening_ports(net.parse_ss(listening)) if listening is not None else None
    return peers.parse_ss_established(text, ports)


def _build_routes(r: _Reader) -> list[Row]:
    v4 = r.text("ip_route4")
    v6 = r.get("ip_route6", required=False)
    return net.parse_ip_route(v4, "inet") + (net.parse_ip_route(v6, "inet6") if v6 else [])


def _build_firewall(r: _Reader) -> list[Row]:
    got = {q: r.get(q, required=False) for q in ("nft", "iptables", "ip6tables")}
    if all(v is None for v in got.values()):
        raise NotCollected("none of nft, iptables-save, ip6tables-save answered")
    rows: list[Row] = []
    if got["nft"] is not None:
        rows += firewall.parse_nft(got["nft"])
    for src in ("iptables", "ip6tables"):
        text = got[src]
        if text is not None:
            rows += firewall.parse_iptables_save(text, src)
    return rows


def _build_sshd(r: _Reader) -> list[Row]:
    declared = r.text("sshd_config")
    effective = r.get("sshd_effective", required=False)
    rows = config.parse_sshd_effective(effective) if effective is not None else []
    return rows + config.parse_sshd_config(declared)


def _build_posix_acls(r: _Reader) -> list[Row]:
    """getfacl's answer, or where the walker read the ACLs (getfacl exit 5) the ACL section of
    files_meta's answer: the same `getfacl --skip-base` blocks, through the same parser."""
    text = r.text("getfacl")
    if not _skipped(r, "getfacl"):
        return acl.parse_getfacl(text)
    meta = r.get("files_meta", required=False)
    walked = files.split_walk(meta).acls if meta is not None else None
    if walked is None:
        raise NotCollected("getfacl left the ACLs to files_meta's walker, whose answer is not "
                           "usable or has none", "failed")
    return acl.parse_getfacl(walked)


def _skipped(r: _Reader, qid: str) -> bool:
    """The query answered nothing because files_meta's walker answered for it (exit 5)."""
    ans = r.answers.get(qid)
    return ans is not None and ans.exit_code == SKIPPED


class _PathSha(msgspec.Struct):
    path: str
    sha256: str | None = None
    text: str | None = None


def _paths_to_read(meta_query: Query, last: files.Prior) -> Callable[[Answers], bytes]:
    """The stdin of files_sha256 and files_text (trust_metadata): the NUL-terminated paths of
    the regular files whose hash `last` cannot give, from files_meta's answer (nothing when it
    failed). Worked out once for both."""
    done: list[bytes] = []

    def stdin(answers: Answers) -> bytes:
        if done:
            return done[0]
        ans = answers.get("files_meta")
        if ans is None or judge(meta_query, ans)[0] != "ok":
            return b""
        text = (b"".join(ans.body.pieces()) if ans.body is not None else ans.stdout).decode(
            "utf-8", "surrogateescape")
        done.append(b"".join(p.encode("utf-8", "surrogateescape") + b"\0"
                             for p in files.to_read(text, last)))
        return done[0]
    return stdin


FULL_AFTER_TRUST = ("trust_metadata asked, but no earlier snapshot of this target holds file "
                    "identities: every file was read")


def _files_builder(max_text: int, trust: bool = False,
                   last: files.Prior | None = None) -> Callable[[_Reader], list[Row]]:
    """The files table. trust_metadata with a previous snapshot: hashes of files whose
    identity is unchanged come from it, and the table's record says how many and from which
    snapshot; without one (the first scan): every file is read, and the record says so."""
    def build(r: _Reader) -> list[Row]:
        walk = files.split_walk(r.text("files_meta"))  # psw3: records, ACLs, text
        meta = walk.records
        sha = r.get("files_sha256", required=False)
        text = r.get("files_text", required=False)
        cut: dict[str, str] = {}
        if _skipped(r, "files_text"):
            text = walk.text  # files_meta's walker kept the text
            if "T" in walk.flags:  # past files_text's bound: none kept
                cut["files_text: truncated"] = ("files_text: the walker's text passed "
                                                "FILES_MAX_BYTES: no text kept")
        if last is None:
            rows = files.files(meta, sha, text, max_text)
            return BuiltRows(rows, {"hashes": {"mode": "full", "note": FULL_AFTER_TRUST}
                                    if trust else {"mode": "full"}}, cut)
        answer = r.answers.get("files_sha256")
        if sha is not None and answer is not None and answer.exit_code == 0:
            lost = files.unanswered(meta, sha, last)
            if lost:
                raise NotCollected(
                    f"files_sha256 exited 0 (every file read) but answered no hash for "
                    f"{len(lost)} of the files it was asked for (first: {lost[0]!r})", "implausible")
        rows, reused, read = files.files_trusted(meta, sha, text, max_text, last)
        return BuiltRows(rows, {"hashes": {
            "mode": "trust-metadata", "reused_from": last.snapshot, "reused": reused,
            "read": read}})
    return build


COLLECTOR = LinuxCollector()
