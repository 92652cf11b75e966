"""Scheduled scans on the team store: a site worker with an unenrolled key is refused; an
enrolled one takes its site's due schedule, scans with what it holds locally, signs with its own
key and commits; nothing runs twice; a technician limited to customer A never sees customer B's
snapshots through the CLI (PostgreSQL row-level security)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.store.pg import Cluster, pg_cluster, pg_env  # noqa: F401 - a fixture
from tests.store.test_pg_cli import run


def _scope(tmp_path: Path, name: str) -> Path:
    tree = tmp_path / f"tree-{name}"
    tree.mkdir()
    (tree / "app.conf").write_text(f"name={name}\n")
    scope = tmp_path / f"{name}.yaml"
    scope.write_text(f"targets:\n  - name: {name}\n    type: local\n    files: [{tree}]\n")
    return scope


def test_site_worker_runs_due_schedules_signed_by_its_enrolled_key(
        pg_cluster: Cluster, tmp_path: Path) -> None:  # noqa: F811
    url = pg_cluster.url(pg_cluster.new_db())
    owner = pg_env(tmp_path / "owner")
    assert run(owner, "init", "--store", url).returncode == 0
    add = run(owner, "schedule", "add", str(_scope(tmp_path, "fw")), "--customer", "Muster GmbH",
              "--every", "1d", "--site", "nord", "--label", "nightly", "--store", url)
    assert add.returncode == 0, add.stderr
    site = pg_env(tmp_path / "site-nord")
    refused = run(site, "worker", "--site", "nord", "--once", "--store", url)
    assert refused.returncode == 2 and "not enrolled" in refused.stderr
    pub = tmp_path / "site-nord" / "workspace" / "keys" / "signing.pub"
    assert str(pub) in refused.stderr  # the worker's workspace was made, with its own key
    assert run(owner, "key", "trust", str(pub), "--name", "site-nord", "--store", url
               ).returncode == 0
    done = run(site, "worker", "--site", "nord", "--once", "--store", url)
    assert done.returncode == 0, done.stderr
    assert "snapshot" in done.stderr
    shown = run(owner, "show", "nightly", "--json", "--store", url)
    assert shown.returncode == 0, shown.stderr
    assert [t["name"] for t in json.loads(shown.stdout)["targets"]] == ["fw"]
    assert run(owner, "verify", "--store", url).returncode == 0
    # not due again until tomorrow: a second pass commits nothing
    again = run(site, "worker", "--site", "nord", "--once", "--store", url)
    assert again.returncode == 0 and "snapshot" not in again.stderr
    listed = json.loads(run(owner, "schedule", "list", "--json", "--store", url).stdout)
    assert len(listed) == 1 and listed[0]["customer"] == "Muster GmbH"


def test_technician_limited_to_customer_a_never_sees_customer_b(
        pg_cluster: Cluster, tmp_path: Path) -> None:  # noqa: F811
    from proofshot.store.embedded import Store
    from tests.synth import commit, row

    url = pg_cluster.url(pg_cluster.new_db())
    owner = pg_env(tmp_path / "owner")
    assert run(owner, "init", "--store", url).returncode == 0
    laptop = Store.create(tmp_path / "laptop")
    for cust in ("A", "B"):
        for n, label in enumerate(("before", "after")):
            commit(laptop, f"{cust.lower()}-{label}",
                   {f"srv-{cust}": {"items": [row(k) for k in range(20 + n)]}}, customer=cust)
    assert run(owner, "key", "trust", str(laptop.root / "keys" / "signing.pub"), "--store", url
               ).returncode == 0
    tech = {**owner, "PROOFSHOT_WORKSPACE": str(laptop.root)}
    assert run(tech, "push", url, "--store", str(laptop.root)).returncode == 0
    pg_cluster.psql("CREATE ROLE tech_a LOGIN PASSWORD 'tech-a-pw'")
    granted = run(owner, "db", "grant", "tech_a", "--customer", "A", "--store", url)
    assert granted.returncode == 0, granted.stderr
    as_a = {**pg_env(tmp_path / "tech-a"), "PGPASSWORD": "tech-a-pw"}
    url_a = url.replace("proofshot@", "tech_a@")
    listed = run(as_a, "snapshots", "--store", url_a)
    assert listed.returncode == 0, listed.stderr
    assert "a-before" in listed.stdout and "b-before" not in listed.stdout
    hidden = run(as_a, "show", "b-after", "--json", "--store", url_a)
    assert hidden.returncode == 2 and "no snapshot matches" in hidden.stderr
    diff = run(as_a, "diff", "a-before", "a-after", "--json", "--store", url_a)
    assert diff.returncode == 0, diff.stderr
    assert {c["target"] for c in json.loads(diff.stdout)["changes"]} == {"srv-A"}
    assert run(as_a, "verify", "--store", url_a).returncode == 0
    # the owner's role has no grants: it sees every customer
    assert "b-before" in run(owner, "snapshots", "--store", url).stdout


def test_worker_killed_mid_job_the_job_is_retried_nothing_half_written(
        pg_cluster: Cluster, tmp_path: Path) -> None:  # noqa: F811
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    import psycopg

    from tests.store.pg import PASSWORD
    from tests.store.test_pg_cli import ROOT

    url = pg_cluster.url(pg_cluster.new_db())
    owner = pg_env(tmp_path / "owner")
    assert run(owner, "init", "--store", url).returncode == 0
    # a scan that cannot finish before the kill: beside a local tree, a target on a loopback port
    # that accepts and never says a word (the SSH handshake waits for its 30 s login timeout);
    # closed before the retry, which then finds it refused at once (an unreachable target)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    port = silent.getsockname()[1]
    scope = tmp_path / "big.yaml"
    scope.write_text("targets:\n  - name: big\n    type: local\n    files: [/usr/lib/python3]\n"
                     f"  - name: silent\n    type: ssh\n    host: 127.0.0.1\n    port: {port}\n"
                     "    user: nobody\n    password: env:SILENT_PW\n")
    assert run(owner, "schedule", "add", str(scope), "--customer", "C", "--every", "1d",
               "--site", "sued", "--store", url).returncode == 0
    site = {**pg_env(tmp_path / "site"), "PROOFSHOT_WORKER_STALLED_AFTER": "3",
            "SILENT_PW": "never-sent"}
    first = run(site, "worker", "--site", "sued", "--once", "--store", url)
    assert first.returncode == 2  # not enrolled yet; its workspace and key now exist
    pub = tmp_path / "site" / "workspace" / "keys" / "signing.pub"
    assert run(owner, "key", "trust", str(pub), "--store", url).returncode == 0
    proc = subprocess.Popen([sys.executable, "-m", "proofshot", "worker", "--site", "sued",
                             "--once", "--store", url], cwd=ROOT, env={**os.environ, **site},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with psycopg.connect(url, password=PASSWORD, autocommit=True) as c:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            row = c.execute("SELECT status FROM procrastinate_jobs").fetchone()
            if row and row[0] == "doing":
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the job never started")
        time.sleep(1.0)  # inside the scan
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert c.execute("SELECT count(*) FROM manifests").fetchone() == (0,)
        silent.close()
        time.sleep(4)  # its heartbeat is now older than the stalled limit
        again = run(site, "worker", "--site", "sued", "--once", "--store", url)
        assert again.returncode == 0, again.stderr
        assert "retried 1 job" in again.stderr
        assert c.execute("SELECT count(*) FROM manifests").fetchone() == (1,)
        assert c.execute("SELECT status FROM procrastinate_jobs").fetchone() == ("succeeded",)
    assert run(owner, "verify", "--store", url).returncode == 0
