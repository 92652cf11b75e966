"""The evidence bundle: two snapshots and everything needed to check them offline, in one zip.

    index.json              signed (store key): from, to, chain, files {name: sha256},
                            absent (redacted transcripts: id, snapshot, target, query, reason),
                            signers (public key, fingerprint, name of every key that signed a
                            manifest or job-record entry in the bundle, each one the store
                            trusted at export time: a technician, a site worker)
    public_key.txt          the exporting workspace's Ed25519 public key (base64), as in
                            keys/signing.pub: it signs index.json
    manifests/<id>.json     the signed manifests from A to B (the chain between them included)
    objects/<id>            every object A and B reference, raw (uncompressed; name = SHA-256)
    timestamps/<id>.tsr     RFC 3161 responses, where the store has them
    tsa-ca.pem              the configured TSA CA, if any
    engagement/<id>.json    the signed, chained job record, if one is linked or named
    report/<file>           the report, if given
    verify_bundle.py        the standalone verifier (Python 3 + cryptography)
    README.txt              what this is and how to check it

`--redact` drops the transcripts of queries whose answers fed a table with sensitive columns
(the rows keep those columns as keyed hashes, so equality stays provable); the signed index
lists each dropped transcript by id, and the verifier accepts exactly those as absent.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from proofshot.engagement.model import Engagement, load, load_all, log
from proofshot.model.canonical import canonical
from proofshot.model.errors import BadInput, IntegrityError
from proofshot.model.snapshot import Manifest, TargetEntry
from proofshot.model.table import Table
from proofshot.store.api import EvidenceStore, utcnow
from proofshot.store.backend import Kind
from proofshot.store.copy import copy
from proofshot.store.reader import read_manifest
from proofshot.store.timestamp import tsa_ca
from proofshot.store.tree import iter_objects
from proofshot.store.verify_bundle import BUNDLE_FORMAT, fingerprint, transcript_pieces
from proofshot.store.verify_bundle import __file__ as _verifier_file

VERIFIER_NAME = "verify_bundle.py"


@dataclass
class BundleResult:
    path: Path
    chain: list[str]
    objects: int
    absent: list[dict[str, Any]] = field(default_factory=list)
    engagement: str | None = None
    timestamps: int = 0


def _chain_manifests(store: EvidenceStore, a: str, b: str) -> dict[str, Manifest]:
    """The checked manifests (id and signature) from a to b, each read once."""
    bodies: dict[str, Manifest] = {}
    sid = b
    while True:
        bodies[sid] = read_manifest(store, sid)
        if sid == a:
            return dict(reversed(bodies.items()))
        prev = bodies[sid].prev
        if not isinstance(prev, str):
            raise BadInput(f"snapshot {a[:12]} is not an ancestor of {b[:12]} (give the earlier "
                           "snapshot first)")
        sid = prev


def sensitive_queries(store: EvidenceStore, target: TargetEntry) -> dict[str, str]:
    """query id -> table name, for queries that fed a table with sensitive columns."""
    out: dict[str, str] = {}
    for tname, tab in target.tables.items():
        schema = Table.from_data(store.get_json(tab.schema))
        if schema.sensitive:
            for q in tab.queries:
                out[q] = tname
    return out


def linked_engagement(store: EvidenceStore, ids: set[str]) -> Engagement | None:
    hits = [g for g in load_all(store) if ids & (set(g.links.values()) | set(g.scans))]
    return hits[-1] if hits else None


def export(store: EvidenceStore, a: str, b: str, out: Path, *, redact: bool = False,
           report: Path | None = None, engagement: str | None = None) -> BundleResult:
    if out.suffix.lower() != ".zip":
        raise BadInput(f"--out {out}: the bundle is a .zip file")
    if report is not None and not report.is_file():
        raise BadInput(f"--report {report}: no such file")
    bodies = _chain_manifests(store, a, b)  # checked: id and signature
    chain = list(bodies)
    absent: list[dict[str, Any]] = []
    objects: set[str] = set()
    for sid in dict.fromkeys([a, b]):
        manifest = bodies[sid]
        if manifest.scope.object:
            objects.add(manifest.scope.object)
        for t in manifest.targets:
            drop = sensitive_queries(store, t) if redact else {}
            for c in t.coverage:
                if c.query in drop:
                    absent.append({"id": c.transcript, "kind": "transcript", "snapshot": sid,
                                   "target": t.name, "query": c.query,
                                   "reason": f"fed table {drop[c.query]}, which has "
                                             "sensitive columns"})
                else:
                    objects.add(c.transcript)
                    objects.update(transcript_pieces(store.get(c.transcript)))
            for tab in t.tables.values():
                objects.add(tab.schema)
                objects.update(iter_objects(store.get, tab.root))
    # a transcript shared with a kept query stays; only what is absent is listed as absent
    absent = [x for x in absent if x["id"] not in objects]
    absent = list({(x["id"], x["snapshot"], x["query"]): x for x in absent}.values())
    eng = (load(store, engagement) if engagement is not None
           else linked_engagement(store, set(chain)))
    job = log(store)
    entries = [f"{job.name}/{did}" for did in job.chain_docs(eng.id)] if eng else []
    sink = BundleSink()
    copy(store, sink, chain=chain, objects=objects, logs=entries)
    files = sink.files
    signers = bundle_signers(store, files)
    ca = tsa_ca(store)
    if ca is not None:
        files["tsa-ca.pem"] = ca
    if report is not None:
        files[f"report/{report.name}"] = report.read_bytes()
    files[VERIFIER_NAME] = Path(_verifier_file).read_bytes()
    files["README.txt"] = _readme(store, chain, redact, absent, eng, report, signers).encode()
    body = {
        "format": BUNDLE_FORMAT, "created": utcnow(), "from": chain[0], "to": chain[-1],
        "chain": chain, "key": store.keys.fingerprint, "signers": signers,
        "redacted": redact, "absent": absent,
        "engagement": eng.id if eng else None,
        "report": f"report/{report.name}" if report else None,
        "files": {n: hashlib.sha256(d).hexdigest() for n, d in sorted(files.items())},
    }
    index = {"body": body, "signature": store.keys.sign(canonical(body)),
             "public_key": store.keys.public_b64}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("index.json", json.dumps(index, indent=1, ensure_ascii=False))
            for name, data in sorted(files.items()):
                zf.writestr(name, data)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return BundleResult(out, chain, len(objects), absent, eng.id if eng else None,
                        sum(1 for n in files if n.startswith("timestamps/")))


def bundle_signers(store: EvidenceStore, files: dict[str, bytes]) -> list[dict[str, str]]:
    """Who signed the bundle's manifests and job-record entries: public key, fingerprint and
    the name it was enrolled under, each one a signer the store accepts (a manifest was checked
    when read; an entry by a key the store does not trust is refused here)."""
    trusted = store.signers()
    found: dict[str, str] = {}
    for name, data in sorted(files.items()):
        if name.startswith(("manifests/", "engagement/")) and name.endswith(".json"):
            pub = json.loads(data).get("public_key")
            if not isinstance(pub, str) or pub not in trusted:
                raise IntegrityError(f"{name} is signed by a key this store does not trust "
                                     f"({fingerprint(pub) if isinstance(pub, str) else '?'})")
            found.setdefault(pub, name)
    return [{"public_key": pub, "fingerprint": trusted[pub].fingerprint,
             "name": trusted[pub].name} for pub in sorted(found, key=lambda p: trusted[p].fingerprint)]


class BundleSink:
    """The bundle being written, as a copy destination: raw objects (not packs), the chain's
    manifests, their tokens and one job-record chain, under the bundle's file names."""

    takes_packs = False
    location = "the evidence bundle"
    _DIRS: ClassVar[dict[str, tuple[str, str]]] = {
        "manifest": ("manifests/", ".json"), "token": ("timestamps/", ".tsr"),
        "log": ("engagement/", ".json"), "pack": ("packs/", ".pack"), "key": ("keys/", ".json")}

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def _name(self, kind: Kind, name: str) -> str:
        pre, suf = self._DIRS[kind]
        if kind == "log":
            name = name.rpartition("/")[2]  # one log (the job record) per bundle
        return f"{pre}{name}{suf}"

    def list(self, kind: Kind) -> list[str]:
        pre, suf = self._DIRS[kind]
        return [f[len(pre):-len(suf)] for f in self.files if f.startswith(pre)]

    def get(self, kind: Kind, name: str) -> bytes:
        return self.files[self._name(kind, name)]

    def put(self, kind: Kind, name: str, data: bytes, *, replace: bool = False) -> None:
        self.files[self._name(kind, name)] = data

    def put_object(self, oid: str, raw: bytes) -> None:
        self.files[f"objects/{oid}"] = raw

    def advance_doc(self, prev: str | None, sid: str, doc: bytes) -> None:
        self.files[self._name("manifest", sid)] = doc

    def adopt(self, store: EvidenceStore) -> int:
        self.files["public_key.txt"] = (store.keys.public_b64 + "\n").encode()
        return 0


