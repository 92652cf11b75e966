"""`latest`, `previous` and `label~N` through the CLI for a technician whose PostgreSQL role is
limited to customer A (`proofshot db grant`): they resolve among A's snapshots only. The team
store holds A1, B1, A2, B2 (all labelled "nightly", B's newer): for the limited role `latest`
is A2, `previous` A1 and `nightly~1` A1; the owner's role gets B2, A2 and A2."""

from __future__ import annotations

import json
from pathlib import Path

from proofshot.store.embedded import Store
from tests.store.pg import Cluster, pg_cluster, pg_env  # noqa: F401 - a fixture
from tests.store.test_pg_cli import run
from tests.synth import commit, row


def test_limited_technician_resolves_latest_and_previous_in_their_customers_only(
        pg_cluster: Cluster, tmp_path: Path) -> None:  # noqa: F811
    url = pg_cluster.url(pg_cluster.new_db())
    owner = pg_env(tmp_path / "owner")
    assert run(owner, "init", "--store", url).returncode == 0
    laptop = Store.create(tmp_path / "laptop")
    for cust, n in (("A", 20), ("B", 30), ("A", 21), ("B", 31)):
        commit(laptop, "nightly", {f"srv-{cust}": {"items": [row(k) for k in range(n)]}},
               customer=cust)
    laptop.close()
    assert run(owner, "key", "trust", str(tmp_path / "laptop" / "keys" / "signing.pub"),
               "--store", url).returncode == 0
    tech = {**owner, "PROOFSHOT_WORKSPACE": str(tmp_path / "laptop")}
    assert run(tech, "push", url, "--store", str(tmp_path / "laptop")).returncode == 0
    team = json.loads(run(owner, "snapshots", "--json", "--store", url).stdout)
    assert [s["customer"] for s in team] == ["A", "B", "A", "B"]  # pushed onto the team chain
    ids = dict(zip(("a1", "b1", "a2", "b2"), (s["id"] for s in team), strict=True))
    role = f"tech_{tmp_path.name[-6:].lower()}".replace("-", "_")  # roles are cluster-wide
    pg_cluster.psql(f"CREATE ROLE {role} LOGIN PASSWORD 'tech-a-pw'")
    assert run(owner, "db", "grant", role, "--customer", "A", "--store", url).returncode == 0
    as_a = {**pg_env(tmp_path / "tech-a"), "PGPASSWORD": "tech-a-pw"}
    url_a = url.replace("proofshot@", f"{role}@")

    def show(env: dict[str, str], where: str, ref: str) -> str:
        done = run(env, "show", ref, "--json", "--store", where)
        assert done.returncode == 0, (ref, done.stderr)
        return str(json.loads(done.stdout)["id"])

    assert show(as_a, url_a, "latest") == ids["a2"]
    assert show(as_a, url_a, "previous") == ids["a1"]
    assert show(as_a, url_a, "nightly") == ids["a2"]
    assert show(as_a, url_a, "nightly~1") == ids["a1"]
    beyond = run(as_a, "show", "nightly~2", "--json", "--store", url_a)
    assert beyond.returncode == 2 and "names only 2" in beyond.stderr
    diff = run(as_a, "diff", "previous", "latest", "--json", "--store", url_a)
    assert diff.returncode == 0, diff.stderr
    got = json.loads(diff.stdout)
    assert (got["from"], got["to"]) == (ids["a1"], ids["a2"])
    assert {c["target"] for c in got["changes"]} == {"srv-A"}
    assert ids["b1"][:12] not in diff.stdout and ids["b2"][:12] not in diff.stdout
    # the owner's role sees both customers: the same words name B's
    assert show(owner, url, "latest") == ids["b2"]
    assert show(owner, url, "previous") == ids["a2"]
    assert show(owner, url, "nightly~1") == ids["a2"]
