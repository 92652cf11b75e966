"""End to end on this machine, inside a mount+network namespace of the test's own (a private
copy of /etc, its own loopback): scan, scan again (noise), change things, scan, diff.

The diff must report exactly the planted changes, with correct before/after, and nothing else.
The store must hold neither the planted password nor any /etc/shadow hash.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from proofshot.collectors.linux import COLLECTOR as LINUX
from tests.e2e import sandbox
from tests.storebytes import everything as store_everything

PLANTED = "PlantedSecret-93f1c2"
SHADOW_HASH = "$6$pstest$Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg"

SCRIPT = sandbox.GUARD + r"""
# 1,200 packages more in the sandbox's own dpkg database: a table of over a thousand rows
# whatever this machine has installed (the report test reads its count, "1.2xx Zeilen")
python3 -c 'for i in range(1200): print(f"\nPackage: ps-planted-{i:04d}\nStatus: install ok \
installed\nArchitecture: all\nVersion: 1.0-{i}\nDescription: planted by the test")' \
  >> /var/lib/dpkg/status
printf 'db_host=localhost\npassword=%s\n' "$PLANTED" > /etc/proofshot-planted.conf
chmod 0644 /etc/proofshot-planted.conf
$PS init --store "$STORE" >/dev/null
scan() { $PS scan --store "$STORE" --label "$1" >"$WORK/$1.out" 2>"$WORK/$1.err" \
  || echo "scan $1 exit $?" >> "$WORK/codes"; }
scan before
sleep 2
scan idle
# the work: a user, a config line, a listening port, a file mode
useradd -M -s /usr/sbin/nologin -p "$SHADOW_HASH" pstester
sed -i 's/^#\?Port .*/Port 2222/' /etc/ssh/sshd_config
grep -q '^Port 2222' /etc/ssh/sshd_config || echo 'Port 2222' >> /etc/ssh/sshd_config
chmod 0600 /etc/issue
python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",45678)); s.listen()
time.sleep(120)' &
LISTENER=$!
for i in $(seq 50); do ss -Htln | grep -q ':45678' && break; sleep 0.1; done
scan after
kill $LISTENER
$PS diff before idle --store "$STORE" --json > "$WORK/noise.json"
$PS diff before after --store "$STORE" --json > "$WORK/diff.json"
$PS show after --store "$STORE" --json > "$WORK/show.json"
$PS verify --rederive --store "$STORE" > "$WORK/verify.out"
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("e2e")
    store = work / "store"
    sandbox.run(SCRIPT, work, env={"PLANTED": PLANTED, "SHADOW_HASH": SHADOW_HASH})
    codes = (work / "codes").read_text() if (work / "codes").exists() else ""
    return {
        "work": work, "store": store, "codes": codes,
        "diff": json.loads((work / "diff.json").read_text()),
        "noise": json.loads((work / "noise.json").read_text()),
        "show": json.loads((work / "show.json").read_text()),
        "after_id": (work / "after.out").read_text().strip().splitlines()[-1],
    }


def test_scans_complete_and_print_id_last(scenario: dict[str, Any]) -> None:
    assert scenario["codes"] == ""  # every scan exited 0
    assert len(scenario["after_id"]) == 64
    assert scenario["show"]["id"] == scenario["after_id"]
    assert scenario["show"]["label"] == "after"
    (t,) = scenario["show"]["targets"]
    assert t["status"] == "ok"
    assert {"users", "files", "listening", "packages", "os"} <= set(t["tables"])


def test_idle_machine_gives_zero_changes(scenario: dict[str, Any]) -> None:
    noise = scenario["noise"]
    assert noise["changes"] == [], noise["changes"][:5]
    # a table is unverifiable only where this machine cannot give it at all (e.g. no DMI in a
    # VM): never read in the after scan either, and never the whole target
    (after,) = scenario["show"]["targets"]
    declared = {t.name for t in LINUX.tables()}
    for u in noise["unverifiable"]:
        assert u["target"] == "localhost" and u["table"] in declared - set(after["tables"]), u


