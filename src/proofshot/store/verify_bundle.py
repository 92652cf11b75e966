#!/usr/bin/env python3
"""Standalone verifier of a proofshot evidence bundle. Needs Python 3.9+ and `cryptography`.

    python verify_bundle.py bundle.zip [--key SHA256:...] [--tsa-ca tsa-ca.pem] [--json]

Prints the snapshots it verified (id, label, time; compare them with the report's integrity
page) and OK, and exits 0 when everything in the bundle checks out; otherwise prints the first
broken thing and exits 4. Exit 2: bad input (no such file, not a zip file); exit 1: cannot run
(e.g. `cryptography` is not installed: it says how to install it). What it checks, all offline:

  1. index.json is signed by the bundled public key (its fingerprint is printed; pass --key to
     insist on the fingerprint you know), and every file in the bundle is listed there with its
     SHA-256. The index lists the public key of every signer of the manifests and the job
     record (a technician's laptop, a site worker: each enrolled in the store it came from);
     each signer's fingerprint is printed, to be compared with the ones the provider gave you.
  2. Every object under objects/ hashes (SHA-256) to its name.
  3. Every manifest's id is the SHA-256 of its canonical body, its Ed25519 signature verifies
     with its signer's key, which must be one the index lists (a bundle without a list: the
     bundled key), and its Merkle root recomputes from its entries.
  4. The manifests form an unbroken chain from the first snapshot to the last (each names the
     previous one's id and follows it in sequence).
  5. Every object the first and last snapshot reference is present and intact: the scope, each
     table's schema and its whole hash tree down to the leaves, and each transcript. Only
     transcripts may be absent, and only when index.json lists them as redacted.
  6. RFC 3161 timestamp tokens (timestamps/<id>.tsr): the stamped hash equals the manifest id,
     the TSA's signature verifies, and, given a TSA CA (bundled tsa-ca.pem or --tsa-ca), the
     TSA certificate was issued by it.
  7. The job record (engagement/*.json): each entry's id, signature and its hash chain.

Canonical JSON ("psc1"): UTF-8, object keys sorted by code point, no whitespace, non-ASCII
characters unescaped, integers in decimal, floats as Python's shortest round-trip repr, NaN and
infinities refused; this is what Python's json module produces with the settings below.

This file is also part of proofshot itself (proofshot.store.verify_bundle), which uses the same
timestamp checks on its own store; it imports nothing from proofshot.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import zipfile
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:  # main() says how to install it; the checks need it
    HAVE_CRYPTOGRAPHY = False
else:
    HAVE_CRYPTOGRAPHY = True

if TYPE_CHECKING:
    from collections.abc import Collection

    from cryptography import x509

BUNDLE_FORMAT = "proofshot-bundle/1"
MANIFEST_FORMAT = "proofshot-manifest/1"

_encoder = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)


EXIT_OK, EXIT_CANNOT_RUN, EXIT_BAD_INPUT, EXIT_BROKEN = 0, 1, 2, 4
INSTALL_HINT = ("this verifier needs the Python package 'cryptography': install it with "
                "'python3 -m pip install cryptography' (Debian/Ubuntu: 'apt install "
                "python3-cryptography'), then run it again")


class Broken(Exception):
    """The first thing that does not verify."""


class NotABundle(Broken):
    """Bad input rather than a broken bundle: no such file, or not a zip file at all."""


def canonical(value: Any) -> bytes:
    return _encoder.encode(value).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fingerprint(pub_b64: str) -> str:
    return "SHA256:" + base64.b64encode(
        hashlib.sha256(base64.b64decode(pub_b64)).digest()
    ).decode().rstrip("=")


def signature_ok(pub_b64: str, sig_b64: str, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(pub_b64)).verify(
            base64.b64decode(sig_b64), data)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# -- snapshot structure -----------------------------------------------------------------------

def merkle_root(targets: list[dict[str, Any]], scope_oid: str) -> str:
    """Root of the binary SHA-256 tree over every object a manifest points at (sorted leaves)."""
    leaves = [canonical(["scope", scope_oid])]
    for t in targets:
        for name, tab in t["tables"].items():
            leaves.append(canonical([t["name"], "table", name, tab["root"], tab["schema"]]))
        for c in t["coverage"]:
            leaves.append(canonical([t["name"], "transcript", c["query"], c["transcript"]]))
    level = sorted(hashlib.sha256(x).digest() for x in leaves)
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level), 2):
            pair = level[i:i + 2]
            nxt.append(hashlib.sha256(b"".join(pair)).digest() if len(pair) == 2 else pair[0])
        level = nxt
    return level[0].hex()


def transcript_pieces(data: bytes) -> list[str]:
    """Ids of the objects a streamed answer's stdout is kept in: {"stdout": {"bytes": N,
    "chunks": [...]}} (the marker can only be structural: quotes in JSON strings are escaped)."""
    if b'"stdout":{"bytes":' not in data:
        return []
    return [str(x) for x in json.loads(data)["stdout"].get("chunks", [])]


def tree_children(data: bytes) -> list[str] | None:
    """Child ids of a tree node ("N1\\n<height>\\n<id> <rows>..."), None for a leaf ("L1\\n")."""
    if data.startswith(b"L1\n"):
        return None
    if not data.startswith(b"N1\n"):
        raise ValueError("not a tree object")
    lines = data[3:].split(b"\n")
    out = []
    for line in lines[1:]:
        oid, rows = line.split(b" ")
        int(rows)
        out.append(oid.decode("ascii"))
    return out


def _signer_of(what: str, doc: dict[str, Any], keys: str | Collection[str]) -> str:
    """The key a document names as its signer, if it is one of `keys` (one key, or the
    bundle's list of signers)."""
    pub = doc.get("public_key")
    allowed = {keys} if isinstance(keys, str) else set(keys)
    if not isinstance(pub, str) or pub not in allowed:
        if isinstance(keys, str):
            raise Broken(f"{what} is signed by another key")
        try:
            who = fingerprint(str(pub))
        except (ValueError, TypeError):
            who = "an unreadable key"
        raise Broken(f"{what} is signed by a key the bundle does not list ({who})")
    return pub


def check_manifest_doc(sid: str, doc: Any, pub_b64: str | Collection[str]) -> dict[str, Any]:
    """A manifest's id, format, Merkle root and signature, by `pub_b64` or one of the keys in
    it (a collection: the bundle's signers)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("body"), dict):
        raise Broken(f"manifest {sid[:12]} is unreadable")
    body: dict[str, Any] = doc["body"]
    if sha256_hex(canonical(body)) != sid:
        raise Broken(f"manifest {sid[:12]} was altered (content does not match its id)")
    pub = _signer_of(f"manifest {sid[:12]}", doc, pub_b64)
    if not signature_ok(pub, str(doc.get("signature", "")), canonical(body)):
        raise Broken(f"manifest {sid[:12]}: signature does not verify")
    if body.get("format") != MANIFEST_FORMAT:
        raise Broken(f"manifest {sid[:12]}: unknown format {body.get('format')!r}")
    try:
        root = merkle_root(body["targets"], body["scope"]["object"])
    except (KeyError, TypeError, ValueError):
        raise Broken(f"manifest {sid[:12]}: malformed entries") from None
    if root != body.get("merkle_root"):
        raise Broken(f"manifest {sid[:12]}: Merkle root does not recompute")
    return body


# -- DER, just enough for RFC 3161 tokens ---------------------------------------------------
# Hand-written on purpose: this file must run on the other side's machine with Python and
# `cryptography` only. cryptography verifies the signature and parses the TSA's X.509
# certificate, but has no parser for CMS SignedData/SignerInfo or RFC 3161 TSTInfo; the
# libraries that do (asn1crypto's tsp, pyasn1 with rfc3161ng) would be one more install for a
# reader who should trust as little as possible. It reads definite-length DER only, refuses
# everything else, and is tested on tokens of a real TSA (openssl ts) in tests/bundle.

@dataclass
class Tlv:
    tag: int
    raw: bytes      # the whole TLV
    value: bytes    # the contents

    def items(self) -> list[Tlv]:
        return der_items(self.value)


def der_read(data: bytes, pos: int = 0) -> tuple[Tlv, int]:
    if pos + 2 > len(data):
        raise ValueError("truncated DER")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise ValueError("multi-byte DER tags are not used here")
    ln = data[pos + 1]
    hdr = 2
    if ln & 0x80:
        n = ln & 0x7F
        if n == 0 or n > 4 or pos + 2 + n > len(data):
            raise ValueError("bad DER length")
        ln = int.from_bytes(data[pos + 2:pos + 2 + n], "big")
        hdr += n
    end = pos + hdr + ln
    if end > len(data):
        raise ValueError("truncated DER")
    return Tlv(tag, data[pos:end], data[pos + hdr:end]), end


def der_items(data: bytes) -> list[Tlv]:
    out, pos = [], 0
    while pos < len(data):
        tlv, pos = der_read(data, pos)
        out.append(tlv)
    return out


def der_oid(tlv: Tlv) -> str:
    if tlv.tag != 0x06:
        raise ValueError("expected an OID")
    v = tlv.value
    parts = [str(min(v[0] // 40, 2)), str(v[0] - 40 * min(v[0] // 40, 2))]
    n = 0
    for b in v[1:]:
        n = (n << 7) | (b & 0x7F)
        if not b & 0x80:
            parts.append(str(n))
            n = 0
    return ".".join(parts)


OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_TST_INFO = "1.2.840.113549.1.9.16.1.4"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_HASHES: dict[str, str] = {  # digest OID -> name in cryptography's hashes
    "1.3.14.3.2.26": "SHA1",
    "2.16.840.1.101.3.4.2.1": "SHA256",
    "2.16.840.1.101.3.4.2.2": "SHA384",
    "2.16.840.1.101.3.4.2.3": "SHA512",
}


def _x509() -> Any:
    """cryptography's X.509 and signature parts, imported when a timestamp is checked: a scan
    imports this module (merkle_root) and should not pay ~50 ms for X.509 it never uses."""
    from cryptography import x509 as x
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID

    return SimpleNamespace(x509=x, hashes=hashes, ec=ec, padding=padding, rsa=rsa,
                           eku=ExtendedKeyUsageOID)


def _hash(oid: str | None) -> Any:
    """The hash class of a digest OID, None when unsupported."""
    name = _HASHES.get(oid or "")
    return getattr(_x509().hashes, name) if name else None
_SIG_HASH = {  # signature algorithms that name their hash
    "1.2.840.113549.1.1.5": "1.3.14.3.2.26", "1.2.840.113549.1.1.11": "2.16.840.1.101.3.4.2.1",
    "1.2.840.113549.1.1.12": "2.16.840.1.101.3.4.2.2",
    "1.2.840.113549.1.1.13": "2.16.840.1.101.3.4.2.3",
    "1.2.840.10045.4.3.2": "2.16.840.1.101.3.4.2.1", "1.2.840.10045.4.3.3": "2.16.840.1.101.3.4.2.2",
    "1.2.840.10045.4.3.4": "2.16.840.1.101.3.4.2.3",
}
SHA256_OID = "2.16.840.1.101.3.4.2.1"


@dataclass
class TokenInfo:
    imprint_alg: str
    imprint: bytes
    gen_time: str
    tsa_subject: str
    tsa_cert_sha256: str


def _digest(alg_oid: str, data: bytes) -> bytes:
    algo = _hash(alg_oid)
    if algo is None:
        raise Broken(f"unsupported digest algorithm {alg_oid}")
    h = _x509().hashes.Hash(algo())
    h.update(data)
    out: bytes = h.finalize()
    return out


def check_timestamp(tsr: bytes, expected_sha256: bytes, ca_pem: bytes | None) -> TokenInfo:
    """Check an RFC 3161 TimeStampResp (or bare token) over `expected_sha256`; raise Broken."""
    try:
        return _check_timestamp(tsr, expected_sha256, ca_pem)
    except (ValueError, IndexError, TypeError) as exc:
        raise Broken(f"malformed token ({exc})") from None


def _check_timestamp(tsr: bytes, expected: bytes, ca_pem: bytes | None) -> TokenInfo:
    c = _x509()
    top, end = der_read(tsr)
    if top.tag != 0x30 or end != len(tsr):  # one DER SEQUENCE, nothing before or after it
        raise Broken("malformed token (not one DER SEQUENCE: altered)")
    parts = top.items()
    if parts and parts[0].tag == 0x30 and parts[0].items() and parts[0].items()[0].tag == 0x02:
        status = int.from_bytes(parts[0].items()[0].value, "big")
        if status not in (0, 1):
            raise Broken(f"the TSA refused the request (status {status})")
        if len(parts) < 2:
            raise Broken("the response holds no token")
        token = parts[1]
    else:
        token = top
    ci = token.items()
    if der_oid(ci[0]) != OID_SIGNED_DATA:
        raise Broken("token is not CMS SignedData")
    sd = ci[1].items()[0].items()
    encap = sd[2].items()
    if der_oid(encap[0]) != OID_TST_INFO:
        raise Broken("token does not hold a TSTInfo")
    e_content = encap[1].items()[0].value
    tst = der_items(e_content)[0].items()
    mi = tst[2].items()
    imprint_alg = der_oid(mi[0].items()[0])
    imprint = mi[1].value
    gen_time = tst[4].value.decode("ascii")
    if imprint_alg != SHA256_OID or imprint != expected:
        raise Broken(f"token stamps another hash ({imprint.hex()[:16]}..., expected "
                     f"{expected.hex()[:16]}...)")
    rest = sd[3:]
    certs: list[x509.Certificate] = []
    if rest and rest[0].tag == 0xA0:
        certs = [c.x509.load_der_x509_certificate(t.raw) for t in rest[0].items()
                 if t.tag == 0x30]
    signer_infos = [t for t in rest if t.tag == 0x31][-1].items()
    if len(signer_infos) != 1:
        raise Broken("token must have exactly one signer")
    si = signer_infos[0].items()
    sid = si[1]
    digest_alg = der_oid(si[2].items()[0])
    if si[3].tag != 0xA0:
        raise Broken("token has no signed attributes")
    attrs_tlv = si[3]
    sig_alg = der_oid(si[4].items()[0])
    signature = si[5].value
    attrs = {der_oid(a.items()[0]): a.items()[1].items()[0] for a in attrs_tlv.items()}
    ct = attrs.get(OID_CONTENT_TYPE)
    if ct is None or der_oid(ct) != OID_TST_INFO:
        raise Broken("token's signed content type is not TSTInfo")
    md = attrs.get(OID_MESSAGE_DIGEST)
    if md is None or md.value != _digest(digest_alg, e_content):
        raise Broken("token's content does not match its signed digest (altered)")
    cert = _signer_cert(sid, certs)
    signed = b"\x31" + attrs_tlv.raw[1:]
    _verify_sig(cert, sig_alg, digest_alg, signature, signed)
    try:
        eku = cert.extensions.get_extension_for_class(c.x509.ExtendedKeyUsage).value
    except c.x509.ExtensionNotFound:
        raise Broken("TSA certificate is not marked for time stamping") from None
    if c.eku.TIME_STAMPING not in eku:
        raise Broken("TSA certificate is not marked for time stamping")
    if ca_pem is not None:
        cas = c.x509.load_pem_x509_certificates(ca_pem)
        if not any(_issued_by(cert, ca) for ca in cas):
            raise Broken(f"TSA certificate ({cert.subject.rfc4514_string()}) was not issued by "
                         "the trusted TSA CA")
    return TokenInfo(imprint_alg, imprint, gen_time, cert.subject.rfc4514_string(),
                     cert.fingerprint(c.hashes.SHA256()).hex())


def _issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    sha256 = _x509().hashes.SHA256
    if cert.fingerprint(sha256()) == ca.fingerprint(sha256()):
        return True
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _signer_cert(sid: Tlv, certs: list[x509.Certificate]) -> x509.Certificate:
    if sid.tag == 0x30:  # IssuerAndSerialNumber
        issuer, serial = sid.items()
        num = int.from_bytes(serial.value, "big", signed=True)
        for c in certs:
            if c.serial_number == num and c.issuer.public_bytes() == issuer.raw:
                return c
    elif sid.tag == 0x80:  # SubjectKeyIdentifier
        x = _x509().x509
        for c in certs:
            try:
                ski = c.extensions.get_extension_for_class(x.SubjectKeyIdentifier).value
            except x.ExtensionNotFound:
                continue
            if ski.digest == sid.value:
                return c
    raise Broken("token does not carry its signer's certificate (ask the TSA with certReq)")


def _verify_sig(cert: x509.Certificate, sig_alg: str, digest_alg: str, sig: bytes,
                data: bytes) -> None:
    c = _x509()
    key = cert.public_key()
    algo = _hash(_SIG_HASH.get(sig_alg, digest_alg))
    try:
        if isinstance(key, c.rsa.RSAPublicKey) and algo is not None:
            key.verify(sig, data, c.padding.PKCS1v15(), algo())
        elif isinstance(key, c.ec.EllipticCurvePublicKey) and algo is not None:
            key.verify(sig, data, c.ec.ECDSA(algo()))
        elif isinstance(key, Ed25519PublicKey):
            key.verify(sig, data)
        else:
            raise Broken(f"unsupported TSA signature algorithm {sig_alg}")
    except InvalidSignature:
        raise Broken("the TSA's signature over the token does not verify") from None


# -- signed document logs (the job record) ------------------------------------------------

def check_log(docs: dict[str, Any], pub_b64: str | Collection[str], what: str) -> None:
    """Each entry's id and signature (by `pub_b64`, or one of a collection of keys), and per
    chain: genesis, consecutive seq, links, no fork."""
    bodies: dict[str, dict[str, Any]] = {}
    for did, doc in sorted(docs.items()):
        body = doc.get("body") if isinstance(doc, dict) else None
        if not isinstance(body, dict):
            raise Broken(f"{what} {did[:12]} is unreadable")
        if sha256_hex(canonical(body)) != did:
            raise Broken(f"{what} {did[:12]} was altered (content does not match its id)")
        pub = _signer_of(f"{what} {did[:12]}", doc, pub_b64)
        if not signature_ok(pub, str(doc.get("signature", "")), canonical(body)):
            raise Broken(f"{what} {did[:12]}: signature does not verify")
        bodies[did] = body
    seen_next: dict[str, str] = {}
    for did, body in sorted(bodies.items(), key=lambda kv: (str(kv[1].get("chain")),
                                                             int(kv[1].get("seq", 0)))):
        prev, seq, chain = body.get("prev"), body.get("seq"), body.get("chain")
        if prev is None:
            if seq != 1 or chain is not None:
                raise Broken(f"{what} {did[:12]}: chain broken (starts a chain but is #{seq})")
            continue
        if prev not in bodies:
            raise Broken(f"{what} {did[:12]} (#{seq}): chain broken (previous entry "
                         f"{str(prev)[:12]} is missing)")
        pb = bodies[prev]
        if pb.get("seq") != (seq - 1 if isinstance(seq, int) else None) or \
                (pb.get("chain") or prev) != chain:
            raise Broken(f"{what} {did[:12]} (#{seq}): chain broken (order altered)")
        if prev in seen_next:
            raise Broken(f"{what} chain forked after {prev[:12]}")
        seen_next[prev] = did


# -- the bundle -------------------------------------------------------------------------------

def verify_bundle(path: str, expect_key: str | None = None, tsa_ca: bytes | None = None,
                  say: Any = print) -> dict[str, Any]:
    """Check everything (see the module's doc); returns what was verified (key, snapshots with
    id, label and time, counts). Raises Broken at the first thing that does not verify, and
    NotABundle when `path` is not a zip file."""
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except FileNotFoundError:
        raise NotABundle(f"{path}: no such file") from None
    except IsADirectoryError:
        raise NotABundle(f"{path}: is a directory, not a bundle (.zip)") from None
    except OSError as exc:
        raise NotABundle(f"{path}: cannot read it ({exc.strerror})") from None
    if magic != b"PK\x03\x04":  # not a zip at all; a damaged zip is broken, further below
        raise NotABundle(f"{path}: not a zip file (a bundle is the .zip 'proofshot export' "
                         "writes)")
    try:
        zf = zipfile.ZipFile(path)
    except Exception as exc:
        raise Broken(f"{path}: a damaged zip file ({exc})") from None
    with zf:
        names = set(zf.namelist())

        def read(name: str) -> bytes:
            try:
                return zf.read(name)
            except Exception as exc:  # a damaged zip fails in many ways: all are "broken"
                raise Broken(f"{name}: unreadable ({type(exc).__name__}: {exc})") from None

        def load(name: str) -> Any:
            try:
                return json.loads(read(name))
            except ValueError:
                raise Broken(f"{name} is not valid JSON") from None

        if "public_key.txt" not in names or "index.json" not in names:
            raise Broken("public_key.txt or index.json is missing")
        pub = read("public_key.txt").decode("ascii", "replace").strip()
        fp = fingerprint(pub)
        say(f"signing key {fp}")
        if expect_key and expect_key != fp:
            raise Broken(f"the bundle is signed by {fp}, not by the expected key {expect_key}")
        idx_doc = load("index.json")
        idx = idx_doc.get("body") if isinstance(idx_doc, dict) else None
        if not isinstance(idx, dict) or idx.get("format") != BUNDLE_FORMAT:
            raise Broken("index.json: not a proofshot bundle index")
        if idx_doc.get("public_key") != pub or not signature_ok(
                pub, str(idx_doc.get("signature", "")), canonical(idx)):
            raise Broken("index.json: signature does not verify with the bundled key")
        signers = _signers(idx, pub)
        # objects
        present: set[str] = set()
        for name in sorted(n for n in names if n.startswith("objects/")):
            oid = name[len("objects/"):]
            if sha256_hex(read(name)) != oid:
                raise Broken(f"object {oid} was altered (content does not match its id)")
            present.add(oid)
        # manifests and the chain
        chain: list[str] = list(idx.get("chain", []))
        if not chain or idx.get("from") != chain[0] or idx.get("to") != chain[-1]:
            raise Broken("index.json: the chain does not run from the first to the last snapshot")
        bodies: dict[str, dict[str, Any]] = {}
        for sid in chain:
            name = f"manifests/{sid}.json"
            if name not in names:
                raise Broken(f"manifest {sid[:12]} is missing")
            doc = load(name)
            bodies[sid] = check_manifest_doc(sid, doc, signers)
            signers[doc["public_key"]]["manifests"] += 1
        for i in range(1, len(chain)):
            prev, nxt = chain[i - 1], chain[i]
            b = bodies[nxt]
            if b.get("prev") != prev or b.get("seq") != bodies[prev].get("seq", 0) + 1:
                raise Broken(f"chain broken: snapshot {nxt[:12]} does not follow {prev[:12]}")
        # objects the two snapshots reference
        absent = {a["id"]: a for a in idx.get("absent", [])}
        for sid in dict.fromkeys([chain[0], chain[-1]]):
            _check_objects(sid, bodies[sid], present, absent, read)
        # timestamps
        ca = tsa_ca
        if ca is None and "tsa-ca.pem" in names:
            ca = read("tsa-ca.pem")
        for sid in chain:
            name = f"timestamps/{sid}.tsr"
            if name in names:
                try:
                    info = check_timestamp(read(name), bytes.fromhex(sid), ca)
                except Broken as exc:
                    raise Broken(f"timestamp of snapshot {sid[:12]}: {exc}") from None
                say(f"timestamp {sid[:12]}: {info.gen_time} by {info.tsa_subject}"
                    + ("" if ca else " (TSA certificate not checked: no TSA CA given)"))
        # the job record
        log = {n[len("engagement/"):-5]: load(n) for n in names
               if n.startswith("engagement/") and n.endswith(".json")}
        if log:
            check_log(log, signers, "engagement entry")
            for doc in log.values():
                signers[doc["public_key"]]["entries"] += 1
        # every file listed with its hash, nothing extra
        files: dict[str, str] = idx.get("files", {})
        for name in sorted(names):
            if name in ("index.json",) or name.endswith("/"):
                continue
            if name not in files:
                raise Broken(f"{name} is not listed in the signed index (added)")
            if sha256_hex(read(name)) != files[name]:
                raise Broken(f"{name} was altered (does not match the signed index)")
        for name in sorted(files):
            if name not in names:
                raise Broken(f"{name} is listed in the signed index but missing")
        dropped = len(absent)
        snaps = [{"id": sid, "seq": bodies[sid].get("seq"), "label": bodies[sid].get("label") or "",
                  "created": bodies[sid].get("created"),
                  "role": "from" if sid == chain[0] else "to" if sid == chain[-1] else "chain"}
                 for sid in chain]
        for sig in signers.values():  # each signer's fingerprint, to compare out of band
            say(f"signer {sig['fingerprint']} {sig['name'] or '-'}: {sig['manifests']} "
                f"manifests, {sig['entries']} job record entries")
        for sn in snaps:
            if sn["role"] != "chain":
                say(f"snapshot {sn['id']} #{sn['seq']} label {sn['label'] or '-'} "
                    f"created {sn['created']} ({'before' if sn['role'] == 'from' else 'after'})")
        say(f"{len(chain)} manifests, {len(present)} objects"
            + (f", {dropped} transcripts redacted" if dropped else "")
            + (f", {len(log)} engagement entries" if log else ""))
        return {"key": fp, "signers": list(signers.values()), "snapshots": snaps,
                "manifests": len(chain), "objects": len(present),
                "redacted": dropped, "engagement_entries": len(log)}


def _signers(idx: dict[str, Any], pub: str) -> dict[str, dict[str, Any]]:
    """public key -> {fingerprint, name, counts} of the signers the signed index lists; a
    bundle without the list (one signer) has the bundled key's only."""
    listed = idx.get("signers")
    if listed is None:
        listed = [{"public_key": pub, "fingerprint": fingerprint(pub), "name": ""}]
    if not isinstance(listed, list) or not listed:
        raise Broken("index.json: the list of signers is unreadable")
    out: dict[str, dict[str, Any]] = {}
    for s in listed:
        key = s.get("public_key") if isinstance(s, dict) else None
        try:
            raw = base64.b64decode(str(key), validate=True)
        except ValueError:
            raw = b""
        if not isinstance(key, str) or len(raw) != 32:
            raise Broken(f"index.json: signer {str(key)[:16]} is not an Ed25519 public key")
        fp = fingerprint(key)
        if s.get("fingerprint") != fp:
            raise Broken(f"index.json: signer {s.get('name')!r}: the fingerprint does not "
                         "match its key")
        out[key] = {"fingerprint": fp, "name": str(s.get("name") or ""), "manifests": 0,
                    "entries": 0}
    return out


def _check_objects(sid: str, body: dict[str, Any], present: set[str],
                   absent: dict[str, Any], read: Any) -> None:
    def need(oid: str, what: str) -> None:
        if oid not in present:
            raise Broken(f"snapshot {sid[:12]}: {what} {oid[:16]} is missing")

    need(body["scope"]["object"], "scope object")
    for t in body["targets"]:
        for c in t.get("coverage", []):
            oid = c["transcript"]
            if oid not in present and not (oid in absent and absent[oid].get("kind") ==
                                           "transcript"):
                raise Broken(f"snapshot {sid[:12]}: transcript {oid[:16]} ({t['name']} "
                             f"{c['query']}) is missing")
            if oid in present:
                for piece in transcript_pieces(read(f"objects/{oid}")):
                    need(piece, f"piece of transcript {oid[:16]} ({t['name']} {c['query']})")
        for tname, tab in t["tables"].items():
            need(tab["schema"], f"schema of {t['name']}/{tname}")
            stack = [tab["root"]]
            while stack:
                oid = stack.pop()
                need(oid, f"tree object of {t['name']}/{tname}")
                try:
                    kids = tree_children(read(f"objects/{oid}"))
                except ValueError:
                    raise Broken(f"snapshot {sid[:12]}: object {oid[:16]} of {t['name']}/"
                                 f"{tname} is not a tree object") from None
                stack.extend(kids or ())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Verify a proofshot evidence bundle offline. Exit 0: verified; 4: something "
        "is broken; 2: bad input (no such file, not a zip); 1: cannot run.")
    ap.add_argument("bundle")
    ap.add_argument("--key", help="expected signing key fingerprint (SHA256:...)")
    ap.add_argument("--tsa-ca", help="PEM file of the TSA CA to trust instead of the bundled one")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)

    def quiet(_line: str) -> None:
        return None

    say = quiet if args.json else print

    def verdict(code: int, error: str | None, result: dict[str, Any] | None = None) -> int:
        status = {EXIT_OK: "ok", EXIT_BROKEN: "broken", EXIT_BAD_INPUT: "bad-input"}.get(
            code, "error")
        if args.json:
            print(json.dumps({"bundle": args.bundle, "status": status, "error": error,
                              **(result or {})}, ensure_ascii=False))
        elif code == EXIT_OK:
            print("OK")
        elif code == EXIT_BROKEN:
            print(f"BROKEN: {error}")
        else:
            print(f"verify_bundle: error: {error}", file=sys.stderr)
        return code

    if not HAVE_CRYPTOGRAPHY:
        return verdict(EXIT_CANNOT_RUN, INSTALL_HINT)
    ca = None
    if args.tsa_ca:
        try:
            with open(args.tsa_ca, "rb") as fh:
                ca = fh.read()
        except OSError as exc:
            return verdict(EXIT_BAD_INPUT, f"--tsa-ca {args.tsa_ca}: {exc.strerror}")
    try:
        result = verify_bundle(args.bundle, args.key, ca, say=say)
    except NotABundle as exc:
        return verdict(EXIT_BAD_INPUT, str(exc))
    except Broken as exc:
        return verdict(EXIT_BROKEN, str(exc))
    except Exception as exc:  # never a traceback instead of a verdict
        return verdict(EXIT_BROKEN, f"cannot check the bundle: {type(exc).__name__}: {exc}")
    return verdict(EXIT_OK, None, result)


if __name__ == "__main__":
    sys.exit(main())
