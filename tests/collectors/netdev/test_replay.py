"""Real device sessions replayed (../shared/recordings/devices/*#simulation.yaml, recorded on
real devices by the Oxidized project): every platform with a recording is scanned through the
SSH CLI transport by `proofshot scan`, in one scope, as a technician would scan a site.

For every recording: the stored configuration matches Oxidized's `*#output.txt` in content
(differences explained below), no `fail:` string of `*#secret.yaml` reaches the store, an idle
rescan shows no change, and a planted change (one line edited in the replayed answer) is the
only change in the diff, shown in its section.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from proofshot.collectors.netdev.parsers import text_lines
from proofshot.collectors.netdev.platforms import platform
from tests.collectors.netdev.cases import CASES, Case
from tests.collectors.netdev.conftest import ReplayServer
from tests.collectors.netdev.replay import PASSWORD
from tests.storebytes import everything as store_everything

pytestmark = pytest.mark.skipif(not CASES, reason="../shared/recordings/devices not present")

_HMAC = re.compile(r"hmac:[0-9a-f]{64}")
# Oxidized's own secret markers in *#output.txt: such a line is masked by us differently
_OXIDIZED_MASK = re.compile(r"<(?:secret|removed|configuration removed|secret hidden|"
                            r"secret removed)[^>]*>|<removed>|\bENC <|<hidden>")


def cli(*args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([sys.executable, "-m", "proofshot", *args], capture_output=True,
                       text=True, env={**os.environ, "NETDEV_PW": PASSWORD}, timeout=600,
                       check=False)
    assert r.returncode in ok, f"exit {r.returncode}\n{r.stdout}\n{r.stderr[-3000:]}"
    return r


def user_of(case: Case) -> str:
    return "c" + str(sorted(CASES).index(case.name))


def plant(case: Case, server: ReplayServer) -> tuple[str, str]:
    """Edit one ordinary configuration line of the replayed answer: (old, new) line text."""
    dev = server.devices[user_of(case)]
    p = platform(case.platform)
    assert p is not None
    answer = dev.answers[p.config + "\n"][0]
    lines = answer.split("\n")
    volatile = [re.compile(v) for v in p.volatile]
    for i in [*range(len(lines) // 3, len(lines) - 1), *range(1, len(lines) // 3)]:
        line, nxt = lines[i], lines[i + 1]
        text = line.strip().rstrip("\r").strip()
        if p.structure == "indent" and (_ind(nxt) > _ind(line) or text[:1] in "!#:"):
            continue  # no section's own header (its name is the section's key), no comment
        if p.structure == "slash" and text.startswith("/"):
            continue
        xml = re.fullmatch(r"(<(\w+)>)([\w .-]{4,})(</\2>)", text)
        if xml and answer.count(text) == 1:  # OPNsense/pfSense: an element's text
            new = xml.group(1) + xml.group(3) + "9" + xml.group(4)
            dev.edits.append((text, new))
            return text, new
        if (len(text) > 8 and answer.count(text) == 1 and "hmac" not in text
                and not any(v.search(text) for v in volatile)
                and not re.search(r"(?i)pass|secret|key|community|psk|ENC|<|>|\\|--More", text)
                # an address line would also change device_addresses (derived from it)
                and not re.search(r"\b(?:ip|address|ipv6)\b|set ip\b|address=", text)):
            new = text + "9"
            dev.edits.append((text, new))
            return text, new
    raise AssertionError(f"{case.name}: no line to plant a change in")


def _ind(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


@pytest.fixture(scope="module")
def scanned(replay_server: ReplayServer, tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("netdev-replay")
    store = tmp / "store"
    cli("init", "--store", str(store))
    targets = []
    for _name, case in sorted(CASES.items()):
        replay_server.devices[user_of(case)] = case.device()
        targets.append({"name": user_of(case), "type": "netdev", "platform": case.platform,
                        "host": "127.0.0.1", "port": replay_server.port, "user": user_of(case),
                        "password": "env:NETDEV_PW", "accept_new_host_key": True})
    scope = tmp / "scope.yaml"
    scope.write_text(yaml.safe_dump({"defaults": {"timeout": 60}, "targets": targets}))
    st = ["--store", str(store)]
    cli("scan", str(scope), "--label", "before", *st, ok=(0, 3))
    cli("scan", str(scope), "--label", "idle", *st, ok=(0, 3))
    planted = {name: plant(case, replay_server) for name, case in CASES.items()}
    cli("scan", str(scope), "--label", "after", *st, ok=(0, 3))
    before = json.loads(cli("show", "before", "--json", *st).stdout)
    return {
        "store": store,
        "before": {t["name"]: t for t in before["targets"]},
        "idle": json.loads(cli("diff", "before", "idle", "--json", *st, ok=(0, 1, 3)).stdout),
        "after": json.loads(cli("diff", "idle", "after", "--json", *st, ok=(0, 1, 3)).stdout),
        "planted": planted,
    }


def _ours(target: dict[str, Any]) -> list[str]:
    rows = target["tables"]["device_config"]
    out: list[str] = []
    for r in sorted(rows, key=lambda r: r["position"]):
        for col in ("lines", "volatile_lines"):
            out += (r[col] or "").split("\n")
    return [ln.strip() for ln in out if ln.strip()]


def _explained(case: Case, line: str) -> bool:
    """Lines of Oxidized's output.txt that are not configuration lines of ours, and why."""
    p = platform(case.platform)
    assert p is not None
    if p.comment and line.startswith(p.comment):
        return True  # Oxidized prepends facts (show version, inventory) as comment lines
    if _OXIDIZED_MASK.search(line):
        return True  # Oxidized's own secret marker; ours is a keyed hash (checked below)
    if case.platform in ("opnsense", "pfsense") and (line.startswith("<?xml") or
                                                     re.fullmatch(r"</\w+><!-- .* -->", line)):
        return True  # Oxidized appends the version as a comment to the closing element
    if case.platform == "ios" and line == "expression <value removed>":
        return True  # Oxidized hides SNMP MIB expression values (no secret): ours keeps them
    if case.platform in ("fortios", "fortimanager") and line.startswith("#"):
        return True
    # a private key block: ours is one keyed hash in place of the block
    return "PRIVATE KEY-----" in line or bool(re.fullmatch(r"[A-Za-z0-9+/=]{16,}", line))


