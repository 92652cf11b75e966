"""Copying a store to a second place (NAS mount, USB disk), incrementally, then verifying it.

Packs, manifests, timestamp tokens and log entries are immutable and named by their content,
so a sync copies only the files the destination lacks: packs first, then log entries and
tokens, then manifests in chain order (the same order a commit writes them, so an interrupted
sync leaves a destination that verifies, only shorter). The copy gets the public key only:
it is evidence to check, not a workspace to scan into: the signing key stays here. The salt of
the keyed hashes goes along (0600): findings need it, and without it a produced original answer
could no longer be matched against its keyed hash once the laptop is gone.

Refused (DestinationDiverged, exit 2, nothing written) when the destination holds a manifest
or log entry this store does not have, or another store's key: its chain has diverged from
ours and overwriting it would hide evidence. A copy that does not verify afterwards raises
IntegrityError (exit 4).

What to copy and when to refuse is decided here for every kind of destination (`plan`,
`check_destination` over a `DestState`); this module writes local directories, and
proofshot.transports.sftp_sync writes ssh:// destinations with the same two functions.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from proofshot.model.errors import BadInput, IntegrityError
from proofshot.store.embedded import Store
from proofshot.store.packs import fsync_dir
from proofshot.store.timestamp import TSA_CA_FILE
from proofshot.store.verify import VerifyReport, verify_store

DIRS = ("packs", "snapshots", "tmp", "keys")


class DestinationDiverged(BadInput):
    """The destination holds evidence this store does not: refuse to touch it."""


@dataclass
class SyncResult:
    dest: Path | str
    packs: int = 0
    manifests: int = 0
    other: int = 0
    bytes: int = 0
    report: VerifyReport | None = None


@dataclass
class DestState:
    """What a destination holds, by name (paths relative to its root, '/'-separated)."""

    config: bool = False               # config.json is there: it opens as a store
    public_key: str | None = None      # keys/signing.pub, stripped
    empty: bool = True                 # nothing at all there (or it does not exist)
    files: set[str] = field(default_factory=set)  # packs/, snapshots/, keys/, logs/** files

    def names(self, folder: str, suffix: str) -> set[str]:
        """Names of the files directly in folder that end with suffix."""
        found = (f.split("/", 1) for f in self.files if "/" in f)
        return {name for top, name in found
                if top == folder and "/" not in name and name.endswith(suffix)}


@dataclass(frozen=True)
class Item:
    """One file to copy: its path relative to the store root and what it must hash to."""

    rel: str
    src: Path
    kind: str                  # "pack", "manifest", "other" (counted) or "refresh" (not)
    sha: str | None = None     # packs: the name; a mismatch means this store is corrupt
    mode: int = 0o644
    replace: bool = False      # config.json and the TSA CA: rewritten when they differ


def check_destination(store: Store, state: DestState, read_manifest: Callable[[str], bytes],
                      where: str) -> None:
    """Raise unless the destination is empty or a (shorter or equal) copy of this store:
    same key, no manifest or log entry we lack, every shared manifest byte-identical.
    A destination with our key but no config yet is an interrupted first sync: resumed."""
    if not state.config and state.public_key is None:
        if not state.empty:
            raise BadInput(f"destination {where} is a directory that is neither empty nor a "
                           "proofshot store")
        return
    if state.public_key != store.keys.public_b64:
        raise DestinationDiverged(f"destination {where} is a store with another signing key; "
                                  "refusing to mix evidence (choose another destination)")
    ours = _names(store.snap_dir, "*.json")
    theirs = state.names("snapshots", ".json")
    extra = sorted(theirs - ours)
    if extra:
        raise DestinationDiverged(
            f"destination {where} has diverged: it holds {len(extra)} snapshot(s) this store "
            f"does not ({', '.join(e[:12] for e in extra[:3])}); refusing to overwrite it")
    for name in sorted(ours & theirs):
        if read_manifest(name) != (store.snap_dir / name).read_bytes():
            raise DestinationDiverged(f"destination {where}: manifest {name[:12]} differs from "
                                      "ours; refusing to overwrite it")
    for rel in sorted(f for f in state.files if f.startswith("logs/") and f.endswith(".json")):
        if not (store.root / rel).is_file():
            raise DestinationDiverged(f"destination {where} has diverged: log entry {rel} is "
                                      "not in this store")


def plan(store: Store, state: DestState) -> list[Item]:
    """What the destination lacks, in the order to write it: keys, packs, log entries,
    timestamp tokens, the TSA CA, manifests in chain order, and the config last (from then on
    the destination opens as a store). Call under store.lock() after store.reconcile()."""
    items: list[Item] = []

    def want(rel: str, src: Path, kind: str, sha: str | None = None, mode: int = 0o644) -> None:
        if rel not in state.files:
            items.append(Item(rel, src, kind, sha, mode))

    want("keys/signing.pub", store.keys.dir / "signing.pub", "other")
    want("keys/salt", store.keys.dir / "salt", "other", mode=0o600)
    for name in sorted(_names(store.packs_dir, "*.pack")):
        want(f"packs/{name}", store.packs_dir / name, "pack", sha=name[:-len(".pack")])
    logs = store.root / "logs"
    for src in sorted(logs.rglob("*.json")) if logs.is_dir() else []:
        want(src.relative_to(store.root).as_posix(), src, "other")
    for name in sorted(_names(store.snap_dir, "*.tsr")):
        want(f"snapshots/{name}", store.snap_dir / name, "other")
    if (store.root / TSA_CA_FILE).is_file():
        items.append(Item(TSA_CA_FILE, store.root / TSA_CA_FILE, "refresh", replace=True))
    for info in store.snapshots():
        want(f"snapshots/{info.id}.json", store.snap_dir / f"{info.id}.json", "manifest")
    items.append(Item("config.json", store.root / "config.json", "refresh", replace=True))
    return items


def count(res: SyncResult, item: Item, size: int) -> None:
    res.bytes += size
    if item.kind == "pack":
        res.packs += 1
    elif item.kind == "manifest":
        res.manifests += 1
    elif item.kind == "other":
        res.other += 1


def corrupt_here(item: Item) -> IntegrityError:
    return IntegrityError(f"{item.rel} is corrupt in this store (its hash does not match its "
                          "name); run 'proofshot verify' before syncing")


def _copy(item: Item, dst: Path, tmp_dir: Path) -> int:
    tmp = tmp_dir / f"{dst.name}.{os.getpid()}.tmp"
    h = hashlib.sha256()
    n = 0
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, item.mode)
    with open(item.src, "rb") as fi, open(fd, "wb") as fo:
        for block in iter(lambda: fi.read(1 << 20), b""):
            h.update(block)
            fo.write(block)
            n += len(block)
        fo.flush()
        os.fsync(fo.fileno())
    if item.sha is not None and h.hexdigest() != item.sha:
        tmp.unlink(missing_ok=True)
        raise corrupt_here(item)
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, dst)
    fsync_dir(dst.parent)
    return n


def _names(d: Path, pattern: str) -> set[str]:
    return {p.name for p in d.glob(pattern)} if d.is_dir() else set()


def _local_state(dest: Path) -> DestState:
    state = DestState(config=(dest / "config.json").is_file(),
                      empty=not dest.exists() or not any(dest.iterdir()))
    pub = dest / "keys" / "signing.pub"
    if pub.is_file():
        state.public_key = pub.read_text().strip()
    for folder in ("packs", "snapshots", "keys", "logs"):
        d = dest / folder
        if d.is_dir():
            state.files.update(p.relative_to(dest).as_posix() for p in d.rglob("*")
                               if p.is_file())
    return state


def sync(store: Store, dest: Path) -> SyncResult:
    if str(dest).startswith("ssh:/"):
        raise BadInput("ssh:// destinations are synced by 'proofshot sync ssh://...' "
                       "(proofshot.transports.sftp_sync)")
    dest = dest.expanduser()
    if dest.resolve() == store.root.resolve():
        raise BadInput("the destination is this store itself")
    if dest.exists() and not dest.is_dir():
        raise BadInput(f"destination {dest} is a file")
    res = SyncResult(dest)
    with store.lock():
        store.reconcile()
        state = _local_state(dest)
        check_destination(store, state, lambda name: (dest / "snapshots" / name).read_bytes(),
                          str(dest))
        for d in DIRS:
            (dest / d).mkdir(parents=True, exist_ok=True)
        os.chmod(dest / "keys", 0o700)
        tmp = dest / "tmp"
        for item in plan(store, state):
            dst = dest / item.rel
            if item.replace and dst.is_file() and dst.read_bytes() == item.src.read_bytes():
                continue
            count(res, item, _copy(item, dst, tmp))
    copy = Store.open(dest)
    try:
        res.report = verify_store(copy)
    finally:
        copy.close()
    if not res.report.ok:
        raise IntegrityError(f"the copy at {dest} does not verify: {res.report.problems[0]}")
    return res
