"""The backends the conformance suite runs on, and how a test reaches under each one to flip a
byte of a stored value (as an attacker with write access to the files or the database would)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from proofshot.store.backend import Kind
from proofshot.store.embedded import Store


@dataclass
class Made:
    """A fresh, empty store: where it is, and the environment a subprocess needs to open it
    (a PostgreSQL store signs with the workspace named by PROOFSHOT_WORKSPACE)."""

    kind: str
    location: str
    env: dict[str, str]

    def open(self) -> Store:
        old = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            return Store.open(self.location)
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def flip_dir(store: Store, kind: Kind, name: str, where: float = 0.5) -> None:
    path = {"pack": store.snap_dir.parent / "packs" / f"{name}.pack",
            "manifest": store.snap_dir / f"{name}.json",
            "token": store.snap_dir / f"{name}.tsr",
            "log": store.snap_dir.parent / "logs" / f"{name}.json",
            "key": store.snap_dir.parent / "trusted" / f"{name}.json"}[kind]
    data = bytearray(path.read_bytes())
    data[int(len(data) * where)] ^= 0x01
    path.write_bytes(bytes(data))


def flip(made: Made, store: Store, kind: Kind, name: str, where: float = 0.5) -> None:
    if made.kind == "dir":
        flip_dir(store, kind, name, where)
    else:
        from tests.store.pg import flip_pg

        flip_pg(made.location, kind, name, where)


def flip_index(made: Made, store: Store) -> None:
    """One object's place in the index moved by one byte."""
    if made.kind == "dir":
        db = store._dir().db()
        db.execute("UPDATE objects SET offset = offset + 1 "
                   "WHERE id = (SELECT id FROM objects LIMIT 1)")
    else:
        from tests.store.pg import flip_pg_index

        flip_pg_index(made.location)


def dir_store(tmp_path: Path) -> Iterator[Made]:
    root = tmp_path / "store"
    Store.create(root).close()
    yield Made("dir", str(root), {})
