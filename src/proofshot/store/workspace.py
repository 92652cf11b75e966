"""What a technician's machine keeps that is not evidence, and which store a command uses.

A `Workspace` is a directory with the signing key and the salt of keyed hashes (keys/), the
pinned host keys of scanned targets (known_hosts), settings (config.json "settings") and
scratch space (tmp/). A directory store is its own workspace (the same directory, as it always
was); a PostgreSQL store has none, so the workspace found locally signs what goes into it:
private keys never go into a store.

Which store: --store, then PROOFSHOT_STORE, then a `.proofshot` workspace in the current
directory or above, then the per-user store. Which workspace for a PostgreSQL store:
PROOFSHOT_WORKSPACE, then a `.proofshot` directory upwards, then the per-user one.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from proofshot.model.errors import BadInput, StoreError
from proofshot.store.dirbackend import atomic_write
from proofshot.store.keys import Keys, create_keys

WORKSPACE_DIR = ".proofshot"
WORKSPACE_FORMAT = "proofshot-workspace/1"
PG_SCHEMES = ("postgresql://", "postgres://")


def store_location(text: str) -> str:
    """The store a --store value or PROOFSHOT_STORE names, checked before anything opens or
    creates it: a postgresql:// URL as it is; any other URL (ssh://... is a `sync` destination,
    not a store) is refused here, never taken as the name of a directory to create. The one
    place to extend when a URL kind becomes a supported store."""
    if is_pg_url(text):
        return text
    m = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", text)
    if m or text.startswith(("postgresql:", "postgres:")):
        scheme = m.group(1) if m else text.split(":", 1)[0]
        shown = re.sub(r"//[^/@]*@", "//", text)  # never echo a user:password@ part
        raise BadInput(f"store {shown}: a {scheme} store is not supported by this version; "
                       "give a store directory")
    return str(Path(text).expanduser())


def user_store() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "proofshot" / "store"


def is_pg_url(location: str | os.PathLike[str] | None) -> bool:
    return location is not None and str(location).startswith(PG_SCHEMES)


def find_location(explicit: str | None = None, cwd: Path | None = None) -> str:
    """The store to use, as given: a directory path or a postgresql:// URL."""
    if explicit:
        return store_location(explicit)
    env = os.environ.get("PROOFSHOT_STORE")
    if env:
        return store_location(env)
    return str(_upwards(cwd) or user_store())


def find_store(explicit: str | None = None, cwd: Path | None = None) -> Path:
    loc = find_location(explicit, cwd)
    if is_pg_url(loc):
        raise BadInput(f"{loc.split('@')[-1]}: a PostgreSQL store has no directory")
    return Path(loc).expanduser()


def _upwards(cwd: Path | None) -> Path | None:
    here = (cwd or Path.cwd()).resolve()
    for d in (here, *here.parents):
        cand = d / WORKSPACE_DIR
        if (cand / "config.json").is_file():
            return cand
    return None


def find_workspace(cwd: Path | None = None) -> Path:
    """The local workspace that signs for a store without one (PostgreSQL)."""
    env = os.environ.get("PROOFSHOT_WORKSPACE")
    if env:
        return Path(env).expanduser()
    found = _upwards(cwd)
    if found is not None:
        return found
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "proofshot" / "workspace"


class Workspace:
    """Keys, known hosts, settings and scratch space of one machine (or one store directory)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.keys = Keys(root / "keys")
        self.known_hosts = root / "known_hosts"
        self.tmp_dir = root / "tmp"

    @classmethod
    def create(cls, root: Path) -> Workspace:
        """Keys (and scratch space) in root; root may already be a store directory."""
        if (root / "keys" / "signing.pub").exists():
            raise BadInput(f"a workspace already exists at {root}")
        root.mkdir(parents=True, exist_ok=True)
        (root / "tmp").mkdir(exist_ok=True)
        create_keys(root / "keys")
        if not (root / "config.json").exists():
            cfg = {"format": WORKSPACE_FORMAT}
            atomic_write(root / "config.json", json.dumps(cfg, indent=2).encode(), root / "tmp")
        return cls(root)

    @classmethod
    def open_or_create(cls, root: Path) -> Workspace:
        if (root / "keys" / "signing.pub").is_file():
            ws = cls(root)
            ws.tmp_dir.mkdir(exist_ok=True)
            return ws
        return cls.create(root)

    def scratch(self) -> Path:
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        return self.tmp_dir

    # -- settings (config.json "settings") ---------------------------------------------------
    def config(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads((self.root / "config.json").read_text())
        except FileNotFoundError:
            return {"format": WORKSPACE_FORMAT}
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot read store config: {exc}") from None
        return data

    def settings(self) -> dict[str, Any]:
        return dict(self.config().get("settings", {}))

    def write_settings(self, settings: dict[str, Any]) -> None:
        cfg = self.config()
        cfg["settings"] = settings
        atomic_write(self.root / "config.json", json.dumps(cfg, indent=2).encode(),
                     self.scratch())
