"""The access delta narrowed to the changed files rows (views/pair.py) equals the delta over
both whole trees: random changes of mode, owner, group, type, added and removed files, files
with POSIX ACL entries whose owner changes; and it is not narrowed where anything else the
view reads changed (members, ACL entries, sudoers, host name) or the files table was not read
on one side. Snapshots go through the real store (tests/synth.py) and the real row diff."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from proofshot import service
from proofshot.collectors.linux.tables import (
    FILES,
    GROUP_MEMBERS,
    OS,
    POSIX_ACLS,
    SUDOERS,
)
from proofshot.service._compare import diff
from proofshot.store.embedded import Store
from proofshot.views.access import access_delta
from proofshot.views.pair import files_only, pair_of
from tests.synth import commit

TABLES = {"files": FILES, "group_members": GROUP_MEMBERS, "sudoers": SUDOERS,
          "posix_acls": POSIX_ACLS, "os": OS}
USERS = ("alice", "bob", "carol", "root")
N = 600


def _file(i: int, rng: random.Random | None = None) -> dict[str, Any]:
    r = {"path": f"/srv/d{i // 50:02d}/f{i:04d}", "type": "dir" if i % 40 == 0 else "file",
         "mode": "0666" if i % 97 == 0 else "0664", "owner": USERS[i % 4],
         "group": "staff" if i % 3 else "root", "size": i, "sha256": f"{i:064x}",
         "link_target": None, "text": None, "mtime": 1.7e9 + i}
    if rng is not None:
        choices = {"mode": ("0600", "0777", "1777", "0640"), "owner": USERS,
                   "group": ("staff", "root", "dev"), "type": ("file", "dir", "link")}
        what = rng.choice((*choices, "size"))
        r[what] = i + 1 if what == "size" else rng.choice(choices[what])
    return FILES.validate(r)


def _acls(paths: list[str], bob_rights: str = "rwx") -> list[dict[str, Any]]:
    return [POSIX_ACLS.validate({"path": p, "entry": e, "kind": k, "name": n, "default": False,
                                 "perms": perms, "effective": perms})
            for p in paths
            for e, k, n, perms in (("user:bob", "user", "bob", bob_rights),
                                   ("group:dev", "group", "dev", "r-x"),
                                   ("mask", "mask", None, "rwx"))]


def _target(files: list[dict[str, Any]], members: list[tuple[str, str]] | None = None,
            acls: list[dict[str, Any]] | None = None, sudo: str = "%staff ALL=(ALL) ALL",
            hostname: str = "srv") -> dict[str, list[dict[str, Any]]]:
    members = members or [("staff", u) for u in USERS[:3]] + [("dev", "carol")]
    os_row = OS.validate({c.name: None for c in OS.columns} | {"id": "os", "hostname": hostname})
    return {
        "files": sorted(files, key=lambda r: r["path"]),
        "group_members": [GROUP_MEMBERS.validate({"group": g, "user": u, "via": "member"})
                          for g, u in members],
        "sudoers": [SUDOERS.validate({"file": "/etc/sudoers", "text": sudo, "n": 1,
                                      "kind": "rule", "principal": sudo.split()[0],
                                      "line": 1})],
        "posix_acls": acls if acls is not None else _acls([f"/srv/d00/f{i:04d}"
                                                           for i in range(1, 30, 7)]),
        "os": [os_row],
    }


def _before() -> dict[str, list[dict[str, Any]]]:
    return _target([_file(i) for i in range(N)])


def _after(seed: int) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    touched = set(rng.sample(range(N), 40)) | {1, 8, 15}  # 1, 8, 15 have ACL entries
    gone = set(rng.sample(range(N), 10))
    files = [_file(i, rng if i in touched else None) for i in range(N) if i not in gone]
    files += [_file(i, rng) for i in range(N, N + 12)]
    return _target(files)


def _deltas(tmp: Path, before: dict[str, Any], after: dict[str, Any]
            ) -> tuple[dict[str, Any], dict[str, Any], set[str]]:
    st = Store.create(tmp)
    commit(st, "a", {"srv": before}, tables=TABLES)
    commit(st, "b", {"srv": after}, tables=TABLES)
    ra, rb = service.snapshot(st, "a"), service.snapshot(st, "b")
    changes = diff(ra, rb).changes
    narrow = pair_of(ra, rb, changes)
    whole = pair_of(ra, rb)
    only = files_only(ra.manifest, rb.manifest, narrow.a, narrow.b)
    out = (access_delta(narrow.access_a, narrow.access_b),
           access_delta(whole.access_a, whole.access_b), only)
    st.close()
    return out


@pytest.mark.parametrize("seed", range(6))
def test_narrowed_delta_equals_the_whole_one(tmp_path: Path, seed: int) -> None:
    narrowed, whole, only = _deltas(tmp_path / "s", _before(), _after(seed))
    assert only == {"srv"}
    assert narrowed == whole
    assert whole["gained"] or whole["lost"]  # the changes reach the view


def _other_changes() -> dict[str, dict[str, Any]]:
    files = [_file(i) for i in range(N)]
    files[3] = FILES.validate(files[3] | {"mode": "0777"})
    return {
        "members": _target(files, members=[("staff", "alice"), ("dev", "bob")]),
        "acls": _target(files, acls=_acls(["/srv/d00/f0001", "/srv/d00/f0008"], "r--")),
        "sudoers": _target(files, sudo="%dev ALL=(ALL) ALL"),
        "hostname": _target(files, hostname="srv2"),
    }


@pytest.mark.parametrize("what", ["members", "acls", "sudoers", "hostname"])
def test_not_narrowed_when_more_than_files_changed(tmp_path: Path, what: str) -> None:
    narrowed, whole, only = _deltas(tmp_path / "s", _before(), _other_changes()[what])
    assert only == set()
    assert narrowed == whole and (whole["gained"] or whole["lost"])
