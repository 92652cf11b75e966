"""POSIX ACLs end to end with real setfacl, inside a mount+network namespace of the test's own (a
private copy of /etc for the test's users and groups): scan, scan again (noise), grant one user
rwx on a directory, remove a group's entry from another and add NOPASSWD to a sudo rule, scan,
diff (the sudo grant changed once, never lost and gained).

The table diff must show exactly those posix_acls rows (and the two directories' mode, whose
group bits are the ACL mask), the access delta the gained and lost rights with their entries,
and every table must re-derive from its stored transcript.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import sandbox

SCRIPT = sandbox.GUARD + r"""
groupadd psdev
for u in psalice psbob pscarol; do useradd -M -s /usr/sbin/nologin "$u"; done
usermod -a -G psdev psbob
usermod -a -G psdev pscarol
SRV="$WORK/srv"
mkdir -p "$SRV/data" "$SRV/shared" "$SRV/inherit"
chmod 0755 "$SRV" "$SRV/data" "$SRV/shared" "$SRV/inherit"
setfacl -m g:psdev:rwx,u:pscarol:r-x "$SRV/shared"
setfacl -d -m u:psbob:rwx "$SRV/inherit"
mkdir -p /etc/sudoers.d
echo 'psalice ALL=(ALL) ALL' > /etc/sudoers.d/ps-e2e
printf 'targets:\n  - {name: box, type: local, files: ["%s"]}\n' "$SRV" > "$WORK/scope.yaml"
$PS init --store "$STORE" >/dev/null
scan() { $PS scan "$WORK/scope.yaml" --store "$STORE" --label "$1" >"$WORK/$1.out" \
  2>"$WORK/$1.err" || echo "scan $1 exit $?" >> "$WORK/codes"; }
scan before
scan idle
# the work
setfacl -m u:psalice:rwx "$SRV/data"
setfacl -x g:psdev "$SRV/shared"
echo 'psalice ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/ps-e2e
scan after
getfacl -p "$SRV/data" "$SRV/shared" > "$WORK/getfacl.after"
$PS diff before idle --store "$STORE" --json > "$WORK/noise.json"
$PS diff before after --store "$STORE" --json > "$WORK/diff.json"
COLUMNS=400 $PS diff before after --store "$STORE" > "$WORK/diff.txt"
$PS verify --rederive --store "$STORE" > "$WORK/verify.out"
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("acl-e2e")
    sandbox.run(SCRIPT, work, needs=("groupadd", "setfacl", "getfacl"))
    return {
        "work": work, "srv": str(work / "srv"),
        "codes": (work / "codes").read_text() if (work / "codes").exists() else "",
        "noise": json.loads((work / "noise.json").read_text()),
        "diff": json.loads((work / "diff.json").read_text()),
        "text": (work / "diff.txt").read_text(),
    }


def test_scans_complete_and_noise_is_zero(scenario: dict[str, Any]) -> None:
    assert scenario["codes"] == ""
    assert scenario["noise"]["changes"] == []
    assert scenario["noise"]["access"]["gained"] == scenario["noise"]["access"]["lost"] == []
    unchanged = {u["table"]: u["rows"] for u in scenario["noise"]["unchanged"]}
    # shared: group:psdev, user:pscarol, group, mask; inherit: default:user, default:user:psbob,
    # default:group, default:mask, default:other
    assert unchanged["posix_acls"] == 9


def test_diff_shows_exactly_the_acl_changes(scenario: dict[str, Any]) -> None:
    srv = scenario["srv"]
    acl: dict[tuple[str, str, str], dict[str, Any]] = {}
    other: list[tuple[str, str, str]] = []
    for c in scenario["diff"]["changes"]:
        assert c["target"] == "box"
        if c["table"] == "posix_acls":
            acl[(c["kind"], c["key"]["path"], c["key"]["entry"])] = c
        else:
            other.append((c["table"], c["kind"], c["key"].get("path", "")))
    assert set(acl) == {
        ("added", f"{srv}/data", "user:psalice"), ("added", f"{srv}/data", "group"),
        ("added", f"{srv}/data", "mask"),
        ("removed", f"{srv}/shared", "group:psdev"),
        ("changed", f"{srv}/shared", "mask"),  # setfacl -x recalculates the mask
    }
    alice = acl[("added", f"{srv}/data", "user:psalice")]["after"]
    assert (alice["perms"], alice["effective"], alice["default"]) == ("rwx", "rwx", False)
    mask = acl[("changed", f"{srv}/shared", "mask")]
    assert (mask["before"]["perms"], mask["after"]["perms"]) == ("rwx", "r-x")
    # the mode's group bits are the mask: 0755 -> 0775 and back; nothing else changed
    assert sorted(other) == [("files", "changed", f"{srv}/data"),
                             ("files", "changed", f"{srv}/shared"),
                             ("sudoers", "added", ""), ("sudoers", "removed", "")]
    modes = {c["key"]["path"]: (c["before"]["mode"], c["after"]["mode"])
             for c in scenario["diff"]["changes"] if c["table"] == "files"}
    assert modes == {f"{srv}/data": ("0755", "0775"), f"{srv}/shared": ("0775", "0755")}


def test_access_delta_shows_gained_and_lost_rights(scenario: dict[str, Any]) -> None:
    srv = scenario["srv"]
    acc = scenario["diff"]["access"]
    assert acc["unverifiable"] == []
    assert acc["gained"] == [{"principal": "box\\psalice", "resource": f"box:{srv}/data",
                              "rights": ["execute", "read", "write"],
                              "via": ["box\\psalice", "POSIX ACL user:psalice:rwx"],
                              "target": "box"}]
    # bob lost what psdev gave him; carol's own entry shadows the group, so she loses nothing
    assert acc["lost"] == [{"principal": "box\\psbob", "resource": f"box:{srv}/shared",
                            "rights": ["execute", "read", "write"],
                            "via": ["box\\psbob", "box\\psdev", "POSIX ACL group:psdev:rwx"],
                            "target": "box"}]
    # psalice's sudo rule gained NOPASSWD: the same grant, changed, neither lost nor gained
    rule = "sudoers /etc/sudoers.d/ps-e2e: psalice ALL=(ALL)"
    assert acc["changed"] == [{"principal": "box\\psalice", "resource": "box:sudo",
                               "rights": ["sudo"], "via": ["box\\psalice", f"{rule} NOPASSWD: ALL"],
                               "target": "box", "via_before": ["box\\psalice", f"{rule} ALL"],
                               "change": {"condition": "password", "before": "required",
                                          "after": "not-required"}}]
    text = scenario["text"]
    assert f"~ box\\psalice changed sudo on box:sudo via {rule} NOPASSWD: ALL: password " \
           "required -> no password" in text
    assert f"box\\psalice gained execute, read, write on box:{srv}/data via POSIX ACL " \
           "user:psalice:rwx" in text
    assert f"box\\psbob lost execute, read, write on box:{srv}/shared via box\\psdev -> " \
           "POSIX ACL group:psdev:rwx" in text


def test_every_table_rederives(scenario: dict[str, Any]) -> None:
    text = (Path(scenario["work"]) / "verify.out").read_text()
    rederived = [ln for ln in text.splitlines() if ln.startswith("re-derived")]
    assert len(rederived) == 3, text
    for ln in rederived:
        matched, total = ln.split(": ")[1].split(" ")[0].split("/")
        assert matched == total and int(total) >= 20, ln
    assert text.splitlines()[-1].startswith("OK")
