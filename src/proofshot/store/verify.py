"""Checking a whole store: every object against its id, every manifest against its id and
signature, the chain of manifests, and the index against the files. Names the first break."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import zstandard

from proofshot.model.canonical import canonical
from proofshot.model.errors import IntegrityError, StoreError
from proofshot.store.api import EvidenceStore
from proofshot.store.doclog import verify_logs
from proofshot.store.embedded import MANIFEST_FORMAT, manifest_id
from proofshot.store.keys import salt_fingerprint, verify_signature
from proofshot.store.packs import decode, read_records
from proofshot.store.timestamp import tsa_ca
from proofshot.store.tree import LEAF_MAGIC, NODE_MAGIC, children
from proofshot.store.trust import check_records
from proofshot.store.verify_bundle import Broken, check_timestamp, transcript_pieces


@dataclass
class VerifyReport:
    snapshots: int = 0
    objects: int = 0
    packs: int = 0
    timestamps: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Links:
    """What the object pass learned, so references are checked without decoding again:
    children of tree nodes, pieces of streamed transcripts, and objects that are no tree."""

    kids: dict[str, list[str]] = field(default_factory=dict)
    not_tree: set[str] = field(default_factory=set)
    done: set[str] = field(default_factory=set)  # subtrees found whole (shared by snapshots)

    def learn(self, oid: str, raw: bytes) -> None:
        if raw.startswith(NODE_MAGIC):
            self.kids[oid] = [k for k, _ in children(raw) or ()]
        elif not raw.startswith(LEAF_MAGIC):
            self.not_tree.add(oid)
            pieces = transcript_pieces(raw)
            if pieces:
                self.kids[oid] = pieces


def _first_gap(body: dict[str, object], present: set[str], links: _Links) -> str | None:
    """The first object a manifest points at that is missing, corrupt or of the wrong kind."""
    scope = body.get("scope")
    if isinstance(scope, dict) and scope.get("object") and scope["object"] not in present:
        return f"object {str(scope['object'])[:16]} is missing or corrupt"
    targets = body.get("targets")
    for t in targets if isinstance(targets, list) else []:
        roots = [(c["transcript"], False) for c in t.get("coverage", [])]
        for tab in t.get("tables", {}).values():
            roots += [(tab["schema"], False), (tab["root"], True)]
        for root, tree in roots:
            stack, seen = [root], []
            while stack:
                oid = stack.pop()
                if oid in links.done:
                    continue
                if oid not in present:
                    return f"object {oid[:16]} is missing or corrupt"
                if tree and oid in links.not_tree:
                    return f"object {oid[:16]} of a table is not a tree object"
                seen.append(oid)
                stack.extend(links.kids.get(oid, ()))
            if tree:
                links.done.update(seen)  # a whole tree: its subtrees need no second walk
    return None


def check_manifest(sid: str, raw: bytes, pub: str | Callable[[str, dict[str, Any]], bool]
                   ) -> tuple[dict[str, object] | None, str | None]:
    """One manifest's bytes against its name (id = hash of the canonical body), the key(s) the
    store accepts (one public key, or a predicate over key and body) and its signature:
    (body, None) when it holds, else (None, the problem)."""
    try:
        doc = json.loads(raw)
        body = doc["body"]
    except (ValueError, KeyError, TypeError):
        return None, f"manifest {sid[:12]} is unreadable"
    if manifest_id(body) != sid:
        return None, f"manifest {sid[:12]} was altered (content does not match its id)"
    signer = doc.get("public_key")
    ok = signer == pub if isinstance(pub, str) else isinstance(signer, str) and pub(signer, body)
    if not ok or not isinstance(signer, str):
        return None, f"manifest {sid[:12]} is signed by another key"
    if not verify_signature(signer, doc.get("signature", ""), canonical(body)):
        return None, f"manifest {sid[:12]}: signature does not verify"
    if body.get("format") != MANIFEST_FORMAT:
        return None, f"manifest {sid[:12]}: unknown format {body.get('format')!r}"
    return body, None


def check_chain(bodies: dict[str, dict[str, object]]) -> list[str]:
    """The chain of valid manifests: one genesis, each link's previous present, seq
    consecutive, no fork."""
    problems: list[str] = []
    by_prev: dict[str | None, list[str]] = {}
    for sid, body in bodies.items():
        prev = body.get("prev")
        by_prev.setdefault(prev if isinstance(prev, str) else None, []).append(sid)
    for sid, body in sorted(bodies.items(), key=lambda kv: int(str(kv[1].get("seq", 0)))):
        prev = body.get("prev")
        seq = body.get("seq")
        if prev is None:
            if seq != 1:
                problems.append(f"chain broken: snapshot {sid[:12]} (#{seq}) has no previous "
                                "snapshot but is not the first")
            continue
        if not isinstance(prev, str) or prev not in bodies:
            problems.append(f"chain broken: snapshot {sid[:12]} (#{seq}) follows "
                            f"{str(prev)[:12]}, which is missing or invalid")
            continue
        if bodies[prev].get("seq") != (seq - 1 if isinstance(seq, int) else None):
            problems.append(f"chain broken: snapshot {sid[:12]} (#{seq}) follows #"
                            f"{bodies[prev].get('seq')} (order altered)")
    for prev, nxt in by_prev.items():
        if len(nxt) > 1:
            problems.append(f"chain forked after {str(prev)[:12]}: " +
                            ", ".join(s[:12] for s in sorted(nxt)))
    return problems


def _seq(body: dict[str, object]) -> int:
    seq = body.get("seq")
    return seq if isinstance(seq, int) else 0


def _hash_pack(store: EvidenceStore, name: str) -> str:
    h = hashlib.sha256()
    with store.backend.open_pack(name) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_salt(store: EvidenceStore, bodies: dict[str, dict[str, object]]) -> list[str]:
    """The salt of keyed hashes must be the one each snapshot used (its fingerprint in the
    manifest): a lost or replaced salt turns every masked value into a false change."""
    try:
        own = store.keys.fingerprint
    except StoreError:
        own = None
    # only what this workspace signed used its salt (other signers of a team store keep theirs)
    bodies = {sid: b for sid, b in bodies.items()
              if isinstance(b.get("salt"), str) and b.get("key") in (own, None)}
    if not bodies:
        return []
    try:
        salt = store.keys.salt
    except StoreError:
        return [f"the salt of keyed hashes is missing ({store.keys.dir / 'salt'}): masked values "
                "can no longer be matched (restore keys/salt from a copy of this store)"]
    mine = salt_fingerprint(salt)
    wrong = sorted(sid for sid, b in bodies.items()
                   if isinstance(b.get("salt"), str) and b["salt"] != mine)
    if not wrong:
        return []
    names = ", ".join(w[:12] for w in wrong[:3])
    return [f"the salt of keyed hashes changed: {len(wrong)} snapshot(s) ({names}) were "
            "hashed with another salt (fingerprint "
        f"{str(bodies[wrong[0]]['salt'])[5:17]}, here {mine[5:17]}); restore keys/salt from a "
        "copy of this store"]


def verify_store(store: EvidenceStore, progress: Callable[[str], None] | None = None) -> VerifyReport:
    rep = VerifyReport()
    be = store.backend
    store.reconcile()
    # 1. objects: every pack hashes to its name, every record decompresses to bytes whose
    #    SHA-256 is its id, and the index says exactly what the pack holds
    present: set[str] = set()
    links = _Links()
    for name in be.list("pack"):
        rep.packs += 1
        if _hash_pack(store, name) != name:
            rep.problems.append(f"pack {name[:12]} was altered (its hash does not match)")
        found: list[tuple[str, int, int]] = []
        try:
            with be.open_pack(name) as fh:
                for oid, off, data in read_records(fh):
                    found.append((oid, off, len(data)))
                    rep.objects += 1
                    try:
                        raw = decode(data, store.get)
                    except (zstandard.ZstdError, ValueError, IntegrityError) as exc:
                        why = exc.message if isinstance(exc, IntegrityError) \
                            else "cannot decompress"
                        rep.problems.append(f"object {oid} in pack {name[:12]} is corrupt "
                                            f"({why})")
                        continue
                    if hashlib.sha256(raw).hexdigest() != oid:
                        rep.problems.append(f"object {oid} in pack {name[:12]} does not match "
                                            "its id")
                        continue
                    try:
                        links.learn(oid, raw)
                    except ValueError:
                        rep.problems.append(f"object {oid} in pack {name[:12]} is a tree node "
                                            "that cannot be read")
                        continue
                    present.add(oid)
        except ValueError as exc:
            rep.problems.append(f"pack {name[:12]}: {exc}")
            continue
        wrong = be.check_index(name, found)
        if wrong:
            oid = wrong[0]
            rep.problems.append(f"index of pack {name[:12]} was altered: it places object "
                                f"{oid[:16]} where the pack does not hold it")
    # 2. manifests: id, signature (a key the store accepts), format
    bodies: dict[str, dict[str, object]] = {}
    for sid in be.list("manifest"):
        body, problem = check_manifest(sid, be.get("manifest", sid), store.accepts)
        if problem is not None:
            rep.problems.append(problem)
        elif body is not None:
            bodies[sid] = body
    rep.snapshots = len(bodies)
    # 3. the chain: one genesis, each link's previous present, seq consecutive, no fork
    limited = getattr(be, "limited", None)
    if callable(limited) and limited():
        # a technician limited to some customers: links to snapshots of others are hidden
        rep.problems.extend(p for p in check_chain(bodies)
                            if "missing or invalid" not in p and "has no previous" not in p)
    else:
        rep.problems.extend(check_chain(bodies))
    # 4. the index names no snapshot that is gone, and every object it lists exists
    for info in store.snapshots():
        if info.id not in bodies and not be.has("manifest", info.id):
            rep.problems.append(f"snapshot {info.id[:12]} (#{info.seq}, {info.label}) was "
                                "deleted from the store")
        elif info.id in bodies and bodies[info.id].get("seq") != info.seq:
            rep.problems.append(f"snapshot {info.id[:12]}: index says #{info.seq}, manifest "
                                f"says #{bodies[info.id].get('seq')} (order altered)")
    # 5. every object a valid manifest references exists and is intact (subtrees shared by
    # snapshots are walked once)
    for sid, body in sorted(bodies.items(), key=lambda kv: _seq(kv[1])):
        if progress:
            progress(sid)
        gap = _first_gap(body, present, links)
        if gap:
            rep.problems.append(f"snapshot {sid[:12]}: {gap}")
    # 6. the salt of keyed hashes is the one the snapshots were made with
    rep.problems.extend(check_salt(store, bodies))
    # 7. RFC 3161 tokens stamp exactly their manifest's hash, signed by the (configured) TSA
    ca = tsa_ca(store)
    for sid in be.list("token"):
        try:
            data = be.get("token", sid)
            check_timestamp(data, bytes.fromhex(sid), ca)
            rep.timestamps += 1
        except (Broken, ValueError) as exc:
            rep.problems.append(f"timestamp of snapshot {sid[:12]}: {exc}")
    # 8. enrolled signers' records, and signed document logs (the job record)
    rep.problems.extend(check_records(store)[1])
    rep.problems.extend(verify_logs(store))
    return rep


def verify_snapshots(store: EvidenceStore, ids: list[str]) -> list[str]:
    """Just these snapshots, end to end (after a push: O(what was sent), not O(store)): each
    manifest's id, signature and link to its predecessor, and every object it references read
    back and checked against its id."""
    from proofshot.store.tree import iter_objects

    problems: list[str] = []
    seen: set[str] = set()
    limited = getattr(store.backend, "limited", None)
    hidden = bool(callable(limited) and limited())  # links to other customers are hidden
    for sid in ids:
        body, problem = check_manifest(sid, store.backend.get("manifest", sid), store.accepts)
        if problem is not None or body is None:
            problems.append(problem or f"manifest {sid[:12]} is unreadable")
            continue
        prev = body.get("prev")
        if isinstance(prev, str) and not hidden and not store.backend.has("manifest", prev):
            problems.append(f"chain broken: snapshot {sid[:12]} follows {prev[:12]}, which is "
                            "missing")
        try:
            roots: list[str] = []
            scope = body.get("scope")
            if isinstance(scope, dict) and isinstance(scope.get("object"), str):
                roots.append(scope["object"])
            targets = body.get("targets")
            for t in targets if isinstance(targets, list) else []:
                for c in t.get("coverage", []):
                    raw = store.get(c["transcript"])
                    roots += transcript_pieces(raw)
                for tab in t.get("tables", {}).values():
                    roots.append(tab["schema"])
                    roots += [o for o in iter_objects(store.get, tab["root"]) if o not in seen]
            for oid in roots:
                if oid not in seen:
                    store.get(oid)  # raises when missing or not matching its id
                    seen.add(oid)
        except IntegrityError as exc:
            problems.append(f"snapshot {sid[:12]}: {exc.message}")
    return problems
