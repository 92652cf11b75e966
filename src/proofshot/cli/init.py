"""proofshot init: create the store and the signing key."""

from __future__ import annotations

import json

from proofshot.cli.common import JsonOpt, StoreOpt, err, init_path, out
from proofshot.store.embedded import Store


def init(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Create a store (objects, manifests, index) and its Ed25519 signing key."""
    path = init_path(store)
    s = Store.create(path)
    if as_json:
        print(json.dumps({"store": str(path), "key": s.keys.fingerprint}))
        return
    err.print(f"key fingerprint {s.keys.fingerprint}")
    out.print(f"initialised store at {path}")
