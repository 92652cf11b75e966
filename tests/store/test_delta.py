"""Chunks stored as deltas against the chunk they replace: small growth, same bytes back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import zstandard

from proofshot.scan.record import manifest_body, write_table
from proofshot.store.embedded import Store
from proofshot.store.packs import MAX_DEPTH, decode, delta_header, read_records
from proofshot.store.tree import iter_rows
from proofshot.store.verify import verify_store
from tests.synth import ITEMS, row


def pack_bytes(store: Store) -> int:
    return sum(p.stat().st_size for p in store.packs_dir.glob("*.pack"))


def commit_rows(store: Store, rows: list[dict[str, Any]], previous: str | None) -> str:
    w = store.writer()
    root, n = write_table(w, ITEMS, rows, store.keys.keyed_hash, previous)
    entry = {"name": "h", "type": "synthetic", "collector": {"name": "synthetic", "version": "1"},
             "status": "ok", "reason": "", "facts": {}, "started": "", "duration_ms": 0,
             "coverage": [], "unverifiable": {},
             "tables": {"items": {"root": root, "rows": n, "schema": w.put_json(ITEMS.to_data()),
                                 "queries": [], "note": ""}}}
    body = manifest_body("x", [entry], "0" * 64, w.put_json({"s": 1}), None, "t", {})
    store.commit(body, w)
    return root


def test_one_changed_row_costs_bytes_not_chunks(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "s")
    rows = [row(i, text=f"line of text number {i}\n" * 3) for i in range(20000)]
    root = commit_rows(store, rows, None)
    base_size = pack_bytes(store)
    packs_before = set(store.packs_dir.glob("*.pack"))
    rows[12345] = row(12345, mode="0600", text=rows[12345]["text"])
    root2 = commit_rows(store, rows, root)
    grown = pack_bytes(store) - base_size
    # A ratio, not a byte count (sizes move with the zstd version): the growth is well under
    # what the new chunks cost stored whole, compressed by this same zstd.
    new = [decode(d, store.get) for p in set(store.packs_dir.glob("*.pack")) - packs_before
           for _, _, d in read_records(p)]
    whole = sum(len(zstandard.ZstdCompressor(level=3).compress(raw)) for raw in new)
    assert grown < 0.5 * whole, f"one changed row grew the store by {grown} of {whole} bytes"
    assert [r for r in iter_rows(store.get, root2)] != [r for r in iter_rows(store.get, root)]
    store.close()
    fresh = Store.open(store.root)
    got = [r for r in iter_rows(fresh.get, root2)]
    assert len(got) == 20000
    assert next(r for r in got if r.startswith(b'{"id":12345,')).find(b'"mode":"0600"') > 0
    deltas = [oid for p in fresh.packs_dir.glob("*.pack") for oid, _, d in read_records(p)
              if delta_header(d)]
    assert deltas, "the changed chunks were stored as deltas"
    assert verify_store(fresh).ok


def test_delta_chains_are_capped(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "s")
    rows = [row(i) for i in range(300)]
    root: str | None = None
    for v in range(MAX_DEPTH + 5):
        rows[7] = row(7, uptime=v, name=f"v{v}")
        root = commit_rows(store, rows, root)
    depths = [d[36] for p in store.packs_dir.glob("*.pack") for _, _, d in read_records(p)
              if delta_header(d)]
    assert depths and max(depths) <= MAX_DEPTH
    assert root is not None
    seven = [r for r in iter_rows(store.get, root) if r.startswith(b'{"id":7,')]
    assert seven and f'"name":"v{MAX_DEPTH + 4}"'.encode() in seven[0]
    assert verify_store(store).ok


def test_a_broken_base_breaks_its_deltas(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "s")
    rows = [row(i) for i in range(2000)]
    root = commit_rows(store, rows, None)
    first_pack = next(store.packs_dir.glob("*.pack"))
    rows[3] = row(3, name="changed")
    commit_rows(store, rows, root)
    data = bytearray(first_pack.read_bytes())
    data[len(data) // 3] ^= 0xFF
    first_pack.write_bytes(bytes(data))
    store.close()
    rep = verify_store(Store.open(store.root))
    assert not rep.ok
    assert len(rep.problems) >= 2  # the altered pack, the object in it, and deltas built on it
