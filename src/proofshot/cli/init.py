"""proofshot init: create the store and the signing key."""

from __future__ import annotations

import os

from proofshot.cli.common import StoreOpt, err, init_path, out
from proofshot.store.embedded import Store
from proofshot.store.workspace import is_pg_url


def init(store: StoreOpt = None) -> None:
    """Create a store (objects, manifests, index) and its Ed25519 signing key."""
    given = store or os.environ.get("PROOFSHOT_STORE")
    path: object = given if is_pg_url(given) else init_path(store)
    s = Store.create(str(path))
    err.print(f"key fingerprint {s.keys.fingerprint}")
    out.print(f"initialised store at {str(path).split('@')[-1]}")
