"""Checking a whole store: every object against its id, every manifest against its id and
signature, the chain of manifests, and the index against the files. Names the first break."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import zstandard

from proofshot.model.canonical import canonical
from proofshot.model.errors import IntegrityError
from proofshot.store.doclog import verify_logs
from proofshot.store.embedded import MANIFEST_FORMAT, Store, manifest_id
from proofshot.store.keys import verify_signature
from proofshot.store.packs import decode, read_records
from proofshot.store.timestamp import tsa_ca
from proofshot.store.tree import LEAF_MAGIC, NODE_MAGIC, children
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


def check_manifest(sid: str, raw: bytes, pub: str) -> tuple[dict[str, object] | None, str | None]:
    """One manifest file's bytes against its name (id = hash of the canonical body), the store's
    key and its signature: (body, None) when it holds, else (None, the problem)."""
    try:
        doc = json.loads(raw)
        body = doc["body"]
    except (ValueError, KeyError, TypeError):
        return None, f"manifest {sid[:12]} is unreadable"
    if manifest_id(body) != sid:
        return None, f"manifest {sid[:12]} was altered (content does not match its id)"
    if doc.get("public_key") != pub:
        return None, f"manifest {sid[:12]} is signed by another key"
    if not verify_signature(pub, doc.get("signature", ""), canonical(body)):
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


def verify_store(store: Store, progress: Callable[[str], None] | None = None) -> VerifyReport:
    rep = VerifyReport()
    pub = store.keys.public_b64
    # 1. objects: every pack record decompresses to bytes whose SHA-256 is its id
    present: set[str] = set()
    links = _Links()
    for pack in sorted(store.packs_dir.glob("*.pack")):
        rep.packs += 1
        h = hashlib.sha256()
        with open(pack, "rb") as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):  # type: ignore[misc]
                h.update(block)
        if h.hexdigest() != pack.stem:
            rep.problems.append(f"pack {pack.stem[:12]} was altered (its hash does not match)")
        try:
            for oid, _off, data in read_records(pack):
                rep.objects += 1
                try:
                    raw = decode(data, store.get)
                except (zstandard.ZstdError, ValueError, IntegrityError) as exc:
                    why = exc.message if isinstance(exc, IntegrityError) else "cannot decompress"
                    rep.problems.append(f"object {oid} in pack {pack.stem[:12]} is corrupt "
                                        f"({why})")
                    continue
                if hashlib.sha256(raw).hexdigest() != oid:
                    rep.problems.append(f"object {oid} in pack {pack.stem[:12]} does not match "
                                        "its id")
                    continue
                try:
                    links.learn(oid, raw)
                except ValueError:
                    rep.problems.append(f"object {oid} in pack {pack.stem[:12]} is a tree node "
                                        "that cannot be read")
                    continue
                present.add(oid)
        except ValueError as exc:
            rep.problems.append(f"pack {exc}")
    # 2. manifests: id, signature, format
    bodies: dict[str, dict[str, object]] = {}
    for path in sorted(store.snap_dir.glob("*.json")):
        body, problem = check_manifest(path.stem, path.read_bytes(), pub)
        if problem is not None:
            rep.problems.append(problem)
        elif body is not None:
            bodies[path.stem] = body
    rep.snapshots = len(bodies)
    # 3. the chain: one genesis, each link's previous present, seq consecutive, no fork
    rep.problems.extend(check_chain(bodies))
    # 4. the index names no snapshot that is gone, and every object it lists exists
    for info in store.snapshots():
        if info.id not in bodies and not (store.snap_dir / f"{info.id}.json").exists():
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
    # 6. RFC 3161 tokens stamp exactly their manifest's hash, signed by the (configured) TSA
    ca = tsa_ca(store)
    for tsr in sorted(store.snap_dir.glob("*.tsr")):
        try:
            check_timestamp(tsr.read_bytes(), bytes.fromhex(tsr.stem), ca)
            rep.timestamps += 1
        except (Broken, ValueError) as exc:
            rep.problems.append(f"timestamp of snapshot {tsr.stem[:12]}: {exc}")
    # 7. signed document logs (the job record): ids, signatures, chains
    rep.problems.extend(verify_logs(store))
    return rep
