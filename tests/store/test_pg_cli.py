"""The team store on a real PostgreSQL (started by the tests): every command takes
--store postgresql://..., the password only from PGPASSWORD, a laptop's snapshots are
accepted only once its key is enrolled, and sync into it goes through the one copy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from proofshot.store.embedded import Store
from tests.store.backends import Made
from tests.store.pg import PASSWORD, Cluster, pg_cluster, pg_env  # noqa: F401 - a fixture
from tests.synth import commit, row

ROOT = Path(__file__).resolve().parents[2]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "proofshot", *args], cwd=ROOT, text=True,
                          capture_output=True, env={**os.environ, **env}, timeout=120)


def test_laptop_syncs_into_the_team_store_once_enrolled(pg_cluster: Cluster,  # noqa: F811
                                                        tmp_path: Path) -> None:
    url = pg_cluster.url(pg_cluster.new_db())
    owner = pg_env(tmp_path / "owner")
    assert run(owner, "init", "--store", url).returncode == 0
    assert run(owner, "db", "migrate", "--store", url).stdout.strip().endswith("(up to date)")
    laptop = Store.create(tmp_path / "laptop")
    commit(laptop, "before", {"web1": {"items": [row(i) for i in range(40)]}})
    commit(laptop, "after", {"web1": {"items": [row(i) for i in range(41)]}})
    tech = {**owner, "PROOFSHOT_WORKSPACE": str(laptop.root)}
    refused = run(tech, "sync", url, "--store", str(laptop.root))
    assert refused.returncode == 2 and "enroll it first" in refused.stderr
    trust = run(owner, "key", "trust", str(laptop.root / "keys" / "signing.pub"), "--name",
                "laptop", "--store", url)
    assert trust.returncode == 0, trust.stderr
    done = run(tech, "sync", url, "--store", str(laptop.root))
    assert done.returncode == 0, done.stderr
    assert run(owner, "verify", "--store", url).returncode == 0
    diff = run(owner, "diff", "before", "after", "--json", "--store", url)
    assert diff.returncode == 0, diff.stderr
    assert [c["kind"] for c in json.loads(diff.stdout)["changes"]] == ["added"]
    # the team store backed up to a directory by its owner: the copy verifies on its own
    backup = tmp_path / "backup"
    saved = run(owner, "sync", str(backup), "--store", url)
    assert saved.returncode == 0, saved.stderr
    assert run(owner, "verify", "--store", str(backup)).returncode == 0
    listed = json.loads(run(owner, "key", "list", "--json", "--store", url).stdout)
    assert {k["name"] for k in listed} >= {"laptop", "owner"}
    # a password in the URL is refused before anything connects; none is in any argv here
    bad = run(owner, "verify", "--store", url.replace("proofshot@", f"proofshot:{PASSWORD}@"))
    assert bad.returncode == 2 and PASSWORD not in bad.stderr
    # revoked: what it signed stays valid, its next snapshot is refused
    assert run(owner, "key", "revoke", "laptop", "--store", url).returncode == 0
    assert run(owner, "verify", "--store", url).returncode == 0
    commit(laptop, "later", {"web1": {"items": [row(i) for i in range(42)]}})
    again = run(tech, "sync", url, "--store", str(laptop.root))
    assert again.returncode == 2 and "enroll it first" in again.stderr


def test_two_laptops_push_into_one_team_chain(pg_cluster: Cluster,  # noqa: F811
                                              tmp_path: Path) -> None:
    url = pg_cluster.url(pg_cluster.new_db())
    owner = pg_env(tmp_path / "owner")
    assert run(owner, "init", "--store", url).returncode == 0
    laptops = [Store.create(tmp_path / f"laptop{i}") for i in range(2)]
    for i, lap in enumerate(laptops):
        commit(lap, f"before-{i}", {f"web{i}": {"items": [row(k) for k in range(30)]}})
        commit(lap, f"after-{i}", {f"web{i}": {"items": [row(k) for k in range(31)]}})
    envs = [{**owner, "PROOFSHOT_WORKSPACE": str(lap.root)} for lap in laptops]
    refused = run(envs[0], "push", url, "--store", str(laptops[0].root))
    assert refused.returncode == 2 and "enroll it first" in refused.stderr
    for i, lap in enumerate(laptops):
        assert run(owner, "key", "trust", str(lap.root / "keys" / "signing.pub"), "--name",
                   f"tech{i}", "--store", url).returncode == 0
    procs = [subprocess.Popen([sys.executable, "-m", "proofshot", "push", url, "--store",
                               str(lap.root)], cwd=ROOT, env={**os.environ, **env}, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for lap, env in zip(laptops, envs, strict=True)]
    for p in procs:
        _, stderr = p.communicate(timeout=120)
        assert p.returncode == 0, stderr
    assert run(owner, "verify", "--store", url).returncode == 0
    listed = run(owner, "snapshots", "--store", url)
    assert listed.returncode == 0, listed.stderr
    for label in ("before-0", "after-0", "before-1", "after-1"):
        assert label in listed.stdout
    diff = run(owner, "diff", "before-1", "after-1", "--json", "--store", url)
    assert [c["kind"] for c in json.loads(diff.stdout)["changes"]] == ["added"]
    again = run(envs[0], "push", url, "--store", str(laptops[0].root))
    assert again.returncode == 0 and "0 snapshot(s) pushed, 2 already there" in again.stdout


def test_two_scans_at_once_into_the_team_store(pg_cluster: Cluster,  # noqa: F811
                                               tmp_path: Path) -> None:
    url = pg_cluster.url(pg_cluster.new_db())
    owner = pg_env(tmp_path / "owner")
    assert run(owner, "init", "--store", url).returncode == 0
    scopes = []
    for name in ("left", "right"):
        tree = tmp_path / f"tree-{name}"
        tree.mkdir()
        (tree / "a.conf").write_text(f"who={name}\n")
        scope = tmp_path / f"{name}.yaml"
        scope.write_text(f"customer: {name}\ntargets:\n  - name: {name}\n    type: local\n"
                         f"    files: [{tree}]\n")
        scopes.append(scope)
    procs = [subprocess.Popen([sys.executable, "-m", "proofshot", "scan", str(scope), "--label",
                               scope.stem, "--store", url], cwd=ROOT, text=True,
                              env={**os.environ, **owner}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for scope in scopes]
    ids = []
    for p in procs:
        out, errs = p.communicate(timeout=180)
        assert p.returncode in (0, 3), errs
        ids.append(out.split()[-1])
    listed = run(owner, "snapshots", "--store", url)
    assert "left" in listed.stdout and "right" in listed.stdout
    assert run(owner, "verify", "--store", url).returncode == 0
    team = Made("pg", url, owner).open()
    try:
        assert sorted(s.seq for s in team.snapshots()) == [1, 2]
        assert {s.id for s in team.snapshots()} == set(ids)
        assert {s.customer for s in team.snapshots()} == {"left", "right"}
    finally:
        team.close()


def test_db_migrate_brings_an_old_schema_up(pg_cluster: Cluster,  # noqa: F811
                                            tmp_path: Path) -> None:
    import psycopg

    from proofshot.store.pgbackend import MIGRATIONS

    url = pg_cluster.url(pg_cluster.new_db())
    owner = pg_env(tmp_path / "owner")
    with psycopg.connect(url, password=PASSWORD, autocommit=True) as c:  # a version-1 store
        c.execute("CREATE TABLE proofshot_schema (version integer PRIMARY KEY, "
                  "applied timestamptz NOT NULL DEFAULT now())")
        c.execute(MIGRATIONS[0])
        c.execute("INSERT INTO proofshot_schema(version) VALUES (1)")
    old = run(owner, "snapshots", "--store", url)
    assert old.returncode == 1 and "proofshot db migrate" in old.stderr
    up = run(owner, "db", "migrate", "--store", url)
    assert up.returncode == 0 and f"version {len(MIGRATIONS)} (was 1)" in up.stdout, up.stderr
    assert run(owner, "snapshots", "--store", url).returncode == 0
    assert "up to date" in run(owner, "db", "migrate", "--store", url).stdout


def test_an_unenrolled_writer_leaves_nothing_behind(pg_cluster: Cluster,  # noqa: F811
                                                    tmp_path: Path) -> None:
    import pytest

    from proofshot.model.errors import BadInput
    from proofshot.store.trust import revoke
    from proofshot.store.workspace import Workspace

    url = pg_cluster.url(pg_cluster.new_db())
    owner = pg_env(tmp_path / "owner")
    assert run(owner, "init", "--store", url).returncode == 0
    team = Made("pg", url, owner).open()
    try:
        stranger = Store(team.backend, Workspace.create(tmp_path / "stranger"))
        with pytest.raises(BadInput, match="enroll it first"):
            commit(stranger, "sneaky", {"h": {"items": [row(k) for k in range(50)]}})
        assert team.backend.list("pack") == [] and team.snapshots() == []
        with pytest.raises(BadInput, match="cannot be revoked"):
            revoke(team, "owner")
    finally:
        team.close()
