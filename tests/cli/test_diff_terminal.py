"""`proofshot diff` in the terminal: a summary per target first, every changed column with
before -> after, added and removed rows with every non-empty column, an added file's text (40
lines, then how many more), --stat alone, --exit-code as git diff has it; --json unchanged."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from proofshot.store.embedded import Store
from tests.synth import commit, row

CONF = "\n".join(f"option_{i} = value {i}" for i in range(1, 53))  # 52 lines


def ps(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "proofshot", *args], capture_output=True,
                          text=True, timeout=300, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("diffterm") / "store"
    store = Store.create(path)
    base = [row(i) for i in range(1, 6)]
    commit(store, "before", {"web": {"items": base}, "db": {"items": [row(1)]},
                             "gone": {"items": [row(1)]}})
    after = [row(1, mode="0600", name="renamed-one"), *base[1:4],
             row(9, name="newconf", text=CONF, secret=None)]
    commit(store, "after", {"web": {"items": after}, "db": {"items": [row(1)]},
                            "gone": {}}, status={"gone": "unreachable"})
    commit(store, "same", {"web": {"items": after}, "db": {"items": [row(1)]},
                           "gone": {}}, status={"gone": "unreachable"})
    return {"store": str(path)}


def test_terminal_diff_shows_every_change(pair: dict[str, Any]) -> None:
    r = ps("diff", "before", "after", "--store", pair["store"])
    assert r.returncode == 0, r.stderr
    text = r.stdout
    lines = text.splitlines()
    # the summary first: one line per target with added/removed/changed/unverifiable
    head = "\n".join(lines[:8])
    web = next(ln for ln in lines[:8] if ln.strip().startswith("web"))
    assert web.split()[1:] == ["1", "1", "1", "-"], head
    gone = next(ln for ln in lines[:8] if ln.strip().startswith("gone"))
    assert gone.split()[1:] == ["-", "-", "-", "1"], head
    assert "3 changes (1 added, 1 removed, 1 changed), 1 unverifiable" in head
    # every changed column with before -> after
    assert "mode: 0644 -> 0600" in text and "name: item1 -> renamed-one" in text
    # the removed row with its columns, the added one with its file text cut after 40 lines
    assert "- 5" in text and "name: item5" in text
    assert "+ 9" in text and "name: newconf" in text and "uptime: 1000" in text
    assert "+option_40 = value 40" in text and "option_41" not in text
    assert "... 12 more lines" in text


def test_stat_exit_code_and_json_contract(pair: dict[str, Any]) -> None:
    st = pair["store"]
    stat = ps("diff", "before", "after", "--stat", "--store", st)
    assert stat.returncode == 0 and "mode:" not in stat.stdout and "web" in stat.stdout
    assert "3 changes" in stat.stdout
    assert ps("diff", "before", "after", "--exit-code", "--store", st).returncode == 1
    assert ps("diff", "after", "same", "--exit-code", "--store", st).returncode == 0
    assert ps("diff", "before", "after", "--stat", "--exit-code", "--store", st).returncode == 1
    doc = json.loads(ps("diff", "before", "after", "--json", "--store", st).stdout)
    assert {"from", "to", "changes", "unverifiable", "unchanged"} <= doc.keys()
    assert {c["kind"] for c in doc["changes"]} == {"added", "removed", "changed"}
    for c in doc["changes"]:
        assert {"target", "table", "key", "kind", "before", "after", "columns"} <= c.keys()
    stat_json = json.loads(ps("diff", "before", "after", "--stat", "--json", "--store",
                              st).stdout)
    assert {r["target"]: r["unverifiable"] for r in stat_json["stat"]} == {
        "db": 0, "gone": 1, "web": 0}
