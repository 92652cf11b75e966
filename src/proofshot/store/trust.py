"""Which signers a store accepts: the workspace's own key and the public keys enrolled with
`proofshot key trust FILE.pub` (a laptop, a site worker). Private keys never enter a store.

An enrolment is a value of kind "key" named by the SHA-256 of the raw public key, holding a
document signed by the key of whoever enrolled it (the store's owner):

    {"body": {"format": "proofshot-key/1", "public_key": B64, "fingerprint": "SHA256:...",
              "name": "site-nord", "enrolled": TIME, "revoked": null | {"time": T, "after": SEQ}},
     "signature": ..., "public_key": ENROLLER}

Revoking keeps the record (evidence signed before stays valid): manifests by a revoked key
are accepted up to the chain position (`after`) where it was revoked, refused after it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from proofshot.model.canonical import canonical
from proofshot.model.errors import BadInput, IntegrityError
from proofshot.store.keys import fingerprint, verify_signature

if TYPE_CHECKING:
    from proofshot.store.api import EvidenceStore

KEY_FORMAT = "proofshot-key/1"


@dataclass(frozen=True)
class Signer:
    public_key: str
    fingerprint: str
    name: str
    enrolled: str
    revoked: dict[str, Any] | None
    own: bool = False


def key_name(pub_b64: str) -> str:
    return hashlib.sha256(base64.b64decode(pub_b64)).hexdigest()


def parse_public(text: str, where: str) -> str:
    """A public key file's content (base64 raw Ed25519, as keys/signing.pub) -> base64."""
    value = text.strip()
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise BadInput(f"{where}: not an Ed25519 public key (expected a signing.pub file: one "
                       "line of base64)")
    return value


def _record_problem(name: str, data: bytes, owner: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        doc = json.loads(data)
        body = doc["body"]
        pub = body["public_key"]
    except (ValueError, KeyError, TypeError):
        return None, f"enrolled key {name[:12]} is unreadable"
    if body.get("format") != KEY_FORMAT or key_name(pub) != name:
        return None, f"enrolled key {name[:12]} was altered (it does not match its name)"
    if doc.get("public_key") != owner or not verify_signature(
            owner, doc.get("signature", ""), canonical(body)):
        return None, f"enrolled key {name[:12]} ({body.get('name')}): enrolment is not signed " \
                     "by this store's owner key"
    return body, None


def key_values(store: EvidenceStore) -> dict[str, bytes]:
    """name -> stored enrolment record; one query where the backend reads a kind whole
    (PostgreSQL: `values`), else one read per key."""
    whole = getattr(store.backend, "values", None)
    if whole is not None:
        return dict(whole("key"))
    return {name: store.backend.get("key", name) for name in store.backend.list("key")}


def owner_key(store: EvidenceStore, values: dict[str, bytes] | None = None) -> str:
    """The key that signs enrolments: a directory store's own key; for PostgreSQL, the key
    that created the store (its self-signed record)."""
    from proofshot.store.dirbackend import DirBackend

    if isinstance(store.backend, DirBackend):
        return store.keys.public_b64
    remote_owner = getattr(store.backend, "owner_public", None)  # a directory store elsewhere
    if isinstance(remote_owner, str) and remote_owner:
        return remote_owner
    for data in (key_values(store) if values is None else values).values():
        try:
            doc = json.loads(data)
            if doc["body"].get("owner"):
                return str(doc["body"]["public_key"])
        except (ValueError, KeyError, TypeError):
            continue
    raise IntegrityError("this store has no owner key (run 'proofshot init --store URL')")


def check_records(store: EvidenceStore) -> tuple[dict[str, Signer], list[str]]:
    """Every enrolled signer whose record holds, and the problems of those that do not."""
    problems: list[str] = []
    out: dict[str, Signer] = {}
    values = key_values(store)
    owner = owner_key(store, values)
    for name, data in values.items():
        body, problem = _record_problem(name, data, owner)
        if problem:
            problems.append(problem)
            continue
        assert body is not None
        pub = str(body["public_key"])
        out[pub] = Signer(pub, fingerprint(pub), str(body.get("name", "")),
                          str(body.get("enrolled", "")), body.get("revoked"))
    return out, problems


def trusted_keys(store: EvidenceStore) -> dict[str, Signer]:
    """A directory store accepts its own key and the enrolled ones; a PostgreSQL store only
    the enrolled ones (its owner's included: enrolled when it was created)."""
    from proofshot.store.dirbackend import DirBackend

    found, _ = check_records(store)
    own = store.keys.public_b64 if isinstance(store.backend, DirBackend) else \
        getattr(store.backend, "owner_public", None)  # a directory store on another machine
    if isinstance(own, str) and own and own not in found:
        found[own] = Signer(own, fingerprint(own), "this workspace", "", None, own=True)
    return found


def accepts(signers: dict[str, Any], pub: str, body: dict[str, Any]) -> bool:
    signer = signers.get(pub)
    if signer is None:
        return False
    revoked = signer.revoked
    if not revoked:
        return True
    seq = body.get("seq")
    return isinstance(seq, int) and seq <= int(revoked.get("after", 0))


def _write(store: EvidenceStore, body: dict[str, Any]) -> None:
    doc = {"body": body, "signature": store.keys.sign(canonical(body)),
           "public_key": store.keys.public_b64}
    store.backend.put("key", key_name(body["public_key"]), canonical(doc), replace=True)
    store.forget_signers()


def enroll_owner(store: EvidenceStore) -> None:
    """A new PostgreSQL store: the creating workspace's key, self-signed, signs enrolments."""
    from proofshot.store.embedded import _utcnow

    pub = store.keys.public_b64
    _write(store, {"format": KEY_FORMAT, "public_key": pub, "fingerprint": fingerprint(pub),
                   "name": "owner", "owner": True, "enrolled": _utcnow(), "revoked": None})


def enroll(store: EvidenceStore, pub: str, name: str) -> Signer:
    from proofshot.store.embedded import _utcnow

    if store.keys.public_b64 != owner_key(store):
        raise BadInput("only the store's owner key can enroll signers (this workspace's key "
                       f"{store.keys.fingerprint} is not it)")
    with store.lock():
        _write(store, {"format": KEY_FORMAT, "public_key": pub, "fingerprint": fingerprint(pub),
                       "name": name, "owner": False, "enrolled": _utcnow(), "revoked": None})
    return trusted_keys(store)[pub]


def revoke(store: EvidenceStore, ref: str) -> Signer:
    from proofshot.store.embedded import _utcnow

    if store.keys.public_b64 != owner_key(store):
        raise BadInput("only the store's owner key can revoke signers")
    with store.lock():
        signers, _ = check_records(store)
        hits = [s for s in signers.values()
                if ref in (s.fingerprint, s.name, s.public_key) and not s.own]
        if len(hits) != 1:
            raise BadInput(f"no single enrolled key matches '{ref}' (fingerprint or name; see "
                           "'proofshot key list')")
        s = hits[0]
        if s.public_key == owner_key(store):
            raise BadInput("the owner key signs the enrolments: it cannot be revoked (create a "
                           "new store to hand ownership over)")
        tip = store.backend.tip()
        _write(store, {"format": KEY_FORMAT, "public_key": s.public_key,
                       "fingerprint": s.fingerprint, "name": s.name, "owner": False,
                       "enrolled": s.enrolled,
                       "revoked": {"time": _utcnow(), "after": tip.seq if tip else 0}})
    return trusted_keys(store)[s.public_key]
