"""proofshot init: create the store and the signing key."""

from __future__ import annotations

import json
import os

from proofshot.cli.common import JsonOpt, StoreOpt, err, init_path, out
from proofshot.store.api import create_store
from proofshot.store.workspace import is_pg_url


def init(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Create a store (objects, manifests, index) and its Ed25519 signing key."""
    given = store or os.environ.get("PROOFSHOT_STORE")
    path: object = given if is_pg_url(given) else init_path(store)
    s = create_store(str(path))
    if as_json:
        print(json.dumps({"store": str(path).split("@")[-1], "key": s.keys.fingerprint}))
        return
    err.print(f"key fingerprint {s.keys.fingerprint}")
    out.print(f"initialised store at {str(path).split('@')[-1]}")