@pytest.mark.parametrize("name", sorted(CASES))
def test_config_matches_oxidized_output(scanned: dict[str, Any], name: str) -> None:
    case = CASES[name]
    target = scanned["before"][user_of(case)]
    assert target["status"] in ("ok", "partial"), target
    ours = _ours(target)
    assert ours, f"{name}: no configuration stored"
    have = set(ours)
    wild = [re.compile(_HMAC.sub("\x00", re.escape(ln)).replace("\x00", ".+?")) for ln in ours
            if "hmac:" in ln]
    p = platform(case.platform)
    assert p is not None
    expected = [ln.strip() for ln in text_lines(case.output.read_text(errors="replace"), p)
                if ln.strip()]
    missing = [ln for ln in expected if ln not in have and not _explained(case, ln)
               and not any(w.fullmatch(ln) for w in wild)]
    # our secret rules mask some values Oxidized keeps (e.g. a 'key' word's argument): such a
    # line is in ours with a keyed hash in place of a word
    missing = [ln for ln in missing if not any(
        _HMAC.sub("", o).split() == [w for w in ln.split() if w in _HMAC.sub("", o).split()]
        and "hmac:" in o for o in ours)]
    assert not missing, \
        f"{name}: {len(missing)} of {len(expected)} lines of output.txt not stored: {missing[:10]}"
    # the other way: a configuration line of ours (volatile ones apart) that Oxidized did not
    # store is a masked one, or one of the lines Oxidized's models drop on purpose
    rows = target["tables"]["device_config"]
    kept = [ln.strip() for r in rows for ln in (r["lines"] or "").split("\n") if ln.strip()]
    extra = [ln for ln in set(kept) - set(expected) if "hmac:" not in ln
             and not _dropped_by_oxidized(case, ln)]
    assert not extra, f"{name}: lines stored that Oxidized's output lacks: {extra[:10]}"


