"""RFC 3161 timestamps from a local TSA (OpenSSL ts behind http.server on loopback)."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from proofshot.engagement.bundle import export
from proofshot.store import timestamp
from proofshot.store.embedded import Store
from proofshot.store.verify import verify_store
from proofshot.store.verify_bundle import Broken, check_timestamp
from tests.bundle.helpers import commit, rewrite, run_verifier, verifier
from tests.bundle.tsa import Tsa, make_certs, reply, write_config


@pytest.fixture
def stamped(tmp_path: Path, tsa: Tsa, monkeypatch: pytest.MonkeyPatch) -> tuple[Store, list[str]]:
    store = Store.create(tmp_path / "store")
    timestamp.set_setting(store, "tsa", tsa.url)
    timestamp.set_setting(store, "tsa-ca", str(tsa.ca_pem))
    monkeypatch.delenv("PROOFSHOT_TSA", raising=False)
    ids = [commit(store, label, 50 + i) for i, label in enumerate(["before", "after"])]
    return store, ids


def test_commit_is_timestamped_and_verifies(stamped: tuple[Store, list[str]], tsa: Tsa) -> None:
    store, ids = stamped
    for sid in ids:
        tsr = timestamp.token_path(store, sid)
        assert tsr.is_file()
        info = timestamp.check(store, sid)
        assert info is not None and info.imprint == bytes.fromhex(sid)
        # OpenSSL agrees, independently of our DER reading
        proc = subprocess.run(["openssl", "ts", "-verify", "-digest", sid, "-in", str(tsr),
                               "-CAfile", str(tsa.ca_pem)], capture_output=True, text=True)
        assert proc.returncode == 0 and "OK" in proc.stdout, proc.stdout + proc.stderr
    rep = verify_store(store)
    assert rep.ok, rep.problems
    assert rep.timestamps == 2


def test_token_of_another_hash_is_caught(stamped: tuple[Store, list[str]], tmp_path: Path
                                         ) -> None:
    store, (a, b) = stamped
    ta, tb = timestamp.token_path(store, a), timestamp.token_path(store, b)
    with pytest.raises(Broken, match="another hash"):
        check_timestamp(ta.read_bytes(), bytes.fromhex(b), None)
    # in the bundle: B's token replaced by A's
    out = tmp_path / "b.zip"
    export(store, a, b, out)
    script = verifier(out, tmp_path / "v")
    ok = run_verifier(script, out)
    assert ok.returncode == 0, ok.stdout
    assert "timestamp" in ok.stdout and "Test TSA" in ok.stdout
    bad = tmp_path / "bad.zip"
    rewrite(out, bad, lambda f: f.__setitem__(f"timestamps/{b}.tsr", f[f"timestamps/{a}.tsr"]))
    proc = run_verifier(script, bad)
    assert proc.returncode == 4 and "another hash" in proc.stdout, proc.stdout
    # in the store
    tb.write_bytes(ta.read_bytes())
    rep = verify_store(store)
    assert not rep.ok and any(b[:12] in p and "another hash" in p for p in rep.problems)


def test_altered_token_and_foreign_tsa_are_caught(stamped: tuple[Store, list[str]],
                                                  tmp_path: Path) -> None:
    store, (a, _b) = stamped
    tok = timestamp.token_path(store, a).read_bytes()
    # one byte in the signature (the last bytes of the token)
    bad = bytearray(tok)
    bad[-5] ^= 1
    with pytest.raises(Broken):
        check_timestamp(bytes(bad), bytes.fromhex(a), None)
    # the outer tag flipped, or bytes after the token: the bundle's own reader refuses both
    # (store verify calls the same check; the conformance suite flips a token's first byte)
    for altered in (bytes([tok[0] ^ 1]) + tok[1:], tok + b"\x00"):
        with pytest.raises(Broken, match="not one DER SEQUENCE"):
            check_timestamp(altered, bytes.fromhex(a), None)
    # a genuine token from a TSA whose CA we do not trust
    rogue = tmp_path / "rogue"
    make_certs(rogue, tag=" rogue")
    cnf = write_config(rogue)
    q = subprocess.run(["openssl", "ts", "-query", "-digest", a, "-sha256", "-cert"],
                       capture_output=True, check=True).stdout
    foreign = reply(cnf, q)
    check_timestamp(foreign, bytes.fromhex(a), None)  # fine on its own
    with pytest.raises(Broken, match="not issued by"):
        check_timestamp(foreign, bytes.fromhex(a), timestamp.tsa_ca(store))
    timestamp.token_path(store, a).write_bytes(foreign)
    rep = verify_store(store)
    assert any("not issued by" in p for p in rep.problems)


def test_tsa_down_keeps_the_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capfd: pytest.CaptureFixture[str]) -> None:
    store = Store.create(tmp_path / "store")
    # a loopback port held by a socket of ours that never listens: connections are refused
    # (port 9 of the machine may have a discard service, or anything)
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    monkeypatch.setenv("PROOFSHOT_TSA", f"http://127.0.0.1:{dead.getsockname()[1]}/nothing")
    try:
        sid = commit(store, "x", 5)
    finally:
        dead.close()
    assert not timestamp.token_path(store, sid).exists()
    assert "not timestamped" in capfd.readouterr().err
    assert verify_store(store).ok


def test_timestamp_command_stamps_later(tmp_path: Path, tsa: Tsa) -> None:
    from tests.cli.test_errors import ps

    store = Store.create(tmp_path / "store")
    sid = commit(store, "x", 5)
    proc = ps("timestamp", "--tsa", tsa.url, "--store", str(store.root))
    assert proc.returncode == 0, proc.stderr
    assert timestamp.token_path(store, sid).is_file()
    assert ps("config", "set", "tsa-ca", str(tsa.ca_pem), "--store", str(store.root)
              ).returncode == 0
    assert ps("verify", "--store", str(store.root)).returncode == 0
