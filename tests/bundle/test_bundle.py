"""The evidence bundle, checked by its own standalone verifier run as a third party would:
every kind of tampering is caught, and a redacted bundle still verifies."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from proofshot.engagement import record
from proofshot.engagement.bundle import export
from proofshot.store.embedded import Store
from tests.bundle.helpers import SECRET, commit, flip, rewrite, run_verifier, verifier


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Any]:
    store = Store.create(tmp_path / "store")
    eid = record.start(store, "Firewall migration", "Muster GmbH", "Anna")
    a = commit(store, "before", 600)
    mid = commit(store, "middle", 601)
    b = commit(store, "after", 603, pin="changed-pin-4711")
    record.link(store, eid, "before", a)
    record.link(store, eid, "after", b)
    record.note(store, eid, "rule 12 replaced")
    report = tmp_path / "evidence.html"
    report.write_text("<html><body>report</body></html>")
    out = tmp_path / "bundle.zip"
    res = export(store, a, b, out, report=report)
    script = verifier(out, tmp_path / "third-party")
    return {"store": store, "a": a, "b": b, "mid": mid, "eid": eid, "out": out,
            "script": script, "res": res, "tmp": tmp_path}


def broken(s: dict[str, Any], bundle: Path, *args: str) -> str:
    proc = run_verifier(s["script"], bundle, *args)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("BROKEN: "), proc.stdout
    return last


def test_bundle_verifies_and_holds_everything(setup: dict[str, Any]) -> None:
    s = setup
    proc = run_verifier(s["script"], s["out"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("OK")
    assert s["store"].keys.fingerprint in proc.stdout
    names = zipfile.ZipFile(s["out"]).namelist()
    assert f"manifests/{s['mid']}.json" in names  # the chain between them
    assert "report/evidence.html" in names and "public_key.txt" in names
    assert sum(n.startswith("engagement/") for n in names) == 4
    assert s["res"].engagement == s["eid"]
    # the verifier pinned to the right key passes, to another fails
    assert run_verifier(s["script"], s["out"], "--key", s["store"].keys.fingerprint).returncode == 0
    assert "not by the expected key" in broken(s, s["out"], "--key", "SHA256:someoneelse")


def test_verifier_imports_nothing_of_proofshot(setup: dict[str, Any]) -> None:
    src = setup["script"].read_text()
    assert not re.search(r"^\s*(from|import)\s+proofshot", src, re.M)
    imports = set(re.findall(r"^(?:from|import)\s+([a-z_0-9]+)", src, re.M))
    assert imports <= {"__future__", "argparse", "base64", "hashlib", "json", "sys", "zipfile",
                       "dataclasses", "types", "typing", "cryptography"}


def _members(bundle: Path) -> list[str]:
    return zipfile.ZipFile(bundle).namelist()


def test_one_byte_in_any_member_is_caught(setup: dict[str, Any]) -> None:
    s = setup
    for i, name in enumerate(_members(s["out"])):
        bad = s["tmp"] / f"flip{i}.zip"

        def change(files: dict[str, bytes], name: str = name) -> None:
            files[name] = flip(files[name])

        rewrite(s["out"], bad, change)
        broken(s, bad)


def _contents(bundle: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_one_byte_in_the_zip_itself_is_caught(setup: dict[str, Any]) -> None:
    """A flipped byte of the zip file is caught, unless it only hit container metadata
    (a file's mtime, say) and every member still reads back byte for byte the same."""
    s = setup
    data = s["out"].read_bytes()
    original = _contents(s["out"])
    caught = 0
    for k in range(40):
        bad = s["tmp"] / f"raw{k}.zip"
        bad.write_bytes(flip(data, (len(data) * (k + 1)) // 41))
        proc = run_verifier(s["script"], bad)
        if proc.returncode == 0:
            assert _contents(bad) == original, k
        else:
            assert proc.returncode == 4 and "BROKEN" in proc.stdout, proc.stdout + proc.stderr
            caught += 1
    assert caught > 30


def test_object_and_manifest_tampering_named(setup: dict[str, Any]) -> None:
    s = setup
    obj = next(n for n in _members(s["out"]) if n.startswith("objects/"))
    bad = s["tmp"] / "obj.zip"
    rewrite(s["out"], bad, lambda f: f.__setitem__(obj, flip(f[obj])))
    assert "object" in broken(s, bad) and "altered" in broken(s, bad)

    man = f"manifests/{s['a']}.json"

    def relabel(f: dict[str, bytes]) -> None:
        f[man] = f[man].replace(b'"label":"before"', b'"label":"bef0re"')

    rewrite(s["out"], bad, relabel)
    assert s["a"][:12] in broken(s, bad) and "altered" in broken(s, bad)


def test_missing_object(setup: dict[str, Any]) -> None:
    s = setup
    manifest = json.loads(zipfile.ZipFile(s["out"]).read(f"manifests/{s['b']}.json"))
    root = manifest["body"]["targets"][0]["tables"]["items"]["root"]
    bad = s["tmp"] / "missing.zip"
    rewrite(s["out"], bad, lambda f: f.pop(f"objects/{root}"))
    assert root[:16] in broken(s, bad) and "missing" in broken(s, bad)


def test_swapped_manifests(setup: dict[str, Any]) -> None:
    s = setup
    ma, mb = f"manifests/{s['a']}.json", f"manifests/{s['b']}.json"
    bad = s["tmp"] / "swap.zip"

    def swap(f: dict[str, bytes]) -> None:
        f[ma], f[mb] = f[mb], f[ma]

    rewrite(s["out"], bad, swap)
    assert "does not match its id" in broken(s, bad)


def test_wrong_key(setup: dict[str, Any]) -> None:
    s = setup
    other = Store.create(s["tmp"] / "other")
    bad = s["tmp"] / "key.zip"
    rewrite(s["out"], bad, lambda f: f.__setitem__(
        "public_key.txt", (other.keys.public_b64 + "\n").encode()))
    assert "signature does not verify" in broken(s, bad)


def test_whole_bundle_resigned_with_another_key_shows_in_fingerprint(setup: dict[str, Any]
                                                                    ) -> None:
    """Someone who re-signs everything with their own key gets a consistent bundle, but not
    the technician's fingerprint: the verifier prints it, and --key refuses it."""
    s = setup
    other = Store.create(s["tmp"] / "forger")
    for label in ("x", "y"):
        commit(other, label, 10)
    ids = [i.id for i in other.snapshots()]
    forged = s["tmp"] / "forged.zip"
    export(other, ids[0], ids[1], forged)
    proc = run_verifier(s["script"], forged)
    assert proc.returncode == 0 and other.keys.fingerprint in proc.stdout
    assert "expected key" in broken(s, forged, "--key", s["store"].keys.fingerprint)


def test_engagement_entry_tampered(setup: dict[str, Any]) -> None:
    s = setup
    names = [n for n in _members(s["out"]) if n.startswith("engagement/")]
    bad = s["tmp"] / "eng.zip"
    victim = next(n for n in names if b"rule 12" in zipfile.ZipFile(s["out"]).read(n))

    def edit(f: dict[str, bytes]) -> None:
        f[victim] = f[victim].replace(b"rule 12", b"rule 13")

    rewrite(s["out"], bad, edit)
    assert "engagement entry" in broken(s, bad)
    rewrite(s["out"], bad, lambda f: f.pop(names[0]))
    assert "BROKEN" in broken(s, bad)


def test_redacted_bundle_verifies_without_the_secret(setup: dict[str, Any]) -> None:
    s = setup
    out = s["tmp"] / "redacted.zip"
    res = export(s["store"], s["a"], s["b"], out, redact=True)
    assert {x["query"] for x in res.absent} == {"shadow"} and len(res.absent) == 2
    proc = run_verifier(s["script"], out)
    assert proc.returncode == 0, proc.stdout
    assert "2 transcripts redacted" in proc.stdout
    with zipfile.ZipFile(out) as zf:
        for n in zf.namelist():
            assert SECRET.encode() not in zf.read(n), n
            assert b"changed-pin-4711" not in zf.read(n), n
        idx = json.loads(zf.read("index.json"))["body"]
        assert idx["redacted"] and all(x["kind"] == "transcript" for x in idx["absent"])
        assert "Redacted" in zf.read("README.txt").decode()
    # the unredacted bundle does hold the raw transcript: the redaction did something
    assert any(SECRET.encode() in zipfile.ZipFile(s["out"]).read(n)
               for n in _members(s["out"]))


def test_absent_list_cannot_hide_a_table_object(setup: dict[str, Any]) -> None:
    """Only transcripts may be redacted: dropping a tree object is caught even if listed."""
    s = setup
    out = s["tmp"] / "redacted.zip"
    export(s["store"], s["a"], s["b"], out, redact=True)
    manifest = json.loads(zipfile.ZipFile(out).read(f"manifests/{s['b']}.json"))
    root = manifest["body"]["targets"][0]["tables"]["items"]["root"]
    bad = s["tmp"] / "hide.zip"
    rewrite(out, bad, lambda f: f.pop(f"objects/{root}"))
    assert "missing" in broken(s, bad)


def test_export_cli(setup: dict[str, Any], tmp_path: Path) -> None:
    from tests.cli.test_errors import ps

    s = setup
    out = tmp_path / "cli.zip"
    proc = ps("export", "before", "after", "--out", str(out), "--redact",
              "--store", str(s["store"].root))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out)
    assert run_verifier(s["script"], out).returncode == 0
    proc = ps("export", "after", "before", "--out", str(out), "--store", str(s["store"].root))
    assert proc.returncode == 2 and "ancestor" in proc.stderr


def test_verifier_names_what_it_verified_and_speaks_json(setup: dict[str, Any]) -> None:
    """It prints each snapshot's full id, label and time (the report tells the reader to compare
    them); --json carries the same as one object."""
    s = setup
    text = run_verifier(s["script"], s["out"]).stdout
    st = s["store"]
    for sid, label in ((s["a"], "before"), (s["b"], "after")):
        line = next(ln for ln in text.splitlines() if sid in ln)
        assert f"label {label}" in line and st.manifest(sid)["created"] in line, line
    proc = run_verifier(s["script"], s["out"], "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["status"] == "ok" and doc["error"] is None
    assert doc["key"] == st.keys.fingerprint
    assert [(x["id"], x["label"]) for x in doc["snapshots"]] == [
        (s["a"], "before"), (s["mid"], "middle"), (s["b"], "after")]
    bad = s["tmp"] / "json-broken.zip"
    obj = next(n for n in _members(s["out"]) if n.startswith("objects/"))
    rewrite(s["out"], bad, lambda f: f.__setitem__(obj, flip(f[obj])))
    proc = run_verifier(s["script"], bad, "--json")
    doc = json.loads(proc.stdout)
    assert proc.returncode == 4 and doc["status"] == "broken" and "altered" in doc["error"]


def test_bad_input_exits_2_and_missing_cryptography_says_how(setup: dict[str, Any]) -> None:
    s = setup
    notzip = s["tmp"] / "notes.txt"
    notzip.write_text("these are not the droids\n")
    for path, needle in ((s["tmp"] / "nope.zip", "no such file"), (notzip, "not a zip file"),
                         (s["tmp"], "directory")):
        proc = run_verifier(s["script"], path)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert needle in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        assert json.loads(run_verifier(s["script"], path, "--json").stdout)["status"] == \
            "bad-input"
    # without site-packages (-S) cryptography cannot be imported: one line saying how to get it
    proc = subprocess.run([sys.executable, "-I", "-S", str(s["script"]), str(s["out"])],
                          capture_output=True, text=True, cwd=s["script"].parent, timeout=60)
    lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
    assert proc.returncode == 1 and len(lines) == 1, proc.stdout + proc.stderr
    assert "pip install cryptography" in lines[0] and "Traceback" not in proc.stderr
