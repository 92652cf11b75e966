"""A team server on PostgreSQL, two site workers and two technicians' laptops share one store.

The cluster listens on loopback and on the lab bridge's address in the root namespace (its
pg_hba admits the lab's /24 only). Each site worker runs inside a lab host's network namespace
(`ip netns exec`): it reaches the team server over the lab network only, takes its site's
scheduled scan, reads another lab host over SSH with credentials that exist only on its side
(a key file for one, a password in its environment for the other), signs with its own enrolled
key and commits. Meanwhile two technicians push their laptops' directory stores into the same
store. Every snapshot verifies end to end, each was signed by whoever took it, an unenrolled
worker is refused, and neither SSH credential is anywhere in a dump of the database."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from proofshot.store.embedded import Store
from proofshot.store.keys import fingerprint
from tests.lab.lab import Lab
from tests.store.backends import Made
from tests.store.pg import PASSWORD, Cluster, pg_env, start_cluster
from tests.store.test_pg_cli import run
from tests.synth import commit, row

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def team_cluster(lab: Lab) -> Iterator[Cluster]:
    yield from start_cluster(listen=f"127.0.0.1,{lab.gateway}", lab_net=f"{lab.net}.0/24")


def pub_of(workspace: Path) -> str:
    return (workspace / "keys" / "signing.pub").read_text().strip()


def test_team_server_two_site_workers_two_laptops(lab: Lab, team_cluster: Cluster,
                                                   tmp_path: Path) -> None:
    db = team_cluster.new_db()
    url = team_cluster.url(db)  # the owner, on the server itself
    over_lab = team_cluster.url(db, host=lab.gateway)  # the sites, over the lab network
    owner = pg_env(tmp_path / "owner")
    assert run(owner, "init", "--store", url).returncode == 0
    # site "nord" lives in h1's namespace and reads h2 with a key file it keeps;
    # site "sued" lives in h3's namespace and reads h2 as pwuser with a password from its env
    key = tmp_path / "nord" / "id_ed25519"
    key.parent.mkdir()
    shutil.copy(lab.client_key, key)
    key.chmod(0o600)
    h1, h2, h3 = lab.host(1), lab.host(2), lab.host(3)
    sites = {
        "nord": (h1, f"  - name: web-nord\n    type: ssh\n    host: {h2.ip}\n    user: audit\n"
                     f"    key: {key}\n    files: [/etc/ssh]\n", {}),
        "sued": (h3, f"  - name: web-sued\n    type: ssh\n    host: {h2.ip}\n    user: pwuser\n"
                     "    password: env:SITE_SSH_PW\n    files: [/etc/ssh]\n",
                 {"SITE_SSH_PW": lab.pw_password}),
    }
    env: dict[str, dict[str, str]] = {}
    for site, (_ns, targets, extra) in sites.items():
        scope = tmp_path / f"{site}.yaml"
        scope.write_text(f"targets:\n{targets}")
        added = run(owner, "schedule", "add", str(scope), "--customer", f"Kunde {site}",
                    "--every", "1d", "--site", site, "--label", f"daily-{site}", "--store", url)
        assert added.returncode == 0, added.stderr
        env[site] = {**pg_env(tmp_path / site), **extra}

    def worker(site: str, store: str = over_lab) -> subprocess.Popen[str]:
        host = sites[site][0]
        return subprocess.Popen(
            ["ip", "netns", "exec", host.netns, sys.executable, "-m", "proofshot", "worker",
             "--site", site, "--once", "--store", store],
            env={**os.environ, **env[site]}, text=True, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)

    # inside its namespace a worker has its own loopback: the server is not there
    lonely = worker("nord", url)
    _, err = lonely.communicate(timeout=120)
    assert lonely.returncode == 1 and "127.0.0.1" in err, err
    # not enrolled yet: both refused, nothing taken (they reach the server over the lab network)
    refused = {site: worker(site) for site in sites}
    for site, proc in refused.items():
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 2 and "not enrolled" in err, f"{site}: {err}"
    laptops = {}
    for tech in ("anna", "ben"):
        laptops[tech] = tmp_path / tech
        Store.create(laptops[tech]).close()
    for ws in [tmp_path / s / "workspace" for s in sites] + list(laptops.values()):
        trusted = run(owner, "key", "trust", str(ws / "keys" / "signing.pub"), "--store", url)
        assert trusted.returncode == 0, trusted.stderr
    # both sites work while both technicians push their laptops into the same chain
    workers = {site: worker(site) for site in sites}
    for i, (tech, lt) in enumerate(laptops.items()):
        st = Store.open(lt)
        commit(st, f"{tech}-before", {f"srv-{tech}": {"items": [row(k) for k in range(20 + i)]}})
        commit(st, f"{tech}-after", {f"srv-{tech}": {"items": [row(k) for k in range(21 + i)]}})
        st.close()
        pushed = run({"PGPASSWORD": PASSWORD}, "push", url, "--store", str(lt))
        assert pushed.returncode == 0, pushed.stderr
    for site, proc in workers.items():
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{site}: {err}"
    # every snapshot verifies end to end, each signed by whoever took it
    verified = run(owner, "verify", "--store", url)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    team = Made("pg", url, owner).open()
    try:
        signed = {s.label: team.manifest(s.id)["key"] for s in team.snapshots()}
        dump = b"".join(raw for _, raw in team.raw_objects())
    finally:
        team.close()
    assert signed == {
        "daily-nord": fingerprint(pub_of(tmp_path / "nord" / "workspace")),
        "daily-sued": fingerprint(pub_of(tmp_path / "sued" / "workspace")),
        "anna-before": fingerprint(pub_of(laptops["anna"])),
        "anna-after": fingerprint(pub_of(laptops["anna"])),
        "ben-before": fingerprint(pub_of(laptops["ben"])),
        "ben-after": fingerprint(pub_of(laptops["ben"])),
    }
    for site in sites:
        shown = json.loads(run(owner, "show", f"daily-{site}", "--json", "--store", url).stdout)
        (target,) = shown["targets"]
        assert target["name"] == f"web-{site}" and target["status"] in ("ok", "partial")
        assert target["tables"], f"{site}: the lab host was really read"
        # the worker pinned h2's host key in its own workspace
        assert (tmp_path / site / "workspace" / "known_hosts").read_text().startswith(h2.ip)
    # the SSH credentials stayed with the workers: not in the objects, nor in a dump
    key_line = key.read_bytes().split(b"-----")[2].strip().splitlines()[1]
    password = lab.pw_password.encode()
    dumped = subprocess.run(["runuser", "-u", "postgres", "--", str(team_cluster.bindir /
                             "pg_dump"), "-h", str(team_cluster.dir), "-p",
                             str(team_cluster.port), db], capture_output=True, check=True).stdout
    assert b"web-nord" in dump and b"COPY" in dumped
    for secret in (key_line, password):
        assert secret not in dump and secret not in dumped and secret.hex().encode() not in dumped
