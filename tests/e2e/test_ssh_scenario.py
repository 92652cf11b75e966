"""The consultant scenario over SSH, end to end, against three real hosts of the lab.

`proofshot scan` (the CLI, in a subprocess, with its own store) reads three lab hosts as `audit`
with sudo ("before"), again with nothing done (noise), then after planted work inside the hosts
("after"). The diff must report each planted change on the right host with correct before and
after, and nothing else. Then: a host that is down is unverifiable (never "removed"); a host whose
key changed is stopped until the new key is accepted explicitly, and the diff shows the key
change; a scan leaves the targets' files untouched; a password from the environment never reaches
the store or the output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.lab import Host, Lab
from tests.storebytes import everything as store_everything

pytestmark = pytest.mark.lab

NAMES = ("h1", "h2", "h3")
NEW_USER = "psnew"
HTTP_PORT = 48765
NFT_TABLE = "pstest"
# planted by prepare() before the first scan, not taken from the machine's defaults
CRON_FILE = "/etc/cron.d/ps-e2e"
MODE_FILE = "/etc/ps-e2e-mode.conf"
PRIVATE_DIR = "/etc/ps-e2e-private"  # mode 0700, root's: listed only with sudo
SSHD_DEFAULT = "#MaxAuthTries 6"  # the commented default the work then sets
PW_ENV = "PSLAB_PW"
READONLY_TREES = ("/etc", "/tmp", "/home/audit")


class Scenario:
    def __init__(self, lab: Lab, work: Path) -> None:
        self.lab = lab
        self.work = work
        self.store = work / "store"
        self.scope = work / "scope.yaml"
        self.env = {**os.environ, PW_ENV: lab.pw_password, "COLUMNS": "200"}
        self.env.pop("PROOFSHOT_STORE", None)
        self.results: dict[str, Any] = {}
        hosts = [lab.host(i + 1) for i in range(3)]
        self.hosts = dict(zip(NAMES, hosts, strict=True))
        lines = ["customer: proofshot lab", "defaults: {timeout: 60}", "targets:"]
        for name, h in self.hosts.items():
            lines += [f"  - name: {name}", "    type: ssh", f"    host: {h.ip}",
                      "    user: audit", f"    key: {lab.client_key}", "    sudo: true"]
        self.scope.write_text("\n".join(lines) + "\n")
        pw_scope = work / "pw-scope.yaml"
        pw_scope.write_text(
            "targets:\n"
            f"  - {{name: h1-pw, type: ssh, host: {self.hosts['h1'].ip}, user: pwuser, "
            f"password: 'env:{PW_ENV}'}}\n")
        self.pw_scope = pw_scope

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "proofshot", *args, "--store",
                               str(self.store)], env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def scan(self, label: str, *extra: str, scope: Path | None = None
             ) -> subprocess.CompletedProcess[str]:
        start = time.monotonic()
        proc = self.cli("scan", str(scope or self.scope), "--label", label, *extra)
        assert proc.returncode in (0, 3), f"scan {label}: exit {proc.returncode}: {proc.stderr}"
        assert len(proc.stdout.strip().splitlines()[-1]) == 64, proc.stdout
        self.results[f"scan:{label}"] = proc
        self.results[f"time:{label}"] = time.monotonic() - start
        return proc

    def diff(self, a: str, b: str) -> dict[str, Any]:
        proc = self.cli("diff", a, b, "--json")
        assert proc.returncode == 0, proc.stderr
        (self.work / f"diff-{a}-{b}.json").write_text(proc.stdout)  # kept for a failing run
        out: dict[str, Any] = json.loads(proc.stdout)
        return out

    def show(self, ref: str) -> dict[str, Any]:
        proc = self.cli("show", ref, "--json")
        assert proc.returncode == 0, proc.stderr
        out: dict[str, Any] = json.loads(proc.stdout)
        return out


def tree_state(h: Host) -> dict[str, tuple[str, str]]:
    """path -> (mtime, ctime) of every file and directory under the read-only trees."""
    out = h.exec(["find", *READONLY_TREES, "-xdev", "-printf", r"%p\0%T@\0%C@\0"],
                 check=True).stdout.decode()
    parts = out.split("\0")[:-1]
    return {parts[i]: (parts[i + 1], parts[i + 2]) for i in range(0, len(parts), 3)}


def prepare(sc: Scenario, undo: list[Callable[[], object]]) -> None:
    """What the scenario relies on, planted before the first scan instead of assumed from the
    host's Debian defaults (e2fsprogs' cron file, /etc/issue.net, the commented MaxAuthTries in
    sshd_config, a group named sudo, a root-only directory under /etc)."""
    h1, h2, h3 = (sc.hosts[n] for n in NAMES)
    if h1.exec(["getent", "group", "sudo"]).returncode != 0:  # elsewhere it may be `wheel`
        h1.exec(["groupadd", "sudo"], check=True)
        undo.append(lambda: h1.exec(["groupdel", "sudo"]))
    h1.exec(["install", "-d", "-m", "0700", PRIVATE_DIR], check=True)
    undo.append(lambda: h1.exec(["rm", "-rf", PRIVATE_DIR]))
    h1.write_file(f"{PRIVATE_DIR}/app.conf", "x=1\n", 0o600)
    sshd = h2.exec(["cat", "/etc/ssh/sshd_config"], check=True).stdout.decode()
    if f"\n{SSHD_DEFAULT}\n" not in sshd:
        h2.write_file("/etc/ssh/sshd_config", sshd.rstrip("\n") + f"\n{SSHD_DEFAULT}\n")
        undo.append(lambda: h2.write_file("/etc/ssh/sshd_config", sshd))
    h3.write_file(MODE_FILE, "planted by tests/e2e\n", 0o644)
    undo.append(lambda: h3.exec(["rm", "-f", MODE_FILE]))
    h3.write_file(CRON_FILE, "30 3 * * 0 root /bin/true ps-e2e\n", 0o644)
    undo.append(lambda: h3.exec(["rm", "-f", CRON_FILE]))


def do_work(sc: Scenario, undo: list[Callable[[], object]]) -> dict[str, Any]:
    """The planted work, spread over the three hosts; `undo` collects how to revert it."""
    h1, h2, h3 = (sc.hosts[n] for n in NAMES)
    planted: dict[str, Any] = {}

    # h1: a new user in the sudo group; one digit of an address in /etc/hosts
    h1.exec(["useradd", "-M", "-s", "/bin/bash", NEW_USER], check=True)
    undo.append(lambda: h1.exec(["userdel", NEW_USER]))
    h1.exec(["usermod", "-aG", "sudo", NEW_USER], check=True)
    hosts_before = h1.exec(["cat", "/etc/hosts"], check=True).stdout.decode()
    old_ip = h2.ip
    new_ip = old_ip[:-1] + str((int(old_ip[-1]) + 5) % 10)
    assert f"{old_ip}\t{h2.name}\n" in hosts_before
    h1.write_file("/etc/hosts", hosts_before.replace(f"{old_ip}\t", f"{new_ip}\t"))
    undo.append(lambda: h1.write_file("/etc/hosts", hosts_before))
    planted["hosts"] = (old_ip, new_ip, h2.name)

    # h2: a setting in sshd_config; a new listening service on the host's address
    sshd_before = h2.exec(["cat", "/etc/ssh/sshd_config"], check=True).stdout.decode()
    assert f"\n{SSHD_DEFAULT}\n" in sshd_before
    h2.write_file("/etc/ssh/sshd_config",
                  sshd_before.replace(f"\n{SSHD_DEFAULT}\n", "\nMaxAuthTries 3\n"))
    undo.append(lambda: h2.write_file("/etc/ssh/sshd_config", sshd_before))
    pid = h2.sh(f"cd / && setsid python3 -m http.server {HTTP_PORT} --bind {h2.ip} "
                "</dev/null >/dev/null 2>&1 & echo $!", check=True).stdout.decode().strip()
    undo.append(lambda: h2.exec(["kill", pid]))
    for _ in range(100):
        if f"{h2.ip}:{HTTP_PORT}".encode() in h2.exec(["ss", "-Htln"]).stdout:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the planted listener did not come up")

    # h3: an nftables rule; a file's mode; a cron job removed
    h3.exec(["nft", "-f", "-"], check=True, input=(
        f"add table inet {NFT_TABLE}\n"
        f"add chain inet {NFT_TABLE} input {{ type filter hook input priority 0; "
        "policy accept; }\n"
        f"add rule inet {NFT_TABLE} input tcp dport 9999 drop\n").encode())
    undo.append(lambda: h3.exec(["nft", "delete", "table", "inet", NFT_TABLE]))
    h3.exec(["chmod", "0600", MODE_FILE], check=True)
    undo.append(lambda: h3.exec(["chmod", "0644", MODE_FILE]))
    cron_text = h3.exec(["cat", CRON_FILE], check=True).stdout
    h3.exec(["rm", CRON_FILE], check=True)
    undo.append(lambda: h3.write_file(CRON_FILE, cron_text, 0o644))
    planted["cron_text"] = cron_text.decode()
    return planted


@pytest.fixture(scope="module")
def scenario(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    sc = Scenario(lab, tmp_path_factory.mktemp("ssh-e2e"))
    r = sc.results
    undo: list[Callable[[], object]] = []
    try:
        for h in sc.hosts.values():
            h.start()
        prepare(sc, undo)
        # the password target first: its own scope, same store
        r["pw"] = sc.scan("pw", scope=sc.pw_scope)

        states = {n: tree_state(h) for n, h in sc.hosts.items()}
        sc.scan("before")
        time.sleep(1)
        sc.scan("idle")
        r["readonly"] = (states, {n: tree_state(h) for n, h in sc.hosts.items()})
        r["noise"] = sc.diff("before", "idle")

        r["planted"] = do_work(sc, undo)
        sc.scan("after")
        r["diff"] = sc.diff("before", "after")
        r["show_after"] = sc.show("after")

        # h1 goes down: unverifiable, nothing of it removed
        sc.hosts["h1"].stop()
        try:
            sc.scan("down")
        finally:
            sc.hosts["h1"].start()
        r["down_diff"] = sc.diff("after", "down")
        r["show_down"] = sc.show("down")

        # h3 gets new host keys: stopped, then accepted explicitly
        h3 = sc.hosts["h3"]
        r["old_key"] = h3.exec(["ssh-keygen", "-lf", "/etc/ssh/ssh_host_ed25519_key.pub"]
                               ).stdout.split()[1].decode()
        h3.regenerate_host_keys()
        r["new_key"] = h3.exec(["ssh-keygen", "-lf", "/etc/ssh/ssh_host_ed25519_key.pub"]
                               ).stdout.split()[1].decode()
        sc.scan("key-changed")
        r["show_key_changed"] = sc.show("key-changed")
        r["key_changed_diff"] = sc.diff("after", "key-changed")
        sc.scan("key-accepted", "--accept-host-key", "h3")
        sc.scan("key-pinned")
        r["key_diff"] = sc.diff("after", "key-accepted")
        r["key_idle_diff"] = sc.diff("key-accepted", "key-pinned")
        r["show_key_accepted"] = sc.show("key-accepted")
        r["verify"] = sc.cli("verify")
    finally:
        for fn in reversed(undo):
            fn()
    return sc


def changes_of(diff: dict[str, Any], target: str) -> dict[str, list[dict[str, Any]]]:
    by_table: dict[str, list[dict[str, Any]]] = {}
    for c in diff["changes"]:
        if c["target"] == target:
            by_table.setdefault(c["table"], []).append(c)
    return by_table


def test_scans_exit_codes_and_status_table(scenario: Scenario) -> None:
    r = scenario.results
    for label in ("before", "idle", "after", "key-accepted", "key-pinned"):
        assert r[f"scan:{label}"].returncode == 0, (label, r[f"scan:{label}"].stderr)
    for label in ("down", "key-changed"):
        assert r[f"scan:{label}"].returncode == 3, label
    err = r["scan:key-changed"].stderr
    for name in NAMES:
        assert name in err
    assert "host-key-changed" in err and "ok" in err  # the final table of targets
    t = {x["name"]: x for x in r["show_after"]["targets"]}
    assert {n: t[n]["status"] for n in NAMES} == dict.fromkeys(NAMES, "ok")
    assert {"users", "files", "listening", "packages", "firewall_rules", "cron"} <= set(
        t["h1"]["tables"])
    # a root-only directory under /etc is read (with sudo)
    assert f"{PRIVATE_DIR}/app.conf" in {f["path"] for f in t["h1"]["tables"]["files"]}


def test_idle_lab_gives_zero_changes(scenario: Scenario) -> None:
    noise = scenario.results["noise"]
    assert noise["changes"] == [], noise["changes"][:5]
    assert noise["unverifiable"] == []


def test_scan_changes_nothing_on_the_targets(scenario: Scenario) -> None:
    before, after = scenario.results["readonly"]
    for name in NAMES:
        a, b = before[name], after[name]
        assert set(a) == set(b), (name, set(a) ^ set(b))
        changed = {p for p in a if a[p] != b[p]}
        assert not changed, (name, sorted(changed)[:10])
        assert any(p.startswith("/home/audit/.ssh") for p in a)


# Files that useradd/usermod write (with their backups) besides the planted ones.
USERADD_FILES = {
    "/etc/passwd", "/etc/passwd-", "/etc/group", "/etc/group-", "/etc/shadow", "/etc/shadow-",
    "/etc/gshadow", "/etc/gshadow-", "/etc/subuid", "/etc/subuid-", "/etc/subgid",
    "/etc/subgid-",
}


def test_h1_user_in_sudo_group_and_hosts_digit(scenario: Scenario) -> None:
    got = changes_of(scenario.results["diff"], "h1")
    users = got.pop("users")
    assert [(c["kind"], c["key"]["name"]) for c in users] == [("added", NEW_USER)]
    assert users[0]["after"]["shell"] == "/bin/bash"
    groups = {c["key"]["name"]: c for c in got.pop("groups")}
    assert groups.pop(NEW_USER)["kind"] == "added"
    sudo = groups.pop("sudo")
    assert (sudo["kind"], sudo["columns"]) == ("changed", ["members"])
    assert NEW_USER not in sudo["before"]["members"]
    assert sudo["after"]["members"] == [*sudo["before"]["members"], NEW_USER]
    assert groups == {}
    members = got.pop("group_members")
    assert sorted((c["kind"], c["key"]["group"], c["key"]["user"]) for c in members) == [
        ("added", NEW_USER, NEW_USER), ("added", "sudo", NEW_USER)]

    old_ip, new_ip, name = scenario.results["planted"]["hosts"]
    hosts = got.pop("hosts")
    seen = {(c["kind"], json.dumps(c["before"], sort_keys=True), json.dumps(c["after"],
                                                                              sort_keys=True))
            for c in hosts}
    befores = [c["before"] for c in hosts if c["before"]]
    afters = [c["after"] for c in hosts if c["after"]]
    assert [(b["address"], b["name"]) for b in befores] == [(old_ip, name)], seen
    assert [(a["address"], a["name"]) for a in afters] == [(new_ip, name)], seen

    files = {c["key"]["path"]: c for c in got.pop("files")}
    etc_hosts = files.pop("/etc/hosts")
    assert etc_hosts["kind"] == "changed"
    assert f"-{old_ip}\t{name}" in etc_hosts["diff"]["text"]
    assert f"+{new_ip}\t{name}" in etc_hosts["diff"]["text"]
    assert set(files) <= USERADD_FILES, set(files) - USERADD_FILES
    assert {"/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow"} <= set(files)
    assert got == {}, f"changes nobody made on h1: {got}"


def test_h2_sshd_setting_and_listener(scenario: Scenario) -> None:
    got = changes_of(scenario.results["diff"], "h2")
    listening = got.pop("listening")
    assert [(c["kind"], c["key"]["address"], c["key"]["port"]) for c in listening] == [
        ("added", scenario.hosts["h2"].ip, HTTP_PORT)]
    ssh = got.pop("ssh_config")
    assert ssh and all("maxauthtries" in json.dumps(c).lower() for c in ssh), ssh
    assert any(c["after"] and str(c["after"].get("value")) == "3" for c in ssh)
    assert any(c["kind"] == "changed" and str(c["before"].get("value")) == "6"
               and str(c["after"].get("value")) == "3" for c in ssh), ssh
    files = {c["key"]["path"]: c for c in got.pop("files")}
    sshd = files.pop("/etc/ssh/sshd_config")
    assert sshd["kind"] == "changed" and "sha256" in sshd["columns"]
    assert "+MaxAuthTries 3" in sshd["diff"]["text"] and "-#MaxAuthTries 6" in sshd["diff"]["text"]
    assert files == {}
    assert got == {}, f"changes nobody made on h2: {got}"


def test_h3_nft_rule_mode_and_cron(scenario: Scenario) -> None:
    got = changes_of(scenario.results["diff"], "h3")
    fw = got.pop("firewall_rules")
    assert fw and all(c["kind"] == "added" for c in fw)
    assert all(NFT_TABLE in json.dumps(c["after"]) for c in fw)
    assert any("dport 9999 drop" in json.dumps(c["after"]) for c in fw), fw
    files = {c["key"]["path"]: c for c in got.pop("files")}
    mode = files.pop(MODE_FILE)
    assert mode["kind"] == "changed" and "mode" in mode["columns"]
    assert (mode["before"]["mode"], mode["after"]["mode"]) == ("0644", "0600")
    assert mode["before"]["sha256"] == mode["after"]["sha256"]
    cron_file = files.pop(CRON_FILE)
    assert cron_file["kind"] == "removed" and cron_file["before"]["type"] == "file"
    assert files == {}
    cron = got.pop("cron")
    assert cron and all(c["kind"] == "removed" for c in cron)
    assert all(CRON_FILE in json.dumps(c["before"]) for c in cron)
    assert any("/bin/true ps-e2e" in json.dumps(c["before"]) and "root" in json.dumps(c["before"])
               for c in cron)
    assert got == {}, f"changes nobody made on h3: {got}"


def test_diff_has_nothing_else(scenario: Scenario) -> None:
    diff = scenario.results["diff"]
    assert {c["target"] for c in diff["changes"]} == set(NAMES)
    assert diff["unverifiable"] == []


def test_host_down_is_unverifiable_not_removed(scenario: Scenario) -> None:
    r = scenario.results
    diff = r["down_diff"]
    assert not [c for c in diff["changes"] if c["target"] == "h1"]
    assert [c for c in diff["changes"] if c["kind"] == "removed"] == []
    (u,) = [u for u in diff["unverifiable"] if u["target"] == "h1"]
    assert u["table"] is None and "unreachable" in u["reason"]
    assert [u for u in diff["unverifiable"] if u["target"] != "h1"] == []
    t = {x["name"]: x for x in r["show_down"]["targets"]}
    assert t["h1"]["status"] == "unreachable"
    assert t["h2"]["status"] == t["h3"]["status"] == "ok"
    assert "unreachable" in r["scan:down"].stderr


def test_host_key_change_stops_then_is_accepted(scenario: Scenario) -> None:
    r = scenario.results
    assert r["old_key"] != r["new_key"]
    t = {x["name"]: x for x in r["show_key_changed"]["targets"]}
    assert t["h3"]["status"] == "host-key-changed" and t["h3"]["tables"] == {}
    assert t["h1"]["status"] == t["h2"]["status"] == "ok"
    (u,) = r["key_changed_diff"]["unverifiable"]
    assert (u["target"], u["table"]) == ("h3", None) and "host key changed" in u["reason"]
    assert not [c for c in r["key_changed_diff"]["changes"] if c["target"] == "h3"]

    got = changes_of(r["key_diff"], "h3")
    facts = {c["key"]["fact"]: c for c in got.pop("target_facts")}
    key = facts.pop("host_key")
    assert (key["before"]["value"], key["after"]["value"]) == (r["old_key"], r["new_key"])
    assert facts == {}  # host_key_replaced is about the scan, not the host: not compared
    files = {c["key"]["path"] for c in got.pop("files")}
    assert files and all(p.startswith("/etc/ssh/ssh_host_") for p in files), files
    assert got == {}, got
    assert r["key_diff"]["unverifiable"] == []
    shown = {t["name"]: t for t in r["show_key_accepted"]["targets"]}
    assert shown["h3"]["status"] == "ok"
    # the next scan with the new pin: nothing changed
    assert r["key_idle_diff"]["changes"] == [] and r["key_idle_diff"]["unverifiable"] == []
    assert r["verify"].returncode == 0, r["verify"].stdout + r["verify"].stderr


def test_password_never_reaches_store_or_output(scenario: Scenario) -> None:
    secret = scenario.lab.pw_password
    pw = scenario.results["pw"]
    show = scenario.show("pw")
    (t,) = show["targets"]
    assert t["name"] == "h1-pw" and t["status"] in ("ok", "partial")
    assert any(u["name"] == "pwuser" for u in t["tables"]["users"])  # logged in with it
    for label in ("pw", "before", "after", "key-accepted"):
        proc = scenario.results[f"scan:{label}"]
        assert secret not in proc.stdout and secret not in proc.stderr
    assert secret not in pw.stdout + pw.stderr
    store = scenario.store
    everything = store_everything(store)
    assert secret.encode() not in everything
    assert f"env:{PW_ENV}".encode() in everything  # the reference is kept, not the value
