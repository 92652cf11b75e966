"""Signed document logs: small records kept beside the snapshots, signed and hash-chained.

    logs/<log>/<id>.json     {"body": BODY, "signature": ..., "public_key": ...}
                             <id> = SHA-256 of the canonical BODY

A log holds any number of chains. The first entry of a chain has "chain": null, "seq": 1,
"prev": null, and its id names the chain; every later entry has "chain": that id, "seq": n,
"prev": the id of entry n-1. So one chain can be handed over (an evidence bundle) without the
others. Entries are written like manifests: under the store lock, to tmp/, fsynced, renamed.
The store does not know what the bodies mean; the layer above gives them their meaning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from proofshot.model.canonical import canonical
from proofshot.model.errors import BadInput, IntegrityError
from proofshot.store.embedded import Store, _atomic_write, manifest_id
from proofshot.store.verify_bundle import Broken, check_log

LOG_FORMAT = "proofshot-log/1"


@dataclass(frozen=True)
class Entry:
    id: str
    chain: str          # id of the chain's first entry (its own id for that entry)
    seq: int
    body: dict[str, Any]


def logs_dir(root: Path) -> Path:
    return root / "logs"


class DocLog:
    def __init__(self, store: Store, name: str) -> None:
        if not name.isidentifier():
            raise BadInput(f"bad log name {name!r}")
        self.store = store
        self.dir = logs_dir(store.root) / name
        self.name = name

    def append(self, chain: str | None, payload: dict[str, Any]) -> str:
        """Add an entry; chain None starts a new chain. Returns the entry id."""
        with self.store.lock():
            self.dir.mkdir(parents=True, exist_ok=True)
            entries = self.entries()
            if chain is None:
                seq, prev = 1, None
            else:
                mine = [e for e in entries if e.chain == chain]
                if not mine:
                    raise BadInput(f"no chain {chain[:12]} in log {self.name}")
                tip = max(mine, key=lambda e: e.seq)
                seq, prev = tip.seq + 1, tip.id
            body = dict(payload)
            body.update({"format": LOG_FORMAT, "log": self.name, "chain": chain, "seq": seq,
                         "prev": prev, "time": body.get("time") or utcnow(),
                         "key": self.store.keys.fingerprint})
            did = manifest_id(body)
            doc = {"body": body, "signature": self.store.keys.sign(canonical(body)),
                   "public_key": self.store.keys.public_b64}
            _atomic_write(self.dir / f"{did}.json", canonical(doc), self.store.tmp_dir)
        return did

    def docs(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if not self.dir.is_dir():
            return out
        for p in sorted(self.dir.glob("*.json")):
            try:
                out[p.stem] = json.loads(p.read_bytes())
            except ValueError:
                out[p.stem] = None
        return out

    def entries(self, check: bool = True) -> list[Entry]:
        """Every entry in chain order; checked (ids, signatures, links) unless check=False."""
        docs = self.docs()
        if check:
            problem = verify_docs(docs, self.store.keys.public_b64, self.name)
            if problem:
                raise IntegrityError(problem)
        out = []
        for did, doc in docs.items():
            body = doc["body"] if isinstance(doc, dict) and isinstance(doc.get("body"), dict) \
                else None
            if body is None:
                continue
            out.append(Entry(did, body.get("chain") or did, int(body.get("seq", 0)), body))
        out.sort(key=lambda e: (e.body.get("time", ""), e.chain, e.seq))
        return out

    def chain_docs(self, chain: str) -> dict[str, Any]:
        """The signed documents of one chain (for handing it over)."""
        docs = self.docs()
        return {e.id: docs[e.id] for e in self.entries() if e.chain == chain}


def verify_docs(docs: dict[str, Any], pub_b64: str, name: str) -> str | None:
    """The first problem of a log's documents, or None."""
    try:
        check_log(docs, pub_b64, f"{name} entry")
    except Broken as exc:
        return str(exc)
    return None


def verify_logs(store: Store) -> list[str]:
    """Problems of every log in the store (for `proofshot verify`)."""
    problems = []
    base = logs_dir(store.root)
    for d in sorted(base.iterdir()) if base.is_dir() else []:
        if d.is_dir():
            problem = verify_docs(DocLog(store, d.name).docs(), store.keys.public_b64, d.name)
            if problem:
                problems.append(problem)
    return problems


def utcnow() -> str:
    """UTC with microseconds: two events within one second must still sort in order."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
