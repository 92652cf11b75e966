"""Which store a command uses: --store, then PROOFSHOT_STORE, then a `.proofshot` workspace in
the current directory or above, then the per-user store."""

from __future__ import annotations

import os
from pathlib import Path

WORKSPACE_DIR = ".proofshot"


def user_store() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "proofshot" / "store"


def find_store(explicit: str | None = None, cwd: Path | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("PROOFSHOT_STORE")
    if env:
        return Path(env).expanduser()
    here = (cwd or Path.cwd()).resolve()
    for d in (here, *here.parents):
        cand = d / WORKSPACE_DIR
        if (cand / "config.json").is_file():
            return cand
    return user_store()
