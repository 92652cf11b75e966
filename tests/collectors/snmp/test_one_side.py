"""SNMP tables failing on one side only, through the real scan path: snmpsim serves one real
recording (snmpsim-data's APC UPS) under three communities: as recorded; with an error status
(genError) inside ifTable; with ifTable/ifXTable gone (empty where it was full). The same target
is scanned through each. A table that answered with an error is unreadable (exit 3), one that
answers empty where it was full is unverifiable in the diff, never "removed"; nothing else
changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.collectors.snmp.agents import (
    SNMPSIM_BIN,
    Snmpsim,
    _wait_udp,
    free_udp_port,
    missing_tools,
    terminate,
)

IF_TABLE = "1.3.6.1.2.1.2.2."
IFX_TABLE = "1.3.6.1.2.1.31.1.1."


def variants(src: Path) -> dict[str, str]:
    lines = src.read_text().splitlines()
    first_if = next(i for i, ln in enumerate(lines) if ln.startswith(IF_TABLE + "1.2."))
    oid, tag, _ = lines[first_if].split("|", 2)
    generr = list(lines)
    generr[first_if] = f"{oid}|{tag}:error|op=any,status=genError"
    empty = [ln for ln in lines if not ln.startswith((IF_TABLE, IFX_TABLE))]
    return {"ok": "\n".join(lines) + "\n", "generr": "\n".join(generr) + "\n",
            "empty": "\n".join(empty) + "\n"}


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    missing = missing_tools()
    if missing or Snmpsim.available():
        pytest.skip(f"needs Net-SNMP tools and snmpsim ({missing or Snmpsim.available()})")
    work = tmp_path_factory.mktemp("snmp-oneside")
    root = Snmpsim(work).data_root()
    data, cache = work / "data" / "ups", work / "cache"
    data.mkdir(parents=True)
    cache.mkdir()
    for name, text in variants(root / "UPS" / "apc-8932.snmprec").items():
        (data / f"{name}.snmprec").write_text(text)
    for p in (work, work / "data", data, cache, *data.iterdir()):
        p.chmod(0o777 if p.is_dir() else 0o644)
    for parent in work.parents:
        if parent == Path("/"):
            break
        if not parent.stat().st_mode & 0o001:
            parent.chmod(parent.stat().st_mode | 0o001)
    port = free_udp_port()
    argv = [str(SNMPSIM_BIN), f"--data-dir={work / 'data'}", f"--cache-dir={cache}",
            f"--agent-udpv4-endpoint=127.0.0.1:{port}"]
    if os.geteuid() == 0:
        argv += ["--process-user=nobody", "--process-group=nogroup"]
    with open(work / "snmpsim.log", "ab") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                start_new_session=True, cwd=work)
    try:
        deadline = time.monotonic() + 60
        for name in ("ok", "generr", "empty"):
            _wait_udp(port, f"ups/{name}", work, deadline)
        yield port, work
    finally:
        terminate(proc)


def cli(store: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "proofshot", *args, "--store", str(store)],
                          env={**os.environ, "COLUMNS": "400", **env}, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.fixture(scope="module")
def scans(sim: tuple[int, Path]) -> dict[str, Any]:
    port, work = sim
    store = work / "store"
    scope = work / "scope.yaml"
    scope.write_text("defaults: {timeout: 60}\ntargets:\n"
                     f"  - {{name: ups, type: snmp, host: 127.0.0.1, port: {port}, "
                     "version: 2c, community: env:T_UPS_COMM}\n")
    codes = {}
    for label in ("ok", "generr", "empty", "back"):
        env = {"T_UPS_COMM": f"ups/{'ok' if label == 'back' else label}"}
        r = cli(store, "scan", str(scope), "--label", label, env=env)
        codes[label] = (r.returncode, r.stderr)
    diffs = {b: json.loads(cli(store, "diff", "ok", b, "--json", env={}).stdout)
             for b in ("generr", "empty", "back")}
    shown = json.loads(cli(store, "show", "generr", "--json", env={}).stdout)
    return {"codes": codes, "diffs": diffs, "generr": shown["targets"][0]}


def test_the_recording_reads_whole(scans: dict[str, Any]) -> None:
    assert scans["codes"]["ok"][0] == 0, scans["codes"]["ok"][1]
    d = scans["diffs"]["back"]
    assert d["changes"] == [] and d["unverifiable"] == [], d
    assert any(u["table"] == "snmp_interfaces" and u["rows"] > 0 for u in d["unchanged"])


def test_an_error_status_makes_the_table_unreadable_not_empty(scans: dict[str, Any]) -> None:
    code, err = scans["codes"]["generr"]
    assert code == 3, err
    t = scans["generr"]
    assert t["status"] == "partial" and "snmp_interfaces" in t["reason"], t["reason"]
    d = scans["diffs"]["generr"]
    assert d["changes"] == [], d["changes"][:5]
    unv = {u["table"]: u["reason"] for u in d["unverifiable"]}
    assert "snmp_interfaces" in unv and "second snapshot" in unv["snmp_interfaces"], unv
    assert "genError" in unv["snmp_interfaces"] or "generror" in unv["snmp_interfaces"].lower()


def test_empty_where_it_was_full_is_unverifiable_not_removed(scans: dict[str, Any]) -> None:
    d = scans["diffs"]["empty"]
    assert d["changes"] == [], d["changes"][:5]
    unv = {u["table"]: u["reason"] for u in d["unverifiable"]}
    assert "snmp_interfaces" in unv and "second snapshot" in unv["snmp_interfaces"], unv
    assert not [c for c in d["changes"] if c["kind"] == "removed"]


