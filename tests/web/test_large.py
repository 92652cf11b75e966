"""Large data stays paged: a diff of 10,000 changes shows 100 per page (the API still has them
all), a table of 1,000,000 rows opens on any page by skipping whole subtrees (a late page reads
a handful of objects, not the table), and `/api/show` streams it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from proofshot.store.embedded import Store
from proofshot.store.tree import iter_rows
from proofshot.web.app import Config, create_app
from tests.synth import commit, row

TOKEN = "large-token"
N_CHANGES = 10_000
N_ROWS = 1_000_000


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web-large") / "store"
    st = Store.create(root)
    rows = [row(i) for i in range(N_CHANGES)]
    commit(st, "a", {"app": {"items": rows}})
    commit(st, "b", {"app": {"items": [row(i, name=f"renamed{i}", text=f"x={i}\ny=1\n")
                                       for i in range(N_CHANGES)]}})
    commit(st, "huge", {"fileserver": {"items": (row(i) for i in range(N_ROWS))}})
    st.close()
    return root


@pytest.fixture(scope="module")
def client(big: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Config(big, TOKEN)), follow_redirects=False) as c:
        assert c.get(f"/?token={TOKEN}").status_code == 303
        yield c


def test_a_diff_of_ten_thousand_changes_is_paged(client: TestClient) -> None:
    page = client.get("/diff/a/b").text
    assert re.search(r"<b>10,000</b> changes", page)
    assert page.count('<tr class="k-changed"') == 100
    assert "page 1 / 100" in page
    last = client.get("/diff/a/b?page=100").text
    assert last.count('<tr class="k-changed"') == 100 and "page 100 / 100" in last
    assert "renamed9999" in last and "renamed9999" not in page
    kinds = client.get("/diff/a/b?kind=added").text
    assert "0 changes shown" in kinds
    api = client.get("/api/diff/a/b", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert len(api["changes"]) == N_CHANGES


def test_a_table_of_a_million_rows_opens_on_any_page(client: TestClient, big: Path) -> None:
    data: Any = client.app.state.data  # type: ignore[attr-defined]
    sid = data.resolve("huge")
    reads: list[str] = []
    store = data.store()
    real_get = store.get
    store.get = lambda oid: (reads.append(oid), real_get(oid))[1]
    try:
        rows, total = data.table_page(sid, "fileserver", "items", 999_950, 100)
    finally:
        store.get = real_get
    assert total == N_ROWS
    entry = data.target_entry(sid, "fileserver").tables["items"]
    ref = [json.loads(r)["id"] for r in iter_rows(real_get, entry.root)]  # key order
    assert len(ref) == N_ROWS
    assert [r["id"] for r in rows] == ref[999_950:]
    assert len(reads) < 20, len(reads)  # a path down the tree, not the table
    page = client.get(f"/snapshots/{sid}/targets/fileserver/tables/items?page=5000").text
    assert "page 5000 / 10000" in page and "1,000,000 rows" in page
    ids = [int(x) for x in re.findall(r"<td>(\d+)</td><td>item\1</td>", page)]
    assert ids == ref[499_900:500_000]


def test_show_api_streams_the_million_rows(client: TestClient) -> None:
    with client.stream("GET", "/api/show/huge",
                       headers={"Authorization": f"Bearer {TOKEN}"}) as r:
        assert r.status_code == 200
        chunks = 0
        size = 0
        buf = []
        for piece in r.iter_bytes():
            chunks += 1
            size += len(piece)
            buf.append(piece)
    doc = json.loads(b"".join(buf))
    (t,) = doc["targets"]
    assert len(t["tables"]["items"]) == N_ROWS
    assert len({r["id"] for r in t["tables"]["items"]}) == N_ROWS
    assert chunks > 100  # sent as it was read, not as one body


def test_the_listing_reads_each_manifest_once(tmp_path: Path) -> None:
    """Past the result cache's 64 entries a page load read every manifest again; now a listing
    reads only the manifests of snapshots new since the last one (manifests are immutable)."""
    from proofshot.web.data import Data

    root = tmp_path / "store"
    st = Store.create(root)
    for n in range(70):
        commit(st, f"s{n}", {"app": {"items": [row(n)]}})
    st.close()
    data = Data(root)
    read: list[str] = []
    real = data.snapshot

    def counted(sid: str) -> Any:
        read.append(sid)
        return real(sid)

    data.snapshot = counted  # type: ignore[method-assign]
    first = data.snapshots()
    assert len(first) == 70 and len(read) == 70
    assert data.snapshots() == first and len(read) == 70  # the second page load: none read
    st = Store.open(root)
    new = commit(st, "s70", {"app": {"items": [row(70)]}})
    st.close()
    third = data.snapshots()
    assert [r.label for r in third[-2:]] == ["s69", "s70"] and read[70:] == [third[-1].id]
    assert new == third[-1].id
