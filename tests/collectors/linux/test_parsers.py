"""Linux parsers against answers captured on a real Debian 12 host (fixtures/debian12), a
firewall captured in a scratch network namespace (fixtures/firewall), and garbage/empty input."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from proofshot.collectors.base import NotCollected
from proofshot.collectors.linux import COLLECTOR
from proofshot.collectors.linux.parsers import (
    accounts,
    acl,
    certs,
    config,
    files,
    firewall,
    net,
    packages,
    services,
    storage,
    system,
)
from proofshot.model.table import Row
from proofshot.model.transcript import Answer
from proofshot.transports.local import LocalTransport
from tests.collectors.linux.capture import run_plan

FIX = Path(__file__).parent / "fixtures"
DEB = FIX / "debian12"
FW = FIX / "firewall"


def out(case: Path, qid: str) -> str:
    return (case / f"{qid}.out").read_bytes().decode("utf-8", errors="replace")


def answers(case: Path) -> dict[str, Answer]:
    meta = json.loads((case / "meta.json").read_text())
    return {q: Answer(q, m["argv"], m["exit"], (case / f"{q}.out").read_bytes(),
                      m["stderr"].encode(), 0.0, error=m["error"])
            for q, m in meta["answers"].items()}


def build_all(ans: dict[str, Answer], options: dict[str, Any]) -> dict[str, list[Row] | str]:
    """Table -> rows, or the NotCollected status."""
    result: dict[str, list[Row] | str] = {}
    for spec in COLLECTOR.plan(options).specs:
        try:
            result[spec.table.name] = spec.build(ans)
        except NotCollected as exc:
            result[spec.table.name] = exc.status
    return result


@pytest.fixture(scope="module")
def deb() -> dict[str, list[Row] | str]:
    return build_all(answers(DEB), {"files": ["/etc"]})


def rows_of(built: dict[str, list[Row] | str], name: str) -> list[Row]:
    rows = built[name]
    assert isinstance(rows, list), f"{name} not collected: {rows}"
    return rows


def by(rows: list[Row], **match: Any) -> list[Row]:
    return [r for r in rows if all(r.get(k) == v for k, v in match.items())]


# --- every table: valid rows, unique keys, expected rows ---------------------------------

def test_every_row_validates_and_keys_are_unique(deb: dict[str, list[Row] | str]) -> None:
    tables = {t.name: t for t in COLLECTOR.tables()}
    assert set(deb) == set(tables)
    for name, rows in deb.items():
        if isinstance(rows, str):
            continue
        keys = [tables[name].key_of(tables[name].validate(r)) for r in rows]
        assert len(keys) == len(set(keys)), name


def test_expected_small_tables(deb: dict[str, list[Row] | str]) -> None:
    expected = json.loads((DEB / "expected.json").read_text())
    for name, want in expected["rows"].items():
        assert rows_of(deb, name) == want, name
    for name, status in expected["not_collected"].items():
        assert deb[name] == status, name


def test_expected_json_agrees_with_the_raw_answers() -> None:
    """expected.json is an oracle apart from the parsers: its rows of these tables are
    recomputed here from the raw files with readers written from the formats (see README.md
    in the fixture folder for the whole review)."""
    rows = json.loads((DEB / "expected.json").read_text())["rows"]

    def num(x: str) -> int | None:
        return int(x) if x else None

    passwd = [ln.split(":") for ln in out(DEB, "passwd").splitlines() if ln]
    shadow = {ln.split(":")[0]: ln.split(":") for ln in out(DEB, "shadow").splitlines() if ln}
    assert rows["users"] == [
        {"name": n, "uid": int(u), "gid": int(g), "gecos": gecos, "home": home, "shell": sh,
         "password_state": shadow[n][1], "last_change": num(shadow[n][2]),
         "min_days": num(shadow[n][3]), "max_days": num(shadow[n][4]),
         "warn_days": num(shadow[n][5]), "inactive_days": num(shadow[n][6]),
         "expire": num(shadow[n][7])}
        for n, _, u, g, gecos, home, sh in passwd]
    group = [ln.split(":") for ln in out(DEB, "group").splitlines() if ln]
    assert rows["groups"] == [{"name": n, "gid": int(g), "members": [m for m in ms.split(",") if m]}
                              for n, _, g, ms in group]
    by_gid = {int(g): n for n, _, g, _ in group}
    members = {(n, m, "member") for n, _, _, ms in group for m in ms.split(",") if m}
    members |= {(by_gid[int(f[3])], f[0], "primary") for f in passwd if int(f[3]) in by_gid}
    got = [(r["group"], r["user"], r["via"]) for r in rows["group_members"]]
    assert sorted(got) == sorted(members)
    addrs = {(i["ifname"], f"{a['local']}/{a['prefixlen']}", a["family"])
             for i in json.loads(out(DEB, "ip_addr")) for a in i.get("addr_info", [])}
    assert sorted((r["interface"], r["address"], r["family"]) for r in rows["addresses"]
                  ) == sorted(addrs)
    routes = {(fam, r.get("table", "main"), r["dst"], r.get("dev"), r.get("gateway"),
               r.get("type", "unicast"), r.get("metric", 0))
              for fam, q in (("inet", "ip_route4"), ("inet6", "ip_route6"))
              for r in json.loads(out(DEB, q))}
    assert sorted((r["family"], r["table"], r["dst"], r["dev"], r["gateway"], r["type"],
                   r["metric"]) for r in rows["routes"]) == sorted(routes)
    lines: dict[str, int] = {}
    sudo = []
    for framed in out(DEB, "sudoers").split("\n"):
        path, _, text = framed.partition("\0")
        lines[path] = lines.get(path, 0) + 1
        if text.strip() and not text.startswith("#"):
            sudo.append((path, lines[path], " ".join(text.split())))
    assert [(r["file"], r["line"], r["text"]) for r in rows["sudoers"]] == sudo


def test_not_collected_here_for_real_reasons(deb: dict[str, list[Row] | str]) -> None:
    # gVisor-like VM: no DMI, no /proc/modules. Recorded as coverage, never as empty tables.
    assert deb["dmi"] == "unsupported"
    assert deb["kernel_modules"] == "failed"


# --- accounts and secrets -------------------------------------------------------------------

def test_users(deb: dict[str, list[Row] | str]) -> None:
    users = {r["name"]: r for r in rows_of(deb, "users")}
    assert users["root"]["uid"] == 0 and users["root"]["gid"] == 0
    assert users["root"]["home"] == "/root"
    assert users["nobody"]["uid"] == 65534
    assert {r["password_state"] for r in users.values()} <= {"set", "empty", "locked", "none"}
    assert all(isinstance(r["last_change"], int) for r in users.values())


def test_no_shadow_hash_leaves_the_target() -> None:
    text = out(DEB, "shadow")
    assert "$" not in text
    for line in text.splitlines():
        assert line.split(":")[1] in accounts.PASSWORD_STATES


def test_shadow_script_derives_state_on_target(tmp_path: Path) -> None:
    shadow = tmp_path / "shadow"
    shadow.write_text(
        "alice:$6$salt$abcdefHASH:19000:0:99999:7:::\n"
        "bob::19001:0:99999:7:::\n"
        "carol:!$6$salt$lockedHASH:19002:1:90:14:30:20000:\n"
        "daemon:*:19003:0:99999:7:::\n"
        "dave:!:19004::::::\n"
    )
    query = next(s.query for s in COLLECTOR.plan({}).steps if s.query.id == "shadow")
    script = query.argv[2].replace("/etc/shadow", str(shadow))
    res = subprocess.run(["sh", "-c", script], capture_output=True, check=True,
                         env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"})
    assert b"HASH" not in res.stdout and b"$6$" not in res.stdout
    rows = {r["name"]: r for r in accounts.users(
        "alice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/h:/bin/sh\n"
        "carol:x:1002:1002::/h:/bin/sh\ndaemon:x:1:1::/:/usr/sbin/nologin\n"
        "dave:x:1003:1003::/h:/bin/sh\n", res.stdout.decode())}
    assert {n: r["password_state"] for n, r in rows.items()} == {
        "alice": "set", "bob": "empty", "carol": "locked", "daemon": "none", "dave": "none"}
    assert rows["carol"]["max_days"] == 90 and rows["carol"]["expire"] == 20000
    assert rows["carol"]["inactive_days"] == 30


def test_shadow_summary_rejects_anything_but_states() -> None:
    assert accounts.parse_shadow_summary("root:$6$x$y:1:2:3:4:5:6\n") == {}


def test_users_without_shadow_have_no_password_state() -> None:
    rows = accounts.users(out(DEB, "passwd"), None)
    assert rows and all(r.get("password_state") is None for r in rows)


def test_groups_and_members(deb: dict[str, list[Row] | str]) -> None:
    groups = {r["name"]: r for r in rows_of(deb, "groups")}
    assert groups["root"]["gid"] == 0
    assert "postgres" in groups["ssl-cert"]["members"]
    members = rows_of(deb, "group_members")
    assert by(members, group="root", user="root") == [
        {"group": "root", "user": "root", "via": "primary"}]
    assert by(members, group="ssl-cert", user="postgres")[0]["via"] == "member"


def test_sudoers(deb: dict[str, list[Row] | str]) -> None:
    rows = rows_of(deb, "sudoers")
    rule = by(rows, file="/etc/sudoers", text="root ALL=(ALL:ALL) ALL")[0]
    assert rule["kind"] == "rule" and rule["principal"] == "root"
    assert by(rows, kind="include", text="@includedir /etc/sudoers.d")
    assert by(rows, text="%sudo ALL=(ALL:ALL) ALL")[0]["principal"] == "%sudo"


def test_sudoers_uid_rule_is_no_comment() -> None:
    # "#" then digits in a user list is a uid (sudoers(5)); "#1001" alone is still a comment
    text = "".join(f"/etc/sudoers.d/x\0{x}\n" for x in (
        "#1001 ALL=(ALL) ALL", "#1002, bob ALL=(ALL) /bin/ls", "# a comment", "#1001",
        "#includedir /etc/sudoers.d"))
    rows = accounts.parse_sudoers(text)
    assert [(r["kind"], r["principal"]) for r in rows] == [
        ("rule", "#1001"), ("rule", "#1002,"), ("include", None)]


# --- system ---------------------------------------------------------------------------------

def test_os_and_hardware(deb: dict[str, list[Row] | str]) -> None:
    (os_row,) = rows_of(deb, "os")
    assert (os_row["os_id"], os_row["os_version"], os_row["os_codename"]) == (
        "debian", "12", "bookworm")
    assert os_row["hostname"] == out(DEB, "os").split("==> hostname <==\n")[1].split("\n")[0]
    assert os_row["uptime_seconds"] is not None and os_row["uptime_seconds"] > 0
    cpus = rows_of(deb, "cpu")
    assert [c["processor"] for c in cpus] == [0, 1] and "sse2" in cpus[0]["flags"]
    (mem,) = rows_of(deb, "memory")
    assert mem["total_kb"] > 1_000_000 and mem["available_kb"] <= mem["total_kb"]


def test_sysctl_counters_are_apart(deb: dict[str, list[Row] | str]) -> None:
    rows = {r["name"]: r for r in rows_of(deb, "sysctl")}
    assert rows["kernel.ns_last_pid"]["value"] is None
    assert rows["kernel.ns_last_pid"]["moving_value"]
    assert rows["kernel.ostype"]["value"] == "Linux"
    assert rows["net.ipv4.ip_forward"]["value"] in ("0", "1")


def test_storage(deb: dict[str, list[Row] | str]) -> None:
    fs = {r["target"]: r for r in rows_of(deb, "filesystems")}
    assert fs["/"]["fstype"] == "ext4" and fs["/"]["source"] == "/dev/vda"
    assert fs["/"]["inodes"] and fs["/"]["inodes_used"] is not None
    assert "rw" in fs["/"]["options"]
    disks = {r["name"]: r for r in rows_of(deb, "block_devices")}
    assert disks["vda"]["type"] == "disk" and disks["vda"]["size"] == 274877906944


def test_packages(deb: dict[str, list[Row] | str]) -> None:
    pk = {(r["name"], r["arch"]): r for r in rows_of(deb, "packages")}
    assert pk[("dpkg", "amd64")]["status"] == "ii"
    assert pk[("coreutils", "amd64")]["version"].startswith("9.1")
    assert pk[("iproute2", "amd64")]["manager"] == "dpkg"
    assert len(pk) == len(out(DEB, "dpkg").splitlines()) == 735  # a line of dpkg-query each


def test_packages_side_by_side_versions_get_slots() -> None:
    text = ("kernel\tx86_64\t(none):5.14.0-1.el9\tii\tkernel-5.14.0-1.el9.src.rpm\n"
            "kernel\tx86_64\t(none):5.14.0-2.el9\tii\tkernel-5.14.0-2.el9.src.rpm\n"
            "bash\tx86_64\t(none):5.1.8-6.el9\tii\t(none)\n")
    rows = packages.parse_packages(text, "rpm")
    assert [(r["name"], r["slot"]) for r in rows] == [
        ("kernel", "5.14.0-1.el9"), ("kernel", "5.14.0-2.el9"), ("bash", "")]
    assert rows[2]["version"] == "5.1.8-6.el9" and rows[2]["source"] is None


def test_services_without_systemd_running(deb: dict[str, list[Row] | str]) -> None:
    rows = rows_of(deb, "services")
    ssh = by(rows, manager="systemd", name="ssh.service")[0]
    assert ssh["enabled"] == "enabled" and ssh["active"] is None
    sysv = by(rows, manager="sysv", name="ssh")[0]
    assert sysv["enabled"] == "enabled" and "2" in sysv["runlevels"]


def test_services_from_unit_files_on_disk() -> None:
    rows = services.systemd_services(None, None, out(DEB, "unit_files"))
    names = {r["name"] for r in rows}
    assert "ssh.service" in names and all(r["enabled"] is None for r in rows)


def test_services_runtime_state() -> None:
    units = ("ssh.service loaded active running OpenBSD Secure Shell server\n"
             "cron.service loaded failed failed Regular background program processing daemon\n")
    rows = {r["name"]: r for r in services.systemd_services(
        "ssh.service enabled enabled\n", units, None)}
    assert rows["ssh.service"]["sub"] == "running"
    assert rows["cron.service"]["active"] == "failed" and rows["cron.service"]["enabled"] is None


# --- network --------------------------------------------------------------------------------

def test_network(deb: dict[str, list[Row] | str]) -> None:
    listen = rows_of(deb, "listening")
    assert by(listen, proto="tcp", port=2024)
    ifs = {r["name"]: r for r in rows_of(deb, "interfaces")}
    assert ifs["lo"]["link_type"] == "loopback" and "UP" in ifs["lo"]["flags"]
    addrs = rows_of(deb, "addresses")
    assert by(addrs, interface="lo", address="127.0.0.1/8", family="inet")
    routes = rows_of(deb, "routes")
    default = by(routes, family="inet", dst="default", table="main")[0]
    assert default["gateway"] == "192.0.2.1" and default["dev"] == "eth0"
    assert by(routes, family="inet", table="local", type="local", dst="127.0.0.1")
    assert by(rows_of(deb, "dns"), keyword="nameserver", position=1)
    assert by(rows_of(deb, "hosts"), address="127.0.0.1", name="localhost", canonical=True)


def test_ss_merges_reuseport_sockets_and_reads_processes() -> None:
    text = ("Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n"
            'tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=812,fd=3))\n'
            'tcp LISTEN 0 128 [::]:22 [::]:* users:(("sshd",pid=812,fd=4))\n'
            'udp UNCONN 0 0 127.0.0.1%lo:53 0.0.0.0:* users:(("dnsmasq",pid=9,fd=4))\n'
            'udp UNCONN 0 0 127.0.0.1%lo:53 0.0.0.0:* users:(("dnsmasq",pid=10,fd=4))\n')
    rows = {(r["proto"], r["address"], r["port"]): r for r in net.parse_ss(text)}
    assert rows[("tcp", "::", 22)]["processes"] == ["sshd"]
    dns = rows[("udp", "127.0.0.1%lo", 53)]
    assert dns["sockets"] == 2 and dns["pids"] == ["9", "10"]


# --- config ---------------------------------------------------------------------------------

def test_cron_and_sshd(deb: dict[str, list[Row] | str]) -> None:
    cron = rows_of(deb, "cron")
    e2 = by(cron, file="/etc/cron.d/e2scrub_all", kind="job")
    assert e2 and e2[0]["user"] == "root" and e2[0]["schedule"].split()[0] == "30"
    assert by(cron, kind="script", schedule="@daily")
    sshd = rows_of(deb, "ssh_config")
    inc = by(sshd, source="/etc/ssh/sshd_config", keyword="include")[0]
    assert inc["value"] == "/etc/ssh/sshd_config.d/*.conf"


def test_sshd_match_blocks_and_effective() -> None:
    text = ("/etc/ssh/sshd_config\0PermitRootLogin no\n"
            "/etc/ssh/sshd_config\0HostKey /a\n/etc/ssh/sshd_config\0HostKey /b\n"
            "/etc/ssh/sshd_config\0Match User backup\n"
            "/etc/ssh/sshd_config\0  PasswordAuthentication=yes\n")
    rows = config.parse_sshd_config(text)
    assert [(r["match"], r["keyword"], r["n"], r["value"]) for r in rows] == [
        ("", "permitrootlogin", 1, "no"), ("", "hostkey", 1, "/a"), ("", "hostkey", 2, "/b"),
        ("User backup", "passwordauthentication", 1, "yes")]
    eff = config.parse_sshd_effective("port 22\npermitrootlogin without-password\n")
    assert eff[1]["value"] == "without-password" and eff[0]["source"] == "effective"


def test_time_sync_configs() -> None:
    text = ("/etc/chrony/chrony.conf\0pool 2.debian.pool.ntp.org iburst\n"
            "/etc/chrony/chrony.conf\0# server commented.example\n"
            "/etc/systemd/timesyncd.conf\0NTP=ntp1.example ntp2.example\n")
    rows = config.parse_time_sync(text)
    assert [(r["kind"], r["server"], r["options"]) for r in rows] == [
        ("pool", "2.debian.pool.ntp.org", ["iburst"]), ("NTP", "ntp1.example", []),
        ("NTP", "ntp2.example", [])]


def test_certificates(deb: dict[str, list[Row] | str]) -> None:
    rows = rows_of(deb, "certificates")
    assert all(r["path"] != "/etc/ssl/certs/ca-certificates.crt" for r in rows)
    cert = by(rows, path="/etc/ssl/certs/sandboxing-egress-ca.pem")[0]
    assert cert["subject"] == "CN=sandboxing-egress-ca"
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", cert["fingerprint"])
    assert cert["not_after"].endswith("GMT")


# --- files ----------------------------------------------------------------------------------

def test_files(deb: dict[str, list[Row] | str]) -> None:
    rows = {r["path"]: r for r in rows_of(deb, "files")}
    hostname = rows["/etc/hostname"]
    assert hostname["type"] == "file" and hostname["mode"] == "0755"  # as on this VM
    assert rows["/etc/passwd"]["mode"] == "0644" and rows["/etc/passwd"]["group"] == "root"
    assert hostname["owner"] == "root" and hostname["text"] is not None
    assert hostname["sha256"] == hashlib.sha256(hostname["text"].encode()).hexdigest()
    assert hostname["size"] == len(hostname["text"].encode())
    shadow = rows["/etc/shadow"]
    assert shadow["text"] is None and shadow["sha256"] and shadow["mode"] == "0640"
    assert rows["/etc"]["type"] == "dir" and rows["/etc"]["size"] is None
    links = [r for r in rows.values() if r["type"] == "link"]
    assert links and all(r["link_target"] for r in links)
    assert rows["/etc/rc2.d/S01ssh"]["link_target"] == "../init.d/ssh"


def test_file_text_matches_hash(deb: dict[str, list[Row] | str]) -> None:
    """The text we keep is the file: its hash equals sha256sum's (files lacking a final newline
    aside, which text cannot show)."""
    with_text = [r for r in rows_of(deb, "files") if r["text"] and r["sha256"]]
    assert len(with_text) > 100
    same = [r for r in with_text
            if hashlib.sha256(r["text"].encode()).hexdigest() == r["sha256"]]
    assert len(same) / len(with_text) > 0.95


def test_files_parsers_on_tricky_names() -> None:
    records = [["f", "/etc/a\nb", "644", "root", "root", "3", "", "1700000000.5"],
               ["l", "/etc/l", "777", "root", "root", "1", "a\nb", "1700000000.0"],
               ["f", "/etc/empty", "644", "root", "root", "0", "", "1700000000.0"],
               ["f", "/etc/secret", "600", "root", "root", "5", "", "1.0"]]
    meta = "".join(field + "\x00" for rec in records for field in rec)
    sha = ("ab" * 32 + "  /etc/a\nb\0" + "00" * 32 + "  /etc/empty\0"
           + "cd" * 32 + "  /etc/secret\0")
    text = "/etc/a\nb\0hi\n"
    rows = {r["path"]: r for r in files.files(meta, sha, text, 65536)}
    assert rows["/etc/a\nb"]["text"] == "hi\n" and rows["/etc/a\nb"]["sha256"] == "ab" * 32
    assert rows["/etc/l"]["link_target"] == "a\nb" and rows["/etc/l"]["mode"] == "0777"
    assert rows["/etc/empty"]["text"] == ""
    assert rows["/etc/secret"]["text"] is None and rows["/etc/secret"]["sha256"] == "cd" * 32


# --- firewall -------------------------------------------------------------------------------

def test_nft_rules() -> None:
    rows = firewall.parse_nft(out(FW, "nft"))
    inet = by(rows, family="inet", table="filter", chain="input")
    ssh = by(inet, rule='tcp dport 22 counter accept comment "ssh"')
    assert [r["n"] for r in ssh] == [1, 2] and ssh[0]["packets"] == 0
    assert by(inet, kind="policy", rule="policy drop")
    assert by(inet, kind="chain", rule="type filter hook input priority filter")
    (s,) = by(rows, kind="set")
    assert "10.200.0.5" in s["rule"] and s["chain"] == ""
    assert by(rows, family="ip6", table="filter", chain="INPUT", kind="rule")


def test_iptables_save() -> None:
    rows = firewall.parse_iptables_save(out(FW, "iptables"), "iptables")
    assert by(rows, table="filter", chain="FORWARD", rule="policy DROP", kind="policy")
    assert by(rows, chain="INPUT", rule="-p tcp -m tcp --dport 8080 -j ACCEPT", position=2)
    counted = firewall.parse_iptables_save(out(FW, "iptables-counters"), "iptables")
    assert [r["rule"] for r in counted] == [r["rule"] for r in rows]
    assert all(r["packets"] == 0 for r in counted)
    six = firewall.parse_iptables_save(out(FW, "ip6tables"), "ip6tables")
    assert by(six, family="ip6", rule="-p tcp -m tcp --dport 22 -j ACCEPT")


def test_adding_one_rule_adds_one_key() -> None:
    """Keys are rule text + occurrence, so an inserted rule is one added row, not a shift."""
    table = next(t for t in COLLECTOR.tables() if t.name == "firewall_rules")
    before = out(FW, "nft")
    after = before.replace('\t\tiif "lo" accept\n',
                           '\t\ttcp dport 8443 accept\n\t\tiif "lo" accept\n', 1)
    kb = {table.key_of(r): r for r in firewall.parse_nft(before)}
    ka = {table.key_of(r): r for r in firewall.parse_nft(after)}
    assert set(ka) - set(kb) == {("nft", "inet", "filter", "input", "tcp dport 8443 accept", 1)}
    assert set(kb) <= set(ka)
    changed = [k for k in kb if {c: v for c, v in kb[k].items() if c not in table.volatile}
               != {c: v for c, v in ka[k].items() if c not in table.volatile}]
    assert changed == []


def test_firewall_table_from_answers() -> None:
    ans = {q: Answer(q, [q], 0, (FW / f"{q}.out").read_bytes(), b"", 0.0)
           for q in ("nft", "iptables", "ip6tables")}
    built = build_all(ans, {})
    rows = rows_of(built, "firewall_rules")
    assert {r["source"] for r in rows} == {"nft", "iptables", "ip6tables"}
    assert build_all({}, {})["firewall_rules"] == "unsupported"


# --- robustness -----------------------------------------------------------------------------

# Garbage (random bytes; fixtures/garbage) gives no rows, except to the parsers of line formats
# whose grammar a line of any text can match (LINE: a dpkg-query line is tab-separated fields, a
# sudoers, hosts or `sshd -T` line is words); their rows must still be valid rows of the table.
# findmnt's key="value" pairs: garbage.out holds one planted line TARGET="/x".
LINE = True
# parser, the table its rows belong to (None: an intermediate result), garbage gives rows
PARSERS: list[tuple[Any, str | None, bool]] = [
    (system.parse_os, "os", False), (system.parse_sysctl, "sysctl", False),
    (system.parse_cpuinfo, "cpu", False), (system.parse_meminfo, "memory", False),
    (system.parse_dmi, "dmi", False), (system.parse_modules, "kernel_modules", False),
    (storage.parse_lsblk, "block_devices", False), (storage.parse_findmnt, "filesystems", LINE),
    (lambda t: packages.parse_packages(t, "dpkg"), "packages", LINE),
    (accounts.parse_passwd, None, False), (accounts.parse_group, None, False),
    (lambda t: accounts.users(t, t), "users", False),
    (lambda t: accounts.group_members(t, t), "group_members", False),
    (accounts.parse_sudoers, "sudoers", LINE), (services.parse_sysv, None, False),
    (lambda t: services.systemd_services(t, t, t), "services", False),
    (net.parse_ss, "listening", False), (net.parse_ip_link, "interfaces", False),
    (net.parse_ip_addr, "addresses", False),
    (lambda t: net.parse_ip_route(t, "inet"), "routes", False),
    (net.parse_resolver, "dns", False), (net.parse_hosts, "hosts", LINE),
    (config.parse_time_sync, "time_sync", False), (firewall.parse_nft, "firewall_rules", False),
    (lambda t: firewall.parse_iptables_save(t, "iptables"), "firewall_rules", False),
    (config.parse_cron, "cron", False), (config.parse_sshd_config, "ssh_config", False),
    (config.parse_sshd_effective, "ssh_config", LINE),
    (certs.parse_certs, "certificates", False),
    (lambda t: files.files(t, t, t, 65536), "files", False),
    (acl.parse_getfacl, "posix_acls", False),
]


@pytest.mark.parametrize(("parse", "table", "gives_rows"), PARSERS)
def test_garbage_and_empty_input(parse: Any, table: str | None, gives_rows: bool) -> None:
    garbage = (FIX / "garbage" / "garbage.out").read_bytes().decode("utf-8", errors="replace")
    assert parse((FIX / "empty" / "empty.out").read_text()) == []
    rows = parse(garbage)
    assert isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
    if not gives_rows:
        assert rows == [], (table, rows[:3])
        return
    assert rows and table is not None
    decl = next(t for t in COLLECTOR.tables() if t.name == table)
    keys = [decl.key_of(decl.validate(r)) for r in rows]  # RowInvalid if a row is not valid
    assert len(keys) == len(set(keys))


def test_garbage_answers_give_valid_rows_or_not_collected() -> None:
    """Every query answering garbage: each table either gives up (NotCollected, recorded as
    coverage) or gives valid rows; the line-format tables (LINE) do give rows, so
    giving up everywhere would not pass."""
    garbage = (FIX / "garbage" / "garbage.out").read_bytes()
    plan = COLLECTOR.plan({})
    ans = {s.query.id: Answer(s.query.id, list(s.query.argv), 0, garbage, b"", 0.0)
           for s in plan.steps}
    built: dict[str, int] = {}
    gave_up: dict[str, str] = {}
    for spec in plan.specs:
        try:
            rows = spec.build(ans)
        except NotCollected as exc:
            # garbage / implausible: the declared format or plausibility check refused it
            assert exc.status in ("failed", "unsupported", "missing", "refused", "garbage",
                                  "implausible"), exc.status
            gave_up[spec.table.name] = exc.status
            continue
        keys = [spec.table.key_of(spec.table.validate(r)) for r in rows]
        assert len(keys) == len(set(keys)), spec.table.name
        built[spec.table.name] = len(rows)
    assert {t for t, n in built.items() if n} >= {"sudoers", "hosts"}, built
    # findmnt's answer is declared JSON: garbage there is "garbage", never an empty table
    # (issue 11: a garbage findmnt answer once showed as "11 filesystems removed")
    assert gave_up.get("filesystems") == "garbage", gave_up


# --- the plan itself ------------------------------------------------------------------------

def test_plan_is_consistent() -> None:
    plan = COLLECTOR.plan({"files": ["/etc", "/srv/app/"]})
    ids = [s.query.id for s in plan.steps]
    assert len(ids) == len(set(ids))
    assert {s.table.name for s in plan.specs} == {t.name for t in COLLECTOR.tables()}
    for spec in plan.specs:
        assert set(spec.optional) <= set(spec.queries) <= set(ids)
    meta = next(s.query for s in plan.steps if s.query.id == "files_meta")
    assert meta.argv[-2:] == ("/etc", "/srv/app")
    assert len(COLLECTOR.tables()) >= 25


@pytest.mark.parametrize("bad", [{"files": ["etc"]}, {"files": []}, {"file_text_max": -1}])
def test_bad_options(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        COLLECTOR.plan(bad)


def test_queries_write_nothing() -> None:
    """No redirection into a file, no tee, no temp files: read-only by construction."""
    for step in COLLECTOR.plan({}).steps:
        text = " ".join(step.query.argv)
        for target in re.findall(r"(?<![=>])>+(?!=)\s*(\S+)", text):
            assert target.startswith(("&", "/dev/null")), (step.query.id, target)
        assert not re.search(r"(^|[\s;|&(])(tee|mktemp|rm|mv|cp|touch|chmod|chown|dd|ln)\s",
                             text), step.query.id
        for word in ("-delete", "sed -i", "-fprint", "-fprintf", "-exec rm"):
            assert word not in text, (step.query.id, word)


# --- live: the whole plan on this machine ---------------------------------------------------

@pytest.mark.slow
def test_full_plan_locally() -> None:
    """The whole plan on this machine: what it has must be read. Which tables a machine can
    give depends on it (no DMI in a VM, rpm or dpkg, no `ss`): the test looks, not assumes."""
    plan = COLLECTOR.plan({"files": ["/etc"]})
    ans = asyncio.run(run_plan(plan, LocalTransport()))
    declared = {s.query.id: s.query for s in plan.steps}
    collected: set[str] = set()
    for spec in plan.specs:
        try:
            rows = spec.build(ans)
        except NotCollected as exc:
            assert exc.status in ("unsupported", "failed", "missing", "refused"), exc.reason
            assert exc.reason, spec.table.name  # a gap always says why
            continue
        collected.add(spec.table.name)
        keys = [spec.table.key_of(spec.table.validate(r)) for r in rows]
        assert len(keys) == len(set(keys)), spec.table.name
    # what any Linux machine gives, and what the tools found here give
    must = {"os", "users", "groups", "group_members", "cpu", "memory", "files", "hosts"}
    needs_tool = {"packages": ("dpkg-query", "rpm"), "listening": ("ss",),
                  "interfaces": ("ip",), "addresses": ("ip",), "routes": ("ip",)}
    must |= {t for t, tools in needs_tool.items() if any(shutil.which(x) for x in tools)}
    assert must <= collected, must - collected
    managers = [q for q, tool in (("dpkg", "dpkg-query"), ("rpm", "rpm")) if shutil.which(tool)]
    for qid in ("os", "passwd", "files_meta", "files_sha256", "files_text", *managers):
        assert ans[qid].status(declared[qid].ok_codes) == "ok", ans[qid].reason()


def test_unit_states_derived_without_systemd() -> None:
    text = "\n".join([
        "==> units <==",
        "/etc/systemd/system/sshd.service\t/lib/systemd/system/ssh.service",
        "/lib/systemd/system/ssh.service\t",
        "/lib/systemd/system/cron.service\t",
        "/lib/systemd/system/x.service\t/dev/null",
        "/lib/systemd/system/static.service\t",
        "/lib/systemd/system/getty@.service\t",
        "==> links <==",
        "/etc/systemd/system/sshd.service\t/lib/systemd/system/ssh.service",
        "/etc/systemd/system/multi-user.target.wants/ssh.service\t/lib/systemd/system/ssh.service",
        "/etc/systemd/system/getty.target.wants/getty@tty1.service\t/lib/systemd/system/getty@.service",
        "==> install <==",
        "/lib/systemd/system/ssh.service\tWantedBy=multi-user.target",
        "/lib/systemd/system/ssh.service\tAlias=sshd.service",
        "/lib/systemd/system/cron.service\tWantedBy=multi-user.target",
        "/lib/systemd/system/getty@.service\tWantedBy=getty.target",
    ])
    assert services.derive_unit_states(text) == {
        "sshd.service": "alias", "ssh.service": "enabled", "cron.service": "disabled",
        "x.service": "masked", "static.service": "static", "getty@.service": "enabled"}
