"""Pack files: many objects in one immutable file, as restic does, so a million small chunks
cost a million index rows but not a million files and fsyncs.

    pack   = b"PSPACK1\\n" record*
    record = id (32 bytes, SHA-256 of the raw object) | length (4 bytes, big endian) | zstd(raw)

A pack is written under tmp/, fsynced, and renamed to packs/<sha256 of the pack>.pack.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import zstandard

MAGIC = b"PSPACK1\n"
PACK_LIMIT = 64 * 1024 * 1024
_HDR = struct.Struct(">32sI")


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class PackWriter:
    """Appends objects to a temporary pack; `seal` makes it durable and visible."""

    def __init__(self, tmp_dir: Path, packs_dir: Path, level: int = 3) -> None:
        self.tmp_dir = tmp_dir
        self.packs_dir = packs_dir
        self.tmp_path = tmp_dir / f"pack-{os.getpid()}-{id(self):x}.tmp"
        self.fh: BinaryIO = open(self.tmp_path, "wb")  # noqa: SIM115 - closed in seal/abort
        self.fh.write(MAGIC)
        self.offset = len(MAGIC)
        self.entries: list[tuple[str, int, int]] = []
        self.hasher = hashlib.sha256(MAGIC)
        self.cctx = zstandard.ZstdCompressor(level=level)

    def add(self, oid: str, raw: bytes) -> None:
        comp = self.cctx.compress(raw)
        rec = _HDR.pack(bytes.fromhex(oid), len(comp)) + comp
        self.fh.write(rec)
        self.hasher.update(rec)
        self.entries.append((oid, self.offset + _HDR.size, len(comp)))
        self.offset += len(rec)

    @property
    def size(self) -> int:
        return self.offset

    def seal(self) -> tuple[str, list[tuple[str, int, int]]]:
        """fsync, rename into packs/, fsync the directory; return (pack name, entries)."""
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        name = self.hasher.hexdigest()
        final = self.packs_dir / f"{name}.pack"
        os.replace(self.tmp_path, final)
        fsync_dir(self.packs_dir)
        return name, self.entries

    def abort(self) -> None:
        self.fh.close()
        self.tmp_path.unlink(missing_ok=True)


def read_records(path: Path) -> Iterator[tuple[str, int, bytes]]:
    """Every (id, data offset, compressed bytes) of a pack; raises ValueError on a broken pack."""
    with open(path, "rb") as fh:
        if fh.read(len(MAGIC)) != MAGIC:
            raise ValueError(f"{path.name}: not a pack file")
        offset = len(MAGIC)
        while True:
            hdr = fh.read(_HDR.size)
            if not hdr:
                return
            if len(hdr) < _HDR.size:
                raise ValueError(f"{path.name}: truncated record header at byte {offset}")
            raw_id, length = _HDR.unpack(hdr)
            data = fh.read(length)
            if len(data) < length:
                raise ValueError(f"{path.name}: truncated object at byte {offset}")
            yield raw_id.hex(), offset + _HDR.size, data
            offset += _HDR.size + length
