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
IntegrityError (exit 4). ssh:// destinations are not supported yet: mount the target instead.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from proofshot.model.errors import BadInput, IntegrityError
from proofshot.store.embedded import Store
from proofshot.store.packs import fsync_dir
from proofshot.store.timestamp import TSA_CA_FILE
from proofshot.store.verify import VerifyReport, verify_store


class DestinationDiverged(BadInput):
    """The destination holds evidence this store does not: refuse to touch it."""


@dataclass
class SyncResult:
    dest: Path
    packs: int = 0
    manifests: int = 0
    other: int = 0
    bytes: int = 0
    report: VerifyReport | None = None


def _copy(src: Path, dst: Path, tmp_dir: Path, expect_sha: str | None = None,
          mode: int = 0o644) -> int:
    tmp = tmp_dir / f"{dst.name}.{os.getpid()}.tmp"
    h = hashlib.sha256()
    n = 0
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with open(src, "rb") as fi, open(fd, "wb") as fo:
        for block in iter(lambda: fi.read(1 << 20), b""):
            h.update(block)
            fo.write(block)
            n += len(block)
        fo.flush()
        os.fsync(fo.fileno())
    if expect_sha is not None and h.hexdigest() != expect_sha:
        tmp.unlink(missing_ok=True)
        raise IntegrityError(f"{src.parent.name}/{src.name} is corrupt in this store (its hash "
                             "does not match its name); run 'proofshot verify' before syncing")
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, dst)
    fsync_dir(dst.parent)
    return n


def _names(d: Path, pattern: str) -> set[str]:
    return {p.name for p in d.glob(pattern)} if d.is_dir() else set()


def sync(store: Store, dest: Path) -> SyncResult:
    if str(dest).startswith("ssh://"):
        raise BadInput("ssh:// destinations are not supported yet; mount the target "
                       "(sshfs, NFS, SMB) and sync to the mount point")
    dest = dest.expanduser()
    if dest.resolve() == store.root.resolve():
        raise BadInput("the destination is this store itself")
    if dest.exists() and not dest.is_dir():
        raise BadInput(f"destination {dest} is a file")
    fresh = not (dest / "config.json").is_file()
    if fresh and dest.exists() and any(dest.iterdir()):
        raise BadInput(f"destination {dest} is a directory that is neither empty nor a "
                       "proofshot store")
    res = SyncResult(dest)
    with store.lock():
        store.reconcile()
        if not fresh:
            _check_prefix(store, dest)
        for d in ("packs", "snapshots", "tmp", "keys"):
            (dest / d).mkdir(parents=True, exist_ok=True)
        tmp = dest / "tmp"
        if fresh:
            res.other += 1
            res.bytes += _copy(store.keys.dir / "signing.pub", dest / "keys" / "signing.pub", tmp)
            os.chmod(dest / "keys", 0o700)
            res.bytes += _copy(store.keys.dir / "salt", dest / "keys" / "salt", tmp, mode=0o600)
        # packs
        for name in sorted(_names(store.packs_dir, "*.pack") - _names(dest / "packs", "*.pack")):
            res.bytes += _copy(store.packs_dir / name, dest / "packs" / name, tmp,
                               expect_sha=name[:-len(".pack")])
            res.packs += 1
        # log entries, timestamp tokens, the TSA CA
        logs = store.root / "logs"
        for src in sorted(logs.rglob("*.json")) if logs.is_dir() else []:
            dst = dest / src.relative_to(store.root)
            if not dst.exists():
                res.bytes += _copy(src, dst, tmp)
                res.other += 1
        for name in sorted(_names(store.snap_dir, "*.tsr") - _names(dest / "snapshots", "*.tsr")):
            res.bytes += _copy(store.snap_dir / name, dest / "snapshots" / name, tmp)
            res.other += 1
        if (store.root / TSA_CA_FILE).is_file():
            res.bytes += _copy(store.root / TSA_CA_FILE, dest / TSA_CA_FILE, tmp)
        # manifests, in chain order
        have = _names(dest / "snapshots", "*.json")
        for info in store.snapshots():
            name = f"{info.id}.json"
            if name not in have:
                res.bytes += _copy(store.snap_dir / name, dest / "snapshots" / name, tmp)
                res.manifests += 1
        # the config last: from now on the destination opens as a store
        res.bytes += _copy(store.root / "config.json", dest / "config.json", tmp)
    copy = Store.open(dest)
    try:
        res.report = verify_store(copy)
    finally:
        copy.close()
    if not res.report.ok:
        raise IntegrityError(f"the copy at {dest} does not verify: {res.report.problems[0]}")
    return res


def _check_prefix(store: Store, dest: Path) -> None:
    theirs_pub = dest / "keys" / "signing.pub"
    if not theirs_pub.is_file() or theirs_pub.read_text().strip() != store.keys.public_b64:
        raise DestinationDiverged(f"destination {dest} is a store with another signing key; "
                                  "refusing to mix evidence (choose another destination)")
    ours = _names(store.snap_dir, "*.json")
    extra = sorted(_names(dest / "snapshots", "*.json") - ours)
    if extra:
        raise DestinationDiverged(
            f"destination {dest} has diverged: it holds {len(extra)} snapshot(s) this store "
            f"does not ({', '.join(e[:12] for e in extra[:3])}); refusing to overwrite it")
    for name in ours & _names(dest / "snapshots", "*.json"):
        if (dest / "snapshots" / name).read_bytes() != (store.snap_dir / name).read_bytes():
            raise DestinationDiverged(f"destination {dest}: manifest {name[:12]} differs from "
                                      "ours; refusing to overwrite it")
    dl = dest / "logs"
    for p in sorted(dl.rglob("*.json")) if dl.is_dir() else []:
        if not (store.root / p.relative_to(dest)).is_file():
            raise DestinationDiverged(f"destination {dest} has diverged: log entry "
                                      f"{p.relative_to(dest)} is not in this store")
