"""Signed document logs: small records kept beside the snapshots, signed and hash-chained.

    log values LOG/<id>      {"body": BODY, "signature": ..., "public_key": ...}
                             <id> = SHA-256 of the canonical BODY (a directory store keeps
                             them as logs/<log>/<id>.json)

A log holds any number of chains. The first entry of a chain has "chain": null, "seq": 1,
"prev": null, and its id names the chain; every later entry has "chain": that id, "seq": n,
"prev": the id of entry n-1. So one chain can be handed over (an evidence bundle) without the
others. Entries are written like manifests: under the store lock, to tmp/, fsynced, renamed.
The store does not know what the bodies mean; the layer above gives them their meaning.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from proofshot.model.canonical import canonical
from proofshot.model.errors import BadInput, IntegrityError
from proofshot.store.api import EvidenceStore
from proofshot.store.embedded import manifest_id
from proofshot.store.keys import public_raw, verify_signature
from proofshot.store.verify_bundle import Broken, check_log

LOG_FORMAT = "proofshot-log/1"


@dataclass(frozen=True)
class Entry:
    id: str
    chain: str          # id of the chain's first entry (its own id for that entry)
    seq: int
    body: dict[str, Any]


class DocLog:
    def __init__(self, store: EvidenceStore, name: str) -> None:
        if not name.isidentifier():
            raise BadInput(f"bad log name {name!r}")
        self.store = store
        self.name = name

    def append(self, chain: str | None, payload: dict[str, Any]) -> str:
        """Add an entry; chain None starts a new chain. Returns the entry id."""
        with self.store.lock():
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
            self.store.backend.put("log", f"{self.name}/{did}", canonical(doc))
        return did

    def docs(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        be = self.store.backend
        for name in be.list("log"):
            log, _, did = name.partition("/")
            if log == self.name:
                try:
                    out[did] = json.loads(be.get("log", name))
                except ValueError:
                    out[did] = None
        return out

    def entries(self, check: bool = True) -> list[Entry]:
        """Every entry in chain order; checked (ids, signatures, links) unless check=False."""
        docs = self.docs()
        if check:
            problem = verify_docs(docs, self.store, self.name)
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


def verify_docs(docs: dict[str, Any], store: EvidenceStore, name: str) -> str | None:
    """The first problem of a log's documents, or None. Entries may come from several
    signers (a team store): each must be one the store accepts."""
    keys = {d.get("public_key") for d in docs.values() if isinstance(d, dict)}
    signers = store.signers()
    for pub in sorted(k for k in keys if isinstance(k, str)):
        if pub not in signers:
            return f"{name} entry signed by {pub[:12]}..., a key this store does not accept"
    if len(keys) > 1 and all(isinstance(d, dict) for d in docs.values()):
        # one signer per pass for the signatures, then the chains over all of them
        for pub in sorted(k for k in keys if isinstance(k, str)):
            mine = {d: doc for d, doc in docs.items() if doc.get("public_key") == pub}
            problem = _first_problem(mine, pub, name, chains=False)
            if problem:
                return problem
        return _first_problem(docs, "", name, signatures=False)
    only = next(iter(keys)) if keys else store.keys.public_b64
    return _first_problem(docs, only if isinstance(only, str) else "", name)


def _first_problem(docs: dict[str, Any], pub: str, name: str, chains: bool = True,
                   signatures: bool = True) -> str | None:
    try:
        if signatures and not chains:
            _signatures_only(docs, pub, name)
        elif chains and not signatures:
            _chains_only(docs, name)
        else:
            check_log(docs, pub, f"{name} entry")
    except Broken as exc:
        return str(exc)
    return None


def _signatures_only(docs: dict[str, Any], pub: str, name: str) -> None:
    for did, doc in sorted(docs.items()):
        body = doc.get("body") if isinstance(doc, dict) else None
        if not isinstance(body, dict) or manifest_id(body) != did:
            raise Broken(f"{name} entry {did[:12]} was altered (content does not match its id)")
        if not verify_signature(pub, str(doc.get("signature", "")), canonical(body)):
            raise Broken(f"{name} entry {did[:12]}: signature does not verify")


def _chains_only(docs: dict[str, Any], name: str) -> None:
    """check_log's chain rules over entries whose signatures were checked one signer at a
    time: a throw-away key signs a copy, so check_log sees one signer."""
    tmp = Ed25519PrivateKey.generate()
    pub = public_raw(tmp.public_key()).decode().strip()
    signed = {d: {"body": doc["body"], "public_key": pub,
                  "signature": base64.b64encode(tmp.sign(canonical(doc["body"]))).decode()}
              for d, doc in docs.items()}
    check_log(signed, pub, f"{name} entry")


def verify_logs(store: EvidenceStore) -> list[str]:
    """Problems of every log in the store (for `proofshot verify`)."""
    problems = []
    names = sorted({n.partition("/")[0] for n in store.backend.list("log")})
    for name in names:
        problem = verify_docs(DocLog(store, name).docs(), store, name)
        if problem:
            problems.append(problem)
    return problems


def utcnow() -> str:
    """UTC with microseconds: two events within one second must still sort in order."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
