"""Turning target results into stored objects and a manifest body.

Rows are validated, secret-looking text masked, sensitive columns keyed-hashed, sorted by their
canonical key bytes (on disk for large tables) and streamed into a content-defined tree. Each
answer is stored masked as a transcript object (a streamed one in line-aligned pieces); the
manifest keeps the keyed hash of the unmasked answer beside it.
"""

from __future__ import annotations

import socket
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import fields, replace
from typing import Any

from proofshot import __version__
from proofshot.model.canonical import CANON_VERSION, canonical, canonical_plain
from proofshot.model.table import Row, Table
from proofshot.model.transcript import Answer, judge
from proofshot.scan.masking import mask_bytes
from proofshot.scan.rows import plain_floats, table_pairs
from proofshot.scan.runner import TargetResult
from proofshot.scan.sorter import Sorter
from proofshot.store.api import ObjectSink
from proofshot.store.keys import Keys
from proofshot.store.tree import LEAF_TARGET, NODE_TARGET, Bases, TreeBuilder
from proofshot.store.verify_bundle import merkle_root

Hasher = Callable[[str], str]


def prepare_rows(table: Table, rows: Sequence[Row], keyed_hash: Hasher) -> list[tuple[bytes, bytes]]:
    """(canonical key, canonical row) pairs in key order, sensitive columns keyed-hashed."""
    return table_pairs(table, rows, keyed_hash)


def write_table(writer: ObjectSink, table: Table, rows: Sequence[Row] | Sorter,
                keyed_hash: Hasher, previous: str | None = None) -> tuple[str, int]:
    """Stream the rows into a tree; chunks that are new versions of chunks of `previous` (the
    same table's root in the last snapshot) are stored as deltas against them. `rows` may be
    a Sorter holding a large table's rows on disk, already in canonical form."""
    tb = (TreeBuilder(writer.put, Bases(writer.store.get, previous)) if previous
          else TreeBuilder(writer.put))
    pairs = rows.pairs() if isinstance(rows, Sorter) else prepare_rows(table, rows, keyed_hash)
    for key, row in pairs:
        tb.add(key, row)
    return tb.finish()


def record_bytes(rec: dict[str, Any]) -> bytes:
    """`canonical(rec)` of a transcript record: the same bytes, written by msgspec (a record
    holds text, integers, booleans and null; a float msgspec would write otherwise, if one ever
    got in, takes the reference encoder). Several times faster on a megabyte of text."""
    return canonical_plain(rec) if plain_floats(rec) else canonical(rec)


def hash_record(keyed_hash: Hasher, rec: bytes) -> str:
    """`keyed_hash(rec.decode())`: the keyed hash of a record's bytes. The workspace's own
    Keys.keyed_hash takes the bytes as they are (it would encode the text back to them), which
    spares two copies of a large answer's record (decode and encode, ~35 ms per 20 MB)."""
    owner = getattr(keyed_hash, "__self__", None)
    if isinstance(owner, Keys) and getattr(keyed_hash, "__func__", None) is Keys.keyed_hash:
        return owner.keyed_hash(rec)
    return keyed_hash(rec.decode())


# An answer that masking left as it was has the same transcript record as the raw answer,
# whose bytes mask_answer wrote for the keyed hash: they are kept for the masked Answer (here,
# by its id, with what they were written from; dropped when they are used or the Answer goes)
# for transcript_record to store, instead of encoding the same megabytes again. Any later
# change to the Answer makes them unused. Kept beside the Answer, not on it: a copy or pickle
# of an Answer never carries them.
_MEMOS: dict[int, tuple[tuple[Any, ...], bytes]] = {}


def _keep(ans: Answer, data: bytes) -> None:
    _MEMOS[id(ans)] = (_memo_key(ans), data)
    weakref.finalize(ans, _MEMOS.pop, id(ans), None)


def _memo_key(ans: Answer) -> tuple[Any, ...]:
    """Every field of the Answer (large bytes by identity first, through tuple ==)."""
    return tuple(v if isinstance(v, (bytes, str, int, float, type(None))) else repr(v)
                 for v in (getattr(ans, f.name) for f in fields(ans)))


def transcript_record(ans: Answer, put: Callable[[bytes], str]) -> bytes:
    """The stored transcript object of an answer; a streamed stdout is stored first, as
    line-aligned pieces of its own, and the record lists them."""
    if ans.body is None:
        memo = _MEMOS.pop(id(ans), None)  # used once: its megabytes are not held after
        if memo is not None and memo[0] == _memo_key(ans):
            data: bytes = memo[1]
            return data
    rec = ans.to_record()
    if ans.body is not None:
        rec["stdout"] = {"chunks": [put(p) for p in ans.body.pieces()], "bytes": ans.size}
    return record_bytes(rec)


