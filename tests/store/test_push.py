"""push into a directory store that keeps its own chain: only an enrolled key is accepted,
what is pushed is read back and checked there (a destination object that rotted is named,
exit 4), and the destination's own chain stays whole."""

from __future__ import annotations

from pathlib import Path

from proofshot.store.embedded import Store
from proofshot.store.packs import read_records
from proofshot.store.verify import verify_store
from tests.cli.test_errors import ps
from tests.synth import commit, row


def test_push_into_a_colleagues_store(tmp_path: Path) -> None:
    mine = Store.create(tmp_path / "mine")
    theirs = Store.create(tmp_path / "theirs")
    commit(theirs, "their-own", {"db": {"items": [row(k) for k in range(10)]}})
    commit(mine, "before", {"web": {"items": [row(k) for k in range(30)]}})
    env_store = ["--store", str(mine.root)]
    refused = ps("push", str(theirs.root), *env_store)
    assert refused.returncode == 2 and "enroll it first" in refused.stderr
    assert ps("key", "trust", str(mine.root / "keys" / "signing.pub"), "--store",
              str(theirs.root)).returncode == 0
    done = ps("push", str(theirs.root), *env_store)
    assert done.returncode == 0, done.stderr
    reopened = Store.open(theirs.root)
    assert [s.label for s in reopened.snapshots()] == ["their-own", "before"]
    assert verify_store(reopened).ok, verify_store(reopened).problems
    pushed = reopened.manifest(reopened.resolve("before"))
    assert pushed["origin"]["id"] == mine.resolve("before")
    assert pushed["key"] == mine.keys.fingerprint  # signed by me, chained after theirs
    reopened.close()
    # an object there rots; my next snapshot shares it, so nothing is resent: the read-back
    # after the push names it
    for pack in (theirs.root / "packs").glob("*.pack"):
        if pack.name in {p.name for p in (mine.root / "packs").glob("*.pack")}:
            data = bytearray(pack.read_bytes())
            for _, offset, payload in read_records(pack):  # every object in it, whatever the
                data[offset + len(payload) // 2] ^= 0x01  # layout (compression level) is
            pack.write_bytes(bytes(data))
    commit(mine, "after", {"web": {"items": [row(k) for k in range(30)]}})
    broken = ps("push", str(theirs.root), *env_store)
    assert broken.returncode == 4, broken.stderr
    assert "does not verify after the push" in broken.stderr
