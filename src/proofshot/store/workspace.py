"""Which store a command uses: --store, then PROOFSHOT_STORE, then a `.proofshot` workspace in
the current directory or above, then the per-user store."""

from __future__ import annotations

import os
import re
from pathlib import Path

from proofshot.model.errors import BadInput

WORKSPACE_DIR = ".proofshot"


def store_location(text: str) -> Path:
    """The store a --store value or PROOFSHOT_STORE names, checked before anything opens or
    creates it: a URL (postgresql://..., ssh://...) is refused here, never taken as the name of a
    directory to create. The one place to extend when a URL kind becomes a supported store."""
    m = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", text)
    if m or text.startswith(("postgresql:", "postgres:")):
        scheme = m.group(1) if m else text.split(":", 1)[0]
        shown = re.sub(r"//[^/@]*@", "//", text)  # never echo a user:password@ part
        raise BadInput(f"store {shown}: a {scheme} store is not supported by this version; "
                       "give a store directory")
    return Path(text).expanduser()


def user_store() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "proofshot" / "store"


def find_store(explicit: str | None = None, cwd: Path | None = None) -> Path:
    if explicit:
        return store_location(explicit)
    env = os.environ.get("PROOFSHOT_STORE")
    if env:
        return store_location(env)
    here = (cwd or Path.cwd()).resolve()
    for d in (here, *here.parents):
        cand = d / WORKSPACE_DIR
        if (cand / "config.json").is_file():
            return cand
    return user_store()
