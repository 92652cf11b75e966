"""SnapshotReader.iter_rows decodes rows with msgspec and falls back to json.loads for what
msgspec refuses: the rows are json.loads' in every case."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from proofshot.model.snapshot import Manifest, SnapshotReader

RAWS = [
    b'{"path":"/etc/a","size":12,"mtime":1700000000.25,"text":"a\\u0000b\\n"}',
    b'{"n":123456789012345678901234567890,"x":-0.0,"l":[1,2.5,null,true]}',
    b'{"s":"\\ud800 lone surrogate"}',  # msgspec refuses: json.loads takes it
    b'{"big":1e400}',  # out of float range: json.loads gives inf
    b'{"u":"\\u00e4\xc3\xa4"}',
]


def test_rows_are_json_loads_rows() -> None:
    manifest = Manifest.from_data({"targets": [{"name": "t", "type": "local", "status": "ok",
                                                "tables": {"x": {"root": "r", "rows": 5,
                                                                 "schema": ""}}}]})

    def walk(get: Callable[[str], bytes], root: str) -> Iterator[bytes]:
        assert root == "r"
        yield from RAWS

    snap = SnapshotReader("s", manifest, lambda oid: b"", walk)
    got = snap.rows("t", "x")
    want = [json.loads(r) for r in RAWS]
    assert repr(got) == repr(want)  # -0.0, inf and the surrogate compared exactly