# Files that the planted changes touch (useradd keeps backups and subordinate ids).
USERADD_FILES = {
    "/etc/passwd", "/etc/passwd-", "/etc/group", "/etc/group-", "/etc/shadow", "/etc/shadow-",
    "/etc/gshadow", "/etc/gshadow-", "/etc/subuid", "/etc/subuid-", "/etc/subgid",
    "/etc/subgid-",
}


def test_diff_reports_exactly_the_planted_changes(scenario: dict[str, Any]) -> None:
    changes = scenario["diff"]["changes"]
    by_table: dict[str, list[dict[str, Any]]] = {}
    for c in changes:
        assert c["target"] == "localhost"
        by_table.setdefault(c["table"], []).append(c)

    users = by_table.pop("users")
    assert [(c["kind"], c["key"]["name"]) for c in users] == [("added", "pstester")]
    assert users[0]["after"]["password_state"] == "set"
    assert users[0]["after"]["shell"] == "/usr/sbin/nologin"

    groups = by_table.pop("groups")
    assert [(c["kind"], c["key"]["name"]) for c in groups] == [("added", "pstester")]

    members = by_table.pop("group_members")
    assert [(c["kind"], c["key"]["group"], c["key"]["user"]) for c in members] == [
        ("added", "pstester", "pstester")]

    listening = by_table.pop("listening")
    assert [(c["kind"], c["after"]["port"]) for c in listening] == [("added", 45678)]
    assert listening[0]["after"]["address"] == "127.0.0.1"

    ssh = by_table.pop("ssh_config")
    assert any(c["after"] and str(c["after"].get("value")) == "2222" for c in ssh)

    files = {c["key"]["path"]: c for c in by_table.pop("files")}
    sshd = files.pop("/etc/ssh/sshd_config")
    assert sshd["kind"] == "changed" and "sha256" in sshd["columns"]
    assert any(line == "+Port 2222" for line in sshd["diff"]["text"])
    issue = files.pop("/etc/issue")
    assert issue["columns"] == ["mode"]
    assert (issue["before"]["mode"], issue["after"]["mode"]) == ("0644", "0600")
    assert set(files) <= USERADD_FILES, f"unexpected file changes: {set(files) - USERADD_FILES}"
    assert {"/etc/passwd", "/etc/group", "/etc/shadow"} <= set(files)

    assert by_table == {}, f"changes nobody made: {list(by_table)}"


def test_unchanged_tables_are_listed_with_counts(scenario: dict[str, Any]) -> None:
    unchanged = {u["table"]: u for u in scenario["diff"]["unchanged"]}
    assert unchanged["packages"]["rows"] == sandbox.packages_in(scenario["work"]) > 0
    assert "users" not in unchanged and "files" not in unchanged


def test_no_secret_reaches_the_store(scenario: dict[str, Any]) -> None:
    store: Path = scenario["store"]
    everything = store_everything(store)
    assert PLANTED.encode() not in everything
    assert SHADOW_HASH.encode() not in everything
    assert b"pstest$" not in everything
    # The planted file is there, with its secret replaced by a keyed hash.
    files = scenario["show"]["targets"][0]["tables"]["files"]
    planted = next(r for r in files if r["path"] == "/etc/proofshot-planted.conf")
    assert "db_host=localhost" in planted["text"] and "hmac:" in planted["text"]
    # Real hashes of this machine's /etc/shadow never appear either.
    for line in Path("/etc/shadow").read_text().splitlines():
        h = line.split(":")[1] if ":" in line else ""
        if len(h) > 20:
            assert h.encode() not in everything


def test_store_verifies_and_every_table_rederives_from_its_transcript(
        scenario: dict[str, Any]) -> None:
    text = (scenario["work"] / "verify.out").read_text()
    rederived = [ln for ln in text.splitlines() if ln.startswith("re-derived")]
    assert len(rederived) == 3, text
    for ln in rederived:
        matched, total = ln.split(": ")[1].split(" ")[0].split("/")
        assert matched == total and int(total) >= 20
    assert text.splitlines()[-1].startswith("OK")
