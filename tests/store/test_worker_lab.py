"""A site worker scanning a lab host over SSH on a schedule and committing into the central
PostgreSQL store, signed by its own enrolled key; the credentials (the SSH key) exist only on
the worker's side and never reach the database. (The worker runs in the root namespace, the
scanned host in its own; the database listens on loopback.)"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from tests.lab.lab import Lab
from tests.store.backends import Made
from tests.store.pg import PASSWORD, Cluster, pg_cluster, pg_env  # noqa: F401 - a fixture
from tests.store.test_pg_cli import run

pytestmark = pytest.mark.lab


def test_site_worker_scans_a_lab_host_on_schedule(lab: Lab, pg_cluster: Cluster,  # noqa: F811
                                                  tmp_path: Path) -> None:
    h = lab.host(1)
    url = pg_cluster.url(pg_cluster.new_db())
    owner = pg_env(tmp_path / "owner")
    assert run(owner, "init", "--store", url).returncode == 0
    scope = tmp_path / "site.yaml"
    scope.write_text(f"targets:\n  - name: web1\n    type: ssh\n    host: {h.ip}\n"
                     f"    user: audit\n    key: {lab.client_key}\n    files: [/etc/ssh]\n")
    assert run(owner, "schedule", "add", str(scope), "--customer", "Muster GmbH", "--every",
               "12h", "--site", "lab", "--label", "twice-daily", "--store", url).returncode == 0
    site = pg_env(tmp_path / "site")
    assert run(site, "worker", "--site", "lab", "--once", "--store", url).returncode == 2
    assert run(owner, "key", "trust", str(tmp_path / "site" / "workspace" / "keys" /
                                          "signing.pub"), "--store", url).returncode == 0
    done = run(site, "worker", "--site", "lab", "--once", "--store", url)
    assert done.returncode == 0, done.stderr
    shown = json.loads(run(owner, "show", "twice-daily", "--json", "--store", url).stdout)
    (target,) = shown["targets"]
    assert target["name"] == "web1" and target["status"] in ("ok", "partial")
    assert target["tables"], "the lab host was really read"
    assert run(owner, "verify", "--store", url).returncode == 0
    # the worker pinned the host key in its own workspace; the private SSH key never went in
    assert (tmp_path / "site" / "workspace" / "known_hosts").read_text().startswith(h.ip)
    secret = Path(lab.client_key).read_bytes().split(b"-----")[2].strip().splitlines()[1]
    team = Made("pg", url, owner).open()
    try:
        dump = b"".join(raw for _, raw in team.raw_objects())
    finally:
        team.close()
    with psycopg.connect(url, password=PASSWORD) as c:
        dump += b"".join(bytes(r[0]) for r in c.execute(
            "SELECT doc FROM manifests UNION ALL SELECT data FROM vals "
            "UNION ALL SELECT convert_to(scope, 'UTF8') FROM schedules").fetchall())
    assert b"web1" in dump and secret not in dump