def _dropped_by_oxidized(case: Case, line: str) -> bool:
    if case.platform == "asa" and line.startswith(":"):
        return True  # the ': Serial Number' / ': Hardware' header of the running config
    if case.platform == "routeros" and line.startswith("#"):
        return True  # export comments ('# poe-out status: ...')
    if case.platform == "pfsense" and re.match(r"</?(?:revision|time|description|username)"
                                               r"\b|</pfsense>", line):
        return True  # the <revision> block (who saved the config, when): ours keeps it
    if case.platform == "opnsense" and line == "</opnsense>":
        return True  # Oxidized rewrites the closing line (version comment appended)
    return case.platform == "ios" and line == "expression 42"  # see _explained


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.secret.exists()))
def test_no_secret_reaches_the_store(replay_server: ReplayServer, scanned: dict[str, Any],
                                     tmp_path: Path, name: str) -> None:
    """A store of its own per recording: a fail string of one device may be plain text of
    another (Junos's '## SECRET-DATA' comment holds 'SECRET', a failure string of IOS)."""
    fails = [str(s) for s in (yaml.safe_load(CASES[name].secret.read_text()) or {}).get(
        "fail", []) or []]
    case = CASES[name]
    user = user_of(case)
    replay_server.devices[user + "s"] = case.device()
    store = tmp_path / "store"
    cli("init", "--store", str(store))
    scope = tmp_path / "scope.yaml"
    scope.write_text(yaml.safe_dump({"targets": [{
        "name": "dev", "type": "netdev", "platform": case.platform, "host": "127.0.0.1",
        "port": replay_server.port, "user": user + "s", "password": "env:NETDEV_PW",
        "accept_new_host_key": True}]}))
    cli("scan", str(scope), "--label", "s", "--store", str(store), ok=(0, 3))
    # the manifest's field for the signer's key is named "public_key": no device text
    blob = store_everything(store).replace(b'"public_key"', b"")
    target = json.dumps(scanned["before"][user])
    assert b"hmac:" in blob  # the secrets are there, as keyed hashes
    for s in fails:
        assert s not in target, f"{name}: secret {s!r} in the stored rows"
        assert s.encode() not in blob, f"{name}: secret {s!r} somewhere in the store"


def test_idle_rescan_has_no_change(scanned: dict[str, Any]) -> None:
    assert scanned["idle"]["changes"] == []
    assert scanned["idle"]["unverifiable"] == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_planted_change_is_the_only_change(scanned: dict[str, Any], name: str) -> None:
    old, new = scanned["planted"][name]
    user = user_of(CASES[name])
    changes = [c for c in scanned["after"]["changes"] if c["target"] == user]
    assert len(changes) == 1, f"{name}: {changes}"
    ch = changes[0]
    assert ch["table"] == "device_config" and ch["kind"] == "changed"
    assert ch["columns"] == ["lines"]
    gone = set(ch["before"]["lines"].split("\n")) - set(ch["after"]["lines"].split("\n"))
    came = set(ch["after"]["lines"].split("\n")) - set(ch["before"]["lines"].split("\n"))
    assert [g.strip() for g in gone] == [old] and [c.strip() for c in came] == [new]


def test_reports_show_section_diffs_and_device_facts(scanned: dict[str, Any],
                                                     tmp_path: Path) -> None:
    """Evidence report: the planted lines in their section; documentation: the facts."""
    st = ["--store", str(scanned["store"])]
    ev, docs = tmp_path / "evidence.html", tmp_path / "docs.html"
    cli("report", "idle", "after", "--out", str(ev), *st)
    cli("report", "before", "--out", str(docs), *st)
    import html

    ev_text, docs_text = html.unescape(ev.read_text()), html.unescape(docs.read_text())
    ios = "ios#C9200L-24P-4G_17.09.04a"
    old, new = scanned["planted"][ios]
    assert old in ev_text and new in ev_text
    facts = scanned["before"][user_of(CASES[ios])]["tables"]["device_facts"][0]
    assert facts["model"] == "C9200L-24P-4G" and facts["serial"] == "JAE24FFFFFF"
    assert facts["os_version"] == "17.09.04a"
    assert "C9200L-24P-4G" in docs_text and "JAE24FFFFFF" in docs_text