def mask_answer(ans: Answer, keyed_hash: Hasher,
                mask: Callable[[bytes, Hasher], bytes] = mask_bytes) -> tuple[Answer, str]:
    """The answer as it may be stored (secret-looking values replaced by keyed hashes), and
    the keyed hash of the unmasked record, kept so the original can be matched if produced.
    `mask`: a collector's own rules (device configurations) instead of the generic ones."""
    raw = record_bytes(ans.to_record())
    answer_hmac = hash_record(keyed_hash, raw)
    stdout = _same(ans.stdout, mask(ans.stdout, keyed_hash))
    stderr = _same(ans.stderr, mask(ans.stderr, keyed_hash))
    stdin = _same(ans.stdin, mask(ans.stdin, keyed_hash)) if ans.stdin is not None else None
    masked = replace(ans, stdout=stdout, stderr=stderr, stdin=stdin)
    if ans.body is None and stdout is ans.stdout and stderr is ans.stderr \
            and stdin is ans.stdin:  # nothing masked
        _keep(masked, raw)
    return masked, answer_hmac


def _same(raw: bytes, masked: bytes) -> bytes:
    """`raw` itself where masking changed nothing (mask_bytes returns its input then; a
    collector's own rules may return an equal copy)."""
    return raw if masked is raw or masked == raw else masked


def target_entry(res: TargetResult, writer: ObjectSink, keys: Keys,
                 previous: dict[str, str] | None = None) -> dict[str, Any]:
    """`previous`: table -> root of this target's tables in the last snapshot (delta bases)."""
    kh = keys.keyed_hash
    coverage = []
    for qid, ans in sorted(res.answers.items()):
        answer_hmac = res.answer_hmacs.get(qid) or hash_record(kh, record_bytes(
            ans.to_record()))
        status, why = judge(res.declared.get(qid), ans)
        coverage.append({
            "query": qid,
            "status": status,
            "reason": why,
            "duration_ms": round(ans.duration * 1000),
            "bytes": ans.size,
            "truncated": ans.truncated,
            "sudo": ans.sudo,
            "transcript": writer.put(transcript_record(ans, writer.put)),
            "answer_hmac": answer_hmac,
        })
    tables: dict[str, Any] = {}
    unverifiable: dict[str, Any] = {}
    for tr in res.tables:
        rows = tr.sorted if tr.sorted is not None else tr.rows
        if rows is None:
            unverifiable[tr.table.name] = {"status": tr.status, "reason": tr.reason,
                                           "queries": list(tr.queries)}
            continue
        root, n = write_table(writer, tr.table, rows, kh, (previous or {}).get(tr.table.name))
        note = tr.reason
        if tr.sorted is not None and tr.sorted.dupes:
            note = "; ".join(x for x in (note, f"{tr.sorted.dupes} row(s) with a duplicate "
                                         "key dropped") if x)
        tables[tr.table.name] = {
            "root": root,
            "rows": n,
            "schema": writer.put_json(tr.table.to_data()),
            "queries": list(tr.queries),
            "note": note,
            # what the rows rest on: the diff compares a table only with one read alike
            "sources": list(tr.sources),
            **({"status": tr.status, "reason": tr.reason, "failed": list(tr.failed)}
               if tr.status != "ok" else {}),
            **tr.record,  # how the rows were built (e.g. "hashes": reused from a snapshot)
        }
    return {
        "name": res.name,
        "type": res.type,
        "collector": {"name": res.collector, "version": res.collector_version},
        "status": res.status,
        "reason": res.reason,
        "facts": res.facts,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(res.started)),
        "duration_ms": round(res.duration * 1000),
        "coverage": coverage,
        "tables": tables,
        "unverifiable": unverifiable,
    }


def manifest_body(
    label: str,
    targets: list[dict[str, Any]],
    scope_digest: str,
    scope_oid: str,
    customer: str | None,
    technician: str,
    collectors: dict[str, str],
    engagement: str | None = None,
) -> dict[str, Any]:
    return {
        "label": label,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "technician": technician,
        "host": socket.gethostname(),
        "tool": {"name": "proofshot", "version": __version__},
        "collectors": collectors,
        "canon": CANON_VERSION,
        "tree": {"leaf_target": LEAF_TARGET, "node_target": NODE_TARGET},
        "scope": {"digest": scope_digest, "object": scope_oid, "customer": customer},
        "engagement": engagement,
        "targets": targets,
        "merkle_root": merkle_root(targets, scope_oid),
    }
