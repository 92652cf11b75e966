"""The PostgreSQL backend (psycopg 3): a team's store, `--store postgresql://user@host:5432/db`.

The password comes from PGPASSWORD or ~/.pgpass (libpq reads them), never from the URL or the
command line. Tables (schema version in proofshot_schema, migrations in MIGRATIONS, applied by
`proofshot db migrate` and on create):

    packs(name, data)                 immutable packs, stored EXTERNAL (uncompressed: they are
                                      zstd already, and one object is read by substring)
    objects(id, pack, off, len)       where each object lives
    manifests(id, seq, ..., doc)      signed manifests; seq unique: the chain cannot fork
    chain(one, tip, seq)              the tip, one row: `advance` locks it (SELECT ... FOR
                                      UPDATE), checks it is the expected one, inserts the
                                      manifest and moves it, in one transaction
    vals(kind, name, data)            document-log entries, time-stamp tokens, enrolled keys

Signing keys never come here: the signer's workspace signs, the database holds public keys.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import psycopg

from proofshot.model.errors import BadInput, IntegrityError, StoreError
from proofshot.store.backend import ChainMoved, Kind, SealedPack, SnapshotInfo
from proofshot.store.packs import read_records

MIGRATIONS: list[str] = [
    # 1: the store
    """
    CREATE TABLE packs (name text PRIMARY KEY, data bytea NOT NULL);
    ALTER TABLE packs ALTER COLUMN data SET STORAGE EXTERNAL;
    CREATE TABLE objects (id bytea PRIMARY KEY, pack text NOT NULL REFERENCES packs(name),
                          off integer NOT NULL, len integer NOT NULL);
    CREATE INDEX objects_pack ON objects(pack);
    CREATE TABLE manifests (id text PRIMARY KEY, seq integer NOT NULL UNIQUE, label text,
                            created text, prev text, customer text NOT NULL DEFAULT '',
                            doc bytea NOT NULL);
    CREATE TABLE chain (one boolean PRIMARY KEY DEFAULT true CHECK (one), tip text,
                        seq integer NOT NULL DEFAULT 0);
    INSERT INTO chain(one, tip, seq) VALUES (true, NULL, 0);
    CREATE TABLE vals (kind text NOT NULL, name text NOT NULL, data bytea NOT NULL,
                       PRIMARY KEY (kind, name));
    """,
    # 2: customers a technician may see (row-level security: a role with grants sees those
    # customers' snapshots only; a role without any sees all), and scheduled scans
    """
    CREATE TABLE grants (role name NOT NULL, customer text NOT NULL,
                         PRIMARY KEY (role, customer));
    ALTER TABLE manifests ENABLE ROW LEVEL SECURITY;
    CREATE POLICY by_customer ON manifests
        USING (NOT EXISTS (SELECT 1 FROM grants g WHERE g.role = current_user)
               OR customer IN (SELECT g.customer FROM grants g WHERE g.role = current_user));
    CREATE TABLE schedules (id serial PRIMARY KEY, customer text NOT NULL, site text NOT NULL,
                            label text NOT NULL, scope text NOT NULL, scope_name text NOT NULL,
                            every_s integer NOT NULL CHECK (every_s > 0),
                            next_run timestamptz NOT NULL DEFAULT now(),
                            created timestamptz NOT NULL DEFAULT now());
    """,
    # 3: the job queue (procrastinate's own schema, the version installed with proofshot)
    "procrastinate",
    # 4: what `proofshot snapshots` shows of each manifest (targets, how many not ok), kept
    # beside it so a listing is one query, not one per snapshot (filled by `advance`; rows of
    # older stores are filled by `migrate`, see _fill_summaries)
    """
    ALTER TABLE manifests ADD COLUMN targets integer, ADD COLUMN not_ok integer;
    """,
    # 5: drift alerts (store/alerts.py)
    "alerts",
]
_LOCK_KEY = zlib.crc32(b"proofshot store lock")
_CACHE_PACK = 8 << 20    # packs up to this size are read whole on first use
_CACHE_TOTAL = 64 << 20  # at most this much cached


def check_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise BadInput(f"store {url!r}: {exc}") from None
    if parts.password is not None:
        raise BadInput("--store: no password in the URL; use PGPASSWORD or ~/.pgpass")
    if not parts.path.strip("/"):
        raise BadInput(f"store {url}: name the database (postgresql://user@host:5432/dbname)")
    return url


# Session settings travel in the startup packet (libpq's `options`), not as SET round trips.
# jit=off: the store's queries are small lookups, but a listing's cost estimate can pass
# jit_above_cost before autovacuum has analysed the tables, and compiling it took 20-60 ms of
# a 1 ms query.
SESSION_OPTIONS = "-c jit=off"


def _options(url: str) -> str:
    """SESSION_OPTIONS after any `options` the URL gives (the URL's own settings win)."""
    from psycopg.conninfo import conninfo_to_dict

    given = conninfo_to_dict(url).get("options")
    return f"{SESSION_OPTIONS} {given}" if given else SESSION_OPTIONS


def _connect(url: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(check_url(url), autocommit=True, connect_timeout=10,
                               options=_options(url))
    except psycopg.OperationalError as exc:
        where = url.split("@")[-1]
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"cannot connect to the PostgreSQL store {where}: {first}") from None


def schema_version(conn: psycopg.Connection[Any]) -> int:
    """One query (0 when there is no proofshot schema: the table's absence is the answer)."""
    try:
        row = conn.execute("SELECT coalesce(max(version), 0) FROM proofshot_schema").fetchone()
    except psycopg.errors.UndefinedTable:
        return 0  # autocommit: the failed statement leaves no transaction behind
    return int(row[0]) if row else 0


def summary_of(doc: bytes) -> tuple[int, int] | None:
    """(targets, targets not ok) of a signed manifest as stored; None if it is unreadable
    (then a listing reads the manifest itself and names the problem)."""
    try:
        targets = json.loads(doc)["body"]["targets"]
        return len(targets), sum(1 for t in targets if t.get("status") != "ok")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _fill_summaries(conn: psycopg.Connection[Any]) -> None:
    """Migration 4's rows: the listing columns of manifests stored before it."""
    rows = conn.execute("SELECT id, doc FROM manifests WHERE targets IS NULL").fetchall()
    with conn.cursor() as cur:
        cur.executemany("UPDATE manifests SET targets=%s, not_ok=%s WHERE id=%s",
                        [(*got, sid) for sid, doc in rows
                         if (got := summary_of(bytes(doc))) is not None])


def migrate(url: str) -> tuple[int, int]:
    """Apply the migrations the database lacks, each in one transaction; (from, to)."""
    conn = _connect(url)
    try:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        conn.execute("CREATE TABLE IF NOT EXISTS proofshot_schema (version integer PRIMARY KEY, "
                     "applied timestamptz NOT NULL DEFAULT now())")
        before = schema_version(conn)
        for n, sql in enumerate(MIGRATIONS, start=1):
            if n <= before:
                continue
            with conn.transaction():
                if sql == "procrastinate":
                    from procrastinate.schema import SchemaManager

                    sql = SchemaManager.get_schema()
                elif sql == "alerts":
                    from proofshot.store.alerts import SCHEMA as sql
                conn.execute(sql)
                if n == 4:
                    _fill_summaries(conn)
                conn.execute("INSERT INTO proofshot_schema(version) VALUES (%s)", (n,))
        return before, len(MIGRATIONS)
    finally:
        conn.close()


def grant(url: str, role: str, customers: list[str]) -> None:
    """Let a login role read and write the store, limited to some customers' snapshots."""
    from psycopg import sql

    conn = _connect(url)
    try:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
            raise BadInput(f"no PostgreSQL role {role!r} (create it first: CREATE ROLE {role} "
                           "LOGIN PASSWORD '...')")
        r = sql.Identifier(role)
        with conn.transaction():
            conn.execute(sql.SQL("GRANT SELECT, INSERT ON manifests, packs, objects, vals TO {}"
                                 ).format(r))
            conn.execute(sql.SQL("GRANT SELECT, UPDATE ON chain TO {}").format(r))
            conn.execute(sql.SQL("GRANT SELECT ON grants, schedules, proofshot_schema TO {}"
                                 ).format(r))
            for c in customers:
                conn.execute("INSERT INTO grants(role, customer) VALUES (%s, %s) "
                             "ON CONFLICT DO NOTHING", (role, c))
    finally:
        conn.close()


class PgBackend:
    def __init__(self, url: str, conn: psycopg.Connection[Any]) -> None:
        self.location = url
        self.conn = conn
        self._lock_depth = 0
        self._scratch: Path | None = None
        self._packs: dict[str, bytes] = {}  # small packs read whole (read-only cache)
        self._where: dict[str, tuple[str, int, int]] = {}
        self._cached = 0
        self._listed: tuple[Any, builtins.list[SnapshotInfo]] | None = None
        self._summaries: dict[str, tuple[int, int]] = {}

    @classmethod
    def create(cls, url: str) -> PgBackend:
        conn = _connect(url)
        try:
            if schema_version(conn) > 0:
                raise BadInput(f"a proofshot store already exists in {url.split('@')[-1]}")
        finally:
            conn.close()
        migrate(url)
        return cls.open(url)

    @classmethod
    def open(cls, url: str) -> PgBackend:
        conn = _connect(url)
        version = schema_version(conn)
        if version == 0:
            conn.close()
            raise BadInput(f"no proofshot store in {url.split('@')[-1]} (run 'proofshot init "
                           f"--store {url}')")
        if version < len(MIGRATIONS):
            conn.close()
            raise StoreError(f"the store's schema is version {version}, this proofshot needs "
                             f"{len(MIGRATIONS)}: run 'proofshot db migrate --store {url}'")
        if version > len(MIGRATIONS):
            conn.close()
            raise StoreError(f"the store's schema is version {version}, newer than this "
                             "proofshot knows: upgrade proofshot")
        return cls(url, conn)

    def close(self) -> None:
        self.conn.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """A session advisory lock: released by the server when this process dies."""
        if self._lock_depth == 0:
            self.conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        self._lock_depth += 1
        try:
            yield
        finally:
            self._lock_depth -= 1
            if self._lock_depth == 0 and not self.conn.closed:
                self.conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))

    def refresh(self) -> None:
        return None

    def limited(self) -> bool:
        """Whether this role sees some customers only (then the chain has hidden links)."""
        row = self.conn.execute("SELECT EXISTS (SELECT 1 FROM grants "
                                "WHERE role = current_user)").fetchone()
        return bool(row and row[0])

    # -- values by kind ----------------------------------------------------------------------
    def has(self, kind: Kind, name: str) -> bool:
        if kind == "pack":
            sql, args = "SELECT 1 FROM packs WHERE name=%s", [name]
        elif kind == "manifest":
            sql, args = "SELECT 1 FROM manifests WHERE id=%s", [name]
        else:
            sql, args = "SELECT 1 FROM vals WHERE kind=%s AND name=%s", [kind, name]
        return self.conn.execute(sql, args).fetchone() is not None

    def get(self, kind: Kind, name: str) -> bytes:
        if kind == "pack":
            sql, args = "SELECT data FROM packs WHERE name=%s", [name]
        elif kind == "manifest":
            sql, args = "SELECT doc FROM manifests WHERE id=%s", [name]
        else:
            sql, args = "SELECT data FROM vals WHERE kind=%s AND name=%s", [kind, name]
        row = self.conn.execute(sql, args).fetchone()
        if row is None:
            raise IntegrityError(f"{kind} {name[:24]} is missing from the store")
        return bytes(row[0])

    @contextlib.contextmanager
    def open_pack(self, name: str) -> Iterator[BinaryIO]:
        yield io.BytesIO(self.get("pack", name))

    def list(self, kind: Kind) -> builtins.list[str]:
        if kind == "pack":
            rows = self.conn.execute("SELECT name FROM packs ORDER BY name").fetchall()
        elif kind == "manifest":
            rows = self.conn.execute("SELECT id FROM manifests ORDER BY id").fetchall()
        else:
            rows = self.conn.execute("SELECT name FROM vals WHERE kind=%s ORDER BY name",
                                     (kind,)).fetchall()
        return [str(r[0]) for r in rows]

    def values(self, kind: Kind) -> dict[str, bytes]:
        """Every value of a small kind (document-log entries, tokens, enrolled keys) by name,
        in one query."""
        if kind in ("pack", "manifest"):
            raise StoreError(f"values() reads small kinds, not {kind}s")
        rows = self.conn.execute("SELECT name, data FROM vals WHERE kind=%s ORDER BY name",
                                 (kind,)).fetchall()
        return {str(r[0]): bytes(r[1]) for r in rows}

    def put(self, kind: Kind, name: str, data: bytes, *, replace: bool = False) -> None:
        if kind == "manifest":
            raise StoreError("manifests are stored by advance(), never put()")
        if kind == "pack":
            try:
                entries = [(o, off, len(d)) for o, off, d in read_records(io.BytesIO(data))]
            except ValueError as exc:
                raise IntegrityError(f"pack {name[:12]}: {exc}") from None
            self._insert_pack(name, data, entries, replace)
            return
        verb = "DO UPDATE SET data = EXCLUDED.data" if replace or kind == "key" else "DO NOTHING"
        self.conn.execute(f"INSERT INTO vals(kind, name, data) VALUES (%s, %s, %s) "
                          f"ON CONFLICT (kind, name) {verb}", (kind, name, data))

    def _insert_pack(self, name: str, data: bytes, entries: builtins.list[tuple[str, int, int]],
                     replace: bool = False) -> None:
        """The pack and its index in one transaction, sent as one pipeline: the pack, then
        every entry in one statement (arrays unnested), not a statement per object."""
        verb = "DO UPDATE SET data = EXCLUDED.data" if replace else "DO NOTHING"
        with self.conn.pipeline(), self.conn.transaction():
            self.conn.execute(f"INSERT INTO packs(name, data) VALUES (%s, %s) "
                              f"ON CONFLICT (name) {verb}", (name, data))
            self.conn.execute(
                "INSERT INTO objects(id, pack, off, len) SELECT i, %s, o, n "
                "FROM unnest(%s::bytea[], %s::integer[], %s::integer[]) AS e(i, o, n) "
                "ON CONFLICT (id) DO NOTHING",
                (name, [bytes.fromhex(o) for o, _, _ in entries], [off for _, off, _ in entries],
                 [ln for _, _, ln in entries]))

    # -- packs and objects -------------------------------------------------------------------
    def scratch(self) -> Path:
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="proofshot-pg-"))
        return self._scratch

    def add_pack(self, pack: SealedPack) -> None:
        self._insert_pack(pack.name, pack.path.read_bytes(), pack.entries)
        pack.path.unlink(missing_ok=True)

    def has_object(self, oid: str) -> bool:
        return self.conn.execute("SELECT 1 FROM objects WHERE id=%s",
                                 (bytes.fromhex(oid),)).fetchone() is not None

    def has_objects(self, oids: builtins.set[str]) -> builtins.set[str]:
        """Which of these objects the store holds: one query for a whole batch (a scan's
        writer asks this instead of one round trip per object)."""
        if not oids:
            return set()
        rows = self.conn.execute("SELECT id FROM objects WHERE id = ANY(%s)",
                                 ([bytes.fromhex(o) for o in oids],)).fetchall()
        return {bytes(r[0]).hex() for r in rows}

    def object_payload(self, oid: str) -> bytes:
        """One object's payload, in one query. A small pack comes whole, with its index, on
        first use (that round trip serves every later object of the pack, as a diff walks
        them); of a large one only the object's bytes."""
        hit = self._where.get(oid)
        if hit is not None:
            data = self._packs[hit[0]][hit[1]:hit[1] + hit[2]]
            if len(data) == hit[2]:
                return data
        row = self.conn.execute(
            "SELECT o.pack, o.off, o.len, length(p.data) <= %(small)s, "
            "CASE WHEN length(p.data) <= %(small)s THEN p.data "
            "ELSE substring(p.data FROM o.off + 1 FOR o.len) END, "
            "CASE WHEN length(p.data) <= %(small)s THEN (SELECT string_agg(encode(x.id, 'hex') "
            "|| ' ' || x.off || ' ' || x.len, ',') FROM objects x WHERE x.pack = o.pack) END "
            "FROM objects o JOIN packs p ON p.name = o.pack WHERE o.id = %(id)s",
            {"small": _CACHE_PACK, "id": bytes.fromhex(oid)}).fetchone()
        if row is None:
            raise IntegrityError(f"object {oid} is missing from the store")
        pack, off, ln, whole, data, index = str(row[0]), int(row[1]), int(row[2]), row[3], \
            bytes(row[4]), row[5]
        if whole:
            self._cache_pack(pack, data, [(e[0], int(e[1]), int(e[2])) for e in
                                          (x.split(" ") for x in str(index or "").split(","))
                                          if len(e) == 3])
            data = data[off:off + ln]
        if len(data) != ln:
            raise IntegrityError(f"object {oid}: its pack is truncated")
        return data

    def _cache_pack(self, name: str, data: bytes,
                    entries: builtins.list[tuple[str, int, int]]) -> None:
        while self._packs and self._cached + len(data) > _CACHE_TOTAL:
            old, dropped = next(iter(self._packs.items()))
            del self._packs[old]
            self._cached -= len(dropped)
            self._where = {k: v for k, v in self._where.items() if v[0] != old}
        if name in self._packs:
            self._cached -= len(self._packs.pop(name))
        self._packs[name] = data
        self._cached += len(data)
        for oid, off, ln in entries:
            self._where[oid] = (name, off, ln)

    def object_ids(self) -> Iterator[str]:
        for (oid,) in self.conn.execute("SELECT id FROM objects").fetchall():
            yield bytes(oid).hex()

    def index_entries(self, pack: str) -> builtins.list[tuple[str, int, int]]:
        rows = self.conn.execute("SELECT id, off, len FROM objects WHERE pack=%s",
                                 (pack,)).fetchall()
        return sorted((bytes(r[0]).hex(), int(r[1]), int(r[2])) for r in rows)

    def check_index(self, pack: str, records: builtins.list[tuple[str, int, int]]
                    ) -> builtins.list[str]:
        """One query per pack (objects_pack index)."""
        return sorted({oid for oid, _, _ in set(self.index_entries(pack)) - set(records)})

    # -- the chain ---------------------------------------------------------------------------
    def snapshots(self) -> builtins.list[SnapshotInfo]:
        """The snapshots this role may see, oldest first. The first call fetches the chain's
        head and the list in one query; the list is then kept while the head stays where it
        was (one small query instead of the whole list: resolving two references for a diff
        lists them twice)."""
        if self._listed is not None:
            head = self.conn.execute("SELECT tip, seq FROM chain WHERE one").fetchone()
            if self._listed[0] == head:
                return list(self._listed[1])
        rows = self.conn.execute(
            "SELECT c.tip, c.seq, m.id, m.seq, m.label, m.created, m.prev, m.customer, "
            "m.targets, m.not_ok FROM chain c LEFT JOIN manifests m ON true WHERE c.one "
            "ORDER BY m.seq").fetchall()
        head = (rows[0][0], rows[0][1]) if rows else None
        infos = [SnapshotInfo(*r[2:8]) for r in rows if r[2] is not None]
        self._summaries = {r[2]: (int(r[8]), int(r[9])) for r in rows
                           if r[2] is not None and r[8] is not None and r[9] is not None}
        self._listed = (head, infos)
        return list(infos)

    def summary(self, sid: str) -> tuple[int, int] | None:
        """(targets, targets not ok) of a listed snapshot, as `proofshot snapshots` shows it,
        from the listing's own query (None: read the manifest)."""
        return self._summaries.get(sid)

    def tip(self) -> SnapshotInfo | None:
        """The chain's head (from the chain row: it may be a manifest this reader cannot see)."""
        row = self.conn.execute("SELECT tip, seq FROM chain WHERE one").fetchone()
        if row is None or row[0] is None:
            return None
        return SnapshotInfo(str(row[0]), int(row[1]), "", "", None)

    def advance(self, prev: str | None, info: SnapshotInfo, doc: bytes) -> None:
        with self.conn.transaction():
            row = self.conn.execute("SELECT tip, seq FROM chain WHERE one FOR UPDATE").fetchone()
            tip = row[0] if row else None
            if tip != prev:
                raise ChainMoved(f"the chain moved on to {str(tip)[:12]} (expected "
                                 f"{str(prev)[:12]})")
            targets, not_ok = summary_of(doc) or (None, None)
            self.conn.execute(
                "INSERT INTO manifests(id, seq, label, created, prev, customer, doc, targets, "
                "not_ok) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (info.id, info.seq, info.label, info.created, info.prev, info.customer, doc,
                 targets, not_ok))
            self.conn.execute("UPDATE chain SET tip=%s, seq=%s WHERE one", (info.id, info.seq))