def test_device_addresses_feed_the_paths_view(scanned: dict[str, Any]) -> None:
    """Interface addresses from the configuration become address edges of the device."""
    graph = json.loads(cli("paths", "before", "--json", "--store", str(scanned["store"])).stdout)
    want = {("ios#C9200L-24P-4G_17.09.04a", "10.42.11.42"),
            ("junos#srx300_22.4", "192.168.1.1"), ("routeros#CHR_7.16", "10.0.2.100"),
            ("fortigate#FortiGate-91G_7.4.7", "192.0.2.2")}
    nodes = {n["id"]: n for n in graph["nodes"]}
    edges = {(e["from"], nodes.get(e["to"], {}).get("address") or e["to"])
             for e in graph["edges"] if e["kind"] == "address"}
    for case, addr in want:
        user = user_of(CASES[case])
        assert any(f == user and addr in str(to) for f, to in edges), (case, addr)
    rows = scanned["before"][user_of(CASES["ios#C9200L-24P-4G_17.09.04a"])]["tables"][
        "device_addresses"]
    assert {"interface": "Vlan2", "address": "10.42.11.42", "prefix_length": 24,
            "family": "inet"} in rows


def test_store_verifies_and_rows_rederive_from_the_transcripts(scanned: dict[str, Any]) -> None:
    """Rows were built from the masked answers as stored: re-deriving them gives the same."""
    r = cli("verify", "--rederive", "--store", str(scanned["store"]))
    assert r.returncode == 0


def test_the_diff_says_who_changed_the_device(replay_server: ReplayServer,
                                              tmp_path: Path) -> None:
    """IOS's '! Last configuration change at ... by USER': after a change by another account
    the diff names it (device_facts.changed_by) beside the changed lines."""
    case = CASES["ios#asr920_16.8.1b"]
    dev = case.device()
    replay_server.devices["attrib"] = dev
    store, scope = tmp_path / "store", tmp_path / "scope.yaml"
    scope.write_text(yaml.safe_dump({"targets": [{
        "name": "asr", "type": "netdev", "platform": "ios", "host": "127.0.0.1",
        "port": replay_server.port, "user": "attrib", "password": "env:NETDEV_PW",
        "accept_new_host_key": True}]}))
    st = ["--store", str(store)]
    cli("init", *st)
    cli("scan", str(scope), "--label", "a", *st, ok=(0, 3))
    dev.edits += [("11:54:34 UTC Thu Aug 29 2024 by 123456", "09:01:02 UTC Mon Sep 2 2024 by alice"),
                  ("hostname hostname", "hostname asr-core-1")]
    cli("scan", str(scope), "--label", "b", *st, ok=(0, 3))
    diff = json.loads(cli("diff", "a", "b", "--json", *st, ok=(0, 1, 3)).stdout)
    by_table = {c["table"]: c for c in diff["changes"]}
    assert set(by_table) == {"device_config", "device_facts"}, diff["changes"]
    facts = by_table["device_facts"]
    assert facts["before"]["changed_by"] == "123456" and facts["after"]["changed_by"] == "alice"
    assert set(facts["columns"]) == {"changed_by", "last_change"}
    cfg = by_table["device_config"]
    assert cfg["key"] == {"section": "hostname"}
    assert (cfg["before"]["lines"], cfg["after"]["lines"]) == ("hostname hostname",
                                                               "hostname asr-core-1")


def test_findings_on_recorded_configurations(scanned: dict[str, Any]) -> None:
    """The C9200L recording has 'snmp-server community public RW 5': found through the store's
    keyed hash of 'public' (the value itself was never stored)."""
    found = json.loads(cli("findings", "before", "--json", "--store",
                           str(scanned["store"])).stdout)
    ios = user_of(CASES["ios#C9200L-24P-4G_17.09.04a"])
    rules = {f["rule"] for f in found if f["target"] == ios}
    assert {"netdev-snmp-default-community", "netdev-snmp-write"} <= rules, rules
    assert "netdev-no-aaa" not in rules  # it has aaa new-model
    drift = [f for f in found if f["rule"] == "netdev-firmware-drift"]
    # the AOS-CX recordings include one model on two firmware versions (R8N85A: PL.10.13.0005
    # and PL.10.08.1010)
    assert drift, [f["rule"] for f in found]
