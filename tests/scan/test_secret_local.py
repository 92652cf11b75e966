"""No secret in clear, without root: a real local scan (in-process, the scan service itself) of a
planted directory, then the whole store searched for the planted secrets.

The root end-to-end scenario (tests/e2e) checks the same on a private copy of /etc; this one
needs no sandbox, so a masking regression fails on any machine, as any user.
"""

from __future__ import annotations

import os
from pathlib import Path

from proofshot.scan.scope import load_scope
from proofshot.scan.service import scan
from proofshot.store.embedded import Store
from proofshot.views.snapshot import load
from tests.storebytes import everything

SECRETS = {
    "password": "LeakMe-123",
    "api_token": "tok-LeakMe-456",
    "url": "LeakMe-pg-789",
    "community": "LeakMe-snmp-0",
    "pem": "TGVha01lUEVNYmxvY2s",
}

PLANTED = (
    "db_host=localhost\n"
    f"password={SECRETS['password']}\n"
    f"api_token: {SECRETS['api_token']}\n"
    f"url=postgres://app:{SECRETS['url']}@db/app\n"
    f"rocommunity {SECRETS['community']} 10.0.0.0/8\n"
    "PermitRootLogin no\n"
)
PEM = ("-----BEGIN OPENSSH PRIVATE KEY-----\n"
       f"{SECRETS['pem']}AAAA\n"
       "-----END OPENSSH PRIVATE KEY-----\n")


def test_local_scan_stores_no_planted_secret(tmp_path: Path) -> None:
    tree = tmp_path / "plant"
    tree.mkdir()
    (tree / "app.conf").write_text(PLANTED)
    (tree / "id_test").write_text(PEM)
    for p in (tmp_path, tree, tree / "app.conf", tree / "id_test"):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)  # world-readable: text is kept
    scope = tmp_path / "scope.yaml"
    scope.write_text(f"targets:\n  - {{name: here, type: local, files: ['{tree}']}}\n")
    store = Store.create(tmp_path / "store")
    try:
        sid = scan(store, load_scope(scope), "plant").snapshot
        kh = store.keys.keyed_hash
        snap = load(store, sid, {"files"})
    finally:
        store.close()

    # the text was kept (so masking, not omission, is what keeps the secrets out) ...
    rows = {r["path"]: r for r in snap.targets["here"].tables["files"]}
    text = rows[f"{tree}/app.conf"]["text"]
    assert text is not None
    # ... and it is the planted text with exactly the secret values replaced by keyed hashes
    assert text == (
        "db_host=localhost\n"
        f"password={kh(SECRETS['password'])}\n"
        f"api_token: {kh(SECRETS['api_token'])}\n"
        f"url=postgres://app:{kh(SECRETS['url'])}@db/app\n"
        f"rocommunity {kh(SECRETS['community'])} 10.0.0.0/8\n"
        "PermitRootLogin no\n"
    )
    assert rows[f"{tree}/id_test"]["text"].startswith("-----MASKED OPENSSH PRIVATE KEY hmac:")

    # nothing of any secret anywhere in the store: rows, transcripts, index, every object
    blob = everything(tmp_path / "store")
    assert b"db_host=localhost" in blob  # the search does see the stored text
    for name, secret in SECRETS.items():
        assert secret.encode() not in blob, name
