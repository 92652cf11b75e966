"""`proofshot snapshots` on the team store: a fixed number of statements whatever the number of
snapshots (the server's own log, log_statement = all, counts them), the same rows as the
directory store lists, and a store made before migration 4 gets its listing columns filled by
`proofshot db migrate`."""

from __future__ import annotations

import json
import time
from pathlib import Path

import psycopg

from proofshot.store.embedded import Store
from tests.store.pg import PASSWORD, Cluster, pg_cluster, pg_env  # noqa: F401 - a fixture
from tests.store.test_pg_cli import run
from tests.synth import commit, row


def _statements(cluster: Cluster) -> int:
    text = (cluster.dir / "log").read_text(errors="replace")
    return text.count("LOG:  statement:") + text.count("LOG:  execute")


def test_listing_is_two_statements_and_survives_the_migration(pg_cluster: Cluster,  # noqa: F811
                                                              tmp_path: Path) -> None:
    url = pg_cluster.url(pg_cluster.new_db())
    owner = pg_env(tmp_path / "owner")
    assert run(owner, "init", "--store", url).returncode == 0
    laptop = Store.create(tmp_path / "laptop")
    for n in range(12):
        commit(laptop, f"s{n}", {"web": {"items": [row(k) for k in range(5 + n)]},
                                 "db": {"items": [row(1)]}},
               status={"db": "unreachable"} if n % 3 == 0 else None, customer=f"c{n % 2}")
    laptop.close()
    assert run(owner, "key", "trust", str(tmp_path / "laptop" / "keys" / "signing.pub"),
               "--store", url).returncode == 0
    tech = {**owner, "PROOFSHOT_WORKSPACE": str(tmp_path / "laptop")}
    assert run(tech, "push", url, "--store", str(tmp_path / "laptop")).returncode == 0
    local = json.loads(run(owner, "snapshots", "--json", "--store",
                           str(tmp_path / "laptop")).stdout)
    db = url.rsplit("/", 1)[1]
    pg_cluster.psql(f"ALTER DATABASE {db} SET log_statement = 'all'")
    before = _statements(pg_cluster)
    listed = run(owner, "snapshots", "--json", "--store", url)
    assert listed.returncode == 0, listed.stderr
    time.sleep(0.3)  # the server's log catches up
    assert _statements(pg_cluster) - before <= 2  # schema version, then head + list
    team = json.loads(listed.stdout)
    # pushed onto the team chain (new ids): the same labels, customers and counts
    def strip(rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
        return [(r["label"], r["customer"], r["targets"], r["not_ok"]) for r in rows]
    assert strip(team) == strip(local)
    assert [r["not_ok"] for r in team][:4] == [1, 0, 0, 1]
    # a store from before migration 4: refused until migrated, then the same listing
    with psycopg.connect(url, password=PASSWORD, autocommit=True) as c:
        c.execute("ALTER TABLE manifests DROP COLUMN targets, DROP COLUMN not_ok")
        c.execute("DROP TABLE alert_deliveries, alert_events, alert_hooks, alert_checks")
        c.execute("DELETE FROM proofshot_schema WHERE version >= 4")  # 5: alerts, after it
    old = run(owner, "snapshots", "--store", url)
    assert old.returncode == 1 and "proofshot db migrate" in old.stderr
    up = run(owner, "db", "migrate", "--store", url)
    assert up.returncode == 0 and "(was 3)" in up.stdout, up.stderr
    with psycopg.connect(url, password=PASSWORD, autocommit=True) as c:
        assert c.execute("SELECT count(*) FROM manifests WHERE targets IS NULL").fetchone() == (0,)
    again = run(owner, "snapshots", "--json", "--store", url)
    assert json.loads(again.stdout) == team