def _readme(store: EvidenceStore, chain: list[str], redact: bool, absent: list[dict[str, Any]],
            eng: Engagement | None, report: Path | None, signers: list[dict[str, str]]) -> str:
    lines = [
        "proofshot evidence bundle",
        "",
        f"Snapshots: {chain[0]} (first) to {chain[-1]} (last), {len(chain)} manifests in the chain.",
        f"Signing key: {store.keys.fingerprint}",
        "",
        "To check it offline (Python 3 and the 'cryptography' package):",
        "",
        f"    python {VERIFIER_NAME} THIS.zip [--key {store.keys.fingerprint}]",
        "",
        "It prints OK, or the first thing that does not verify. Compare the key fingerprint",
        "with the one the technician gave you.",
        "",
        "Signers of the snapshots and the job record (compare each fingerprint with the one",
        "the provider gave you; the verifier prints them too):",
        "",
    ] + [f"    {s['fingerprint']}  {s['name']}" for s in signers]
    if eng is not None:
        lines += ["", f"Job record: {eng.title} for {eng.customer} ({eng.id[:12]}), "
                  "in engagement/."]
    if report is not None:
        lines += ["", f"Report: report/{report.name}"]
    if redact:
        lines += ["", f"Redacted: {len(absent)} transcript(s) of queries that fed tables with "
                  "sensitive columns were left out; index.json lists them (id, target, query).",
                  "Sensitive columns are stored as keyed hashes: equal values have equal hashes."]
    return "\n".join(lines) + "\n"
