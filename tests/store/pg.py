"""A throw-away PostgreSQL cluster for the tests (initdb + pg_ctl on a free loopback port in a
temporary directory, ../shared/LAB-NOTES.md), one database per test, and how a test flips a
byte of a stored value in it."""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from proofshot.store.backend import Kind
from proofshot.store.embedded import Store
from tests.store.backends import Made

PASSWORD = "pg-" + secrets.token_hex(8)  # reaches libpq through PGPASSWORD only


@dataclass
class Cluster:
    dir: Path
    port: int
    bindir: Path

    def url(self, db: str, host: str = "127.0.0.1") -> str:
        return f"postgresql://proofshot@{host}:{self.port}/{db}"

    def psql(self, sql: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bindir / "psql"), "-h",
                        str(self.dir), "-p", str(self.port), "-d", "postgres", "-v",
                        "ON_ERROR_STOP=1", "-q", "-c", sql], check=True, capture_output=True)

    def new_db(self) -> str:
        name = "t_" + secrets.token_hex(6)
        self.psql(f"CREATE DATABASE {name} OWNER proofshot")
        return name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_cluster(listen: str = "127.0.0.1", lab_net: str | None = None) -> Iterator[Cluster]:
    """`listen`: addresses (loopback, and for a lab test the lab bridge's address in the root
    namespace); `lab_net` (e.g. 10.200.0.0/24): clients there may log in with the password."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL is not installed (.ci/install installs Debian's postgresql)")
    bindir = Path(found[-1]).parent
    d = Path(tempfile.mkdtemp(prefix="proofshot-pg-test-"))
    shutil.chown(d, "postgres", "postgres")
    os.chmod(d, 0o755)
    pw = d / "pw"
    pw.write_text(PASSWORD + "\n")
    shutil.chown(pw, "postgres", "postgres")
    as_pg = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_pg, str(bindir / "initdb"), "-D", str(d / "data"), "-U", "postgres",
                    "--auth-local=peer", "--auth-host=scram-sha-256", f"--pwfile={pw}"],
                   check=True, capture_output=True)
    if lab_net is not None:
        with open(d / "data" / "pg_hba.conf", "a") as hba:
            hba.write(f"host all all {lab_net} scram-sha-256\n")
    port = _free_port()
    log = d / "log"
    subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(d / "data"), "-l", str(log),
                    "-o", f"-p {port} -k {d} -c listen_addresses={listen} -c fsync=off",
                    "-w", "start"], check=True, capture_output=True)
    cluster = Cluster(d, port, bindir)
    try:
        cluster.psql(f"CREATE ROLE proofshot LOGIN PASSWORD '{PASSWORD}'")
        yield cluster
    finally:
        subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(d / "data"), "-m",
                        "immediate", "stop"], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    yield from start_cluster()


def pg_env(tmp_path: Path) -> dict[str, str]:
    return {"PGPASSWORD": PASSWORD, "PROOFSHOT_WORKSPACE": str(tmp_path / "workspace")}


def pg_store(cluster: Cluster, tmp_path: Path) -> Iterator[Made]:
    made = Made("pg", cluster.url(cluster.new_db()), pg_env(tmp_path))
    old = {k: os.environ.get(k) for k in made.env}
    os.environ.update(made.env)
    try:
        Store.create(made.location).close()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    yield made


def _conn(url: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(url, password=PASSWORD, autocommit=True)


def flip_pg(url: str, kind: Kind, name: str, where: float) -> None:
    table, col, cond, args = {
        "pack": ("packs", "data", "name=%s", [name]),
        "manifest": ("manifests", "doc", "id=%s", [name]),
    }.get(kind, ("vals", "data", "kind=%s AND name=%s", [kind, name]))
    with _conn(url) as c:
        c.execute(f"UPDATE {table} SET {col} = set_byte({col}, "
                  f"(length({col}) * %s)::int, get_byte({col}, (length({col}) * %s)::int) # 1) "
                  f"WHERE {cond}", [min(where, 0.999), min(where, 0.999), *args])


def flip_pg_index(url: str) -> None:
    with _conn(url) as c:
        c.execute("UPDATE objects SET off = off + 1 WHERE id = (SELECT id FROM objects LIMIT 1)")
