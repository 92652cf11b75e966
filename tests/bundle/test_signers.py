"""An evidence bundle whose chain was signed by two enrolled keys (a technician's workspace and
a site worker's) on the team store (a real PostgreSQL started by the tests): the bundle lists
both public keys in its signed index, its standalone verifier checks each manifest with its
signer's key and prints every signer's fingerprint; one flipped byte in either key or in a
signature, or a manifest whose signer the bundle does not list, is refused (exit 4)."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from proofshot.engagement import record
from proofshot.engagement.bundle import export
from proofshot.model.canonical import canonical
from proofshot.store.embedded import Store
from proofshot.store.trust import enroll
from proofshot.store.workspace import Workspace
from tests.bundle.helpers import commit, flip, rewrite, run_verifier, verifier
from tests.store.pg import Cluster, pg_cluster, pg_env  # noqa: F401 - a fixture
from tests.store.test_pg_cli import run


@pytest.fixture(scope="module")
def two(pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory  # noqa: F811
        ) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("signers")
    url = pg_cluster.url(pg_cluster.new_db())
    env = pg_env(tmp / "tech")
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        tech = Store.create(url)  # the technician's workspace owns the team store
        site = Workspace.create(tmp / "site-nord")
        enroll(tech, site.keys.public_b64, "site-nord")
        worker = Store(tech.backend, site)  # the site worker signs with its own key
        eid = record.start(tech, "Firewall migration", "Muster GmbH", "Anna")
        a = commit(tech, "before", 40)
        mid = commit(worker, "nightly", 41)
        b = commit(worker, "after", 42, pin="changed-pin-4711")
        record.link(tech, eid, "before", a)
        record.link(tech, eid, "after", b)
        out = tmp / "bundle.zip"
        export(tech, a, b, out)
        yield {"tech": tech, "site": site, "a": a, "mid": mid, "b": b, "out": out, "url": url,
               "env": env, "tmp": tmp, "script": verifier(out, tmp / "third-party")}
        tech.close()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _broken(s: dict[str, Any], bundle: Path) -> str:
    proc = run_verifier(s["script"], bundle)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def _index(files: dict[str, bytes]) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(files["index.json"])
    return doc


def test_two_signers_export_and_verify_each_fingerprint_printed(two: dict[str, Any]) -> None:
    s = two
    tech_fp, site_fp = s["tech"].keys.fingerprint, s["site"].keys.fingerprint
    proc = run_verifier(s["script"], s["out"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert proc.stdout.strip().endswith("OK")
    assert any(ln.startswith(f"signer {tech_fp} owner: 1 manifests") for ln in lines), lines
    assert any(ln.startswith(f"signer {site_fp} site-nord: 2 manifests") for ln in lines), lines
    doc = json.loads(run_verifier(s["script"], s["out"], "--json").stdout)
    assert doc["status"] == "ok"
    assert {(x["fingerprint"], x["manifests"]) for x in doc["signers"]} == {
        (tech_fp, 1), (site_fp, 2)}
    # the same through the CLI, as the technician exports from the team store
    cli_out = s["tmp"] / "cli.zip"
    done = run(s["env"], "export", s["a"], s["b"], "--out", str(cli_out), "--store", s["url"])
    assert done.returncode == 0, done.stderr
    proc = run_verifier(s["script"], cli_out)
    assert proc.returncode == 0 and tech_fp in proc.stdout and site_fp in proc.stdout


def test_a_flipped_byte_in_either_key_is_caught(two: dict[str, Any]) -> None:
    s = two

    def flip_listed(files: dict[str, bytes]) -> None:  # the site worker's key in the index
        doc = _index(files)
        for signer in doc["body"]["signers"]:
            if signer["name"] == "site-nord":
                key = bytearray(base64.b64decode(signer["public_key"]))
                key[5] ^= 0x01
                signer["public_key"] = base64.b64encode(bytes(key)).decode()
        files["index.json"] = json.dumps(doc).encode()

    bad = s["tmp"] / "site-key.zip"
    rewrite(s["out"], bad, flip_listed)
    assert "index.json: signature does not verify" in _broken(s, bad)
    bad = s["tmp"] / "tech-key.zip"
    rewrite(s["out"], bad, lambda f: f.__setitem__(
        "public_key.txt", flip(f["public_key.txt"], 3)))
    assert "BROKEN" in _broken(s, bad)


@pytest.mark.parametrize("who", ["a", "b"])  # a: the technician's manifest; b: the worker's
def test_a_flipped_byte_in_either_signature_is_caught(two: dict[str, Any], who: str) -> None:
    s = two
    name = f"manifests/{s[who]}.json"

    def flip_sig(files: dict[str, bytes]) -> None:
        doc = json.loads(files[name])
        sig = bytearray(base64.b64decode(doc["signature"]))
        sig[10] ^= 0x01
        doc["signature"] = base64.b64encode(bytes(sig)).decode()
        files[name] = canonical(doc)

    bad = s["tmp"] / f"sig-{who}.zip"
    rewrite(s["out"], bad, flip_sig)
    assert f"manifest {s[who][:12]}: signature does not verify" in _broken(s, bad)


def test_a_signer_the_bundle_does_not_list_is_refused(two: dict[str, Any]) -> None:
    """The index re-signed (by the exporter's own key) without the site worker: the worker's
    manifests are then signed by a key the bundle does not list."""
    s = two
    tech = s["tech"]

    def unlist(files: dict[str, bytes]) -> None:
        doc = _index(files)
        body = doc["body"]
        body["signers"] = [x for x in body["signers"] if x["name"] != "site-nord"]
        doc["signature"] = tech.keys.sign(canonical(body))
        files["index.json"] = json.dumps(doc).encode()

    bad = s["tmp"] / "unlisted.zip"
    rewrite(s["out"], bad, unlist)
    last = _broken(s, bad)
    assert "signed by a key the bundle does not list" in last
    assert s["site"].keys.fingerprint in last
