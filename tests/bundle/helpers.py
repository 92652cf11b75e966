"""Synthetic snapshots with transcripts (one query feeds a table with a sensitive column),
and running the bundle's own verifier the way a third party would."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from proofshot.model.table import col, table
from proofshot.scan.record import manifest_body, write_table
from proofshot.store.embedded import Store
from proofshot.store.timestamp import stamp_after_commit

SECRET = "hunter2-very-secret"
ITEMS = table("items", "Rows without sensitive columns.", ["id"],
              [col("id", "int", "key"), col("name", "text", "a name")], collector="synthetic")
ACCOUNTS = table("accounts", "Accounts with a sensitive column.", ["name"],
                 [col("name", "text", "login"), col("pin", "text", "a PIN", sensitive=True)],
                 collector="synthetic")


def commit(store: Store, label: str, n: int, pin: str = SECRET) -> str:
    w = store.writer()
    rows = [{"id": k, "name": f"item{k}"} for k in range(n)]
    items_root, items_n = write_table(w, ITEMS, rows, store.keys.keyed_hash)
    acc_root, acc_n = write_table(w, ACCOUNTS, [{"name": "root", "pin": pin}],
                                  store.keys.keyed_hash)
    ls = w.put_json({"query": "ls", "stdout": {"text": f"{n} items"}})
    shadow = w.put_json({"query": "shadow", "stdout": {"text": f"root:{pin}"}})
    entry: dict[str, Any] = {
        "name": "web1", "type": "synthetic", "collector": {"name": "synthetic", "version": "1"},
        "status": "ok", "reason": "", "facts": {}, "started": "", "duration_ms": 0,
        "coverage": [
            {"query": "ls", "status": "ok", "transcript": ls, "answer_hmac": "x"},
            {"query": "shadow", "status": "ok", "transcript": shadow, "answer_hmac": "y"},
        ],
        "tables": {
            "items": {"root": items_root, "rows": items_n, "schema": w.put_json(ITEMS.to_data()),
                      "queries": ["ls"], "note": ""},
            "accounts": {"root": acc_root, "rows": acc_n,
                         "schema": w.put_json(ACCOUNTS.to_data()), "queries": ["shadow"],
                         "note": ""},
        },
        "unverifiable": {},
    }
    scope_oid = w.put_json({"scope": "synthetic"})
    body = manifest_body(label, [entry], "0" * 64, scope_oid, "Muster GmbH", "tester",
                         {"synthetic": "1"})
    sid = store.commit(body, w)
    stamp_after_commit(store, sid)  # as the scan service does after a commit
    return sid


def verifier(bundle: Path, where: Path) -> Path:
    """Extract verify_bundle.py from the bundle into `where` (outside the repository)."""
    where.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(bundle) as zf:
        (where / "verify_bundle.py").write_bytes(zf.read("verify_bundle.py"))
    return where / "verify_bundle.py"


def run_verifier(script: Path, bundle: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A plain `python verify_bundle.py bundle.zip`: isolated mode, run from its own folder."""
    return subprocess.run([sys.executable, "-I", str(script), str(bundle), *args],
                          capture_output=True, text=True, cwd=script.parent, timeout=120)


def rewrite(src: Path, dst: Path, change: Any) -> None:
    """Copy a zip, letting change(files: dict[name, bytes]) alter its members."""
    with zipfile.ZipFile(src) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    change(files)
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n, d in files.items():
            zf.writestr(n, d)


def flip(data: bytes, at: int | None = None) -> bytes:
    b = bytearray(data)
    b[len(b) // 2 if at is None else at] ^= 0x01
    return bytes(b)
