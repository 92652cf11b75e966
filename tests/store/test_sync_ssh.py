"""proofshot sync ssh://: against a real sshd in the lab. Incremental, verified, refused when
diverged; the copy fetched back alone verifies, diffs and shows the job record."""

from __future__ import annotations

import io
import json
import secrets
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from proofshot.engagement import record
from proofshot.model.errors import IntegrityError
from proofshot.store.embedded import Store
from proofshot.transports import sftp_sync
from proofshot.transports.sftp_sync import parse_dest, sync_ssh
from tests.cli.test_errors import one_error_line, ps
from tests.lab.lab import Host, Lab
from tests.synth import commit, row

pytestmark = pytest.mark.lab


def remote_files(h: Host, path: str) -> list[str]:
    proc = h.exec(["find", path, "-type", "f"], check=True)
    return sorted(ln.removeprefix(path + "/") for ln in proc.stdout.decode().splitlines())


def fetch(h: Host, path: str, into: Path) -> Path:
    """The remote directory, copied here as it is (modes kept) through the lab's host exec."""
    data = h.exec(["tar", "-C", path, "-cf", "-", "."], check=True).stdout
    into.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(into, filter="data")
        else:  # pragma: no cover - Python < 3.11.4
            tar.extractall(into)
    return into


def test_sync_over_ssh_then_lose_the_laptop(lab: Lab, tmp_path: Path) -> None:
    h = lab.host(1)
    path = f"/home/audit/ps-copy-{secrets.token_hex(4)}"
    url = f"ssh://audit@{h.ip}{path}"
    key = str(lab.client_key)
    src = Store.create(tmp_path / "laptop")
    eid = record.start(src, "Job", "Muster GmbH", "Anna")
    commit(src, "before", {"web1": {"items": [row(k) for k in range(300)]}})
    commit(src, "after", {"web1": {"items": [row(k) for k in range(301)]}})
    proc = ps("sync", url, "--key", key, "--store", str(src.root))
    assert proc.returncode == 0, proc.stderr
    assert "OK" in proc.stdout and "2 snapshots" in proc.stdout
    assert (src.root / "known_hosts").read_text().startswith(f"{h.ip}:22 ssh-")
    first = remote_files(h, path)
    assert "keys/signing.key" not in first and "keys/salt" in first
    assert not [f for f in first if f.startswith("tmp/")]
    # incremental: a third snapshot and a note upload exactly one pack, one manifest, one entry
    commit(src, "control", {"web1": {"items": [row(k) for k in range(302)]}})
    record.note(src, eid, "done")
    res = sync_ssh(src, parse_dest(url), key_path=key)
    assert (res.packs, res.manifests, res.other) == (1, 1, 1)
    assert res.report is not None and res.report.snapshots == 3
    second = remote_files(h, path)
    assert len(set(second) - set(first)) == 3
    res = sync_ssh(src, parse_dest(url), key_path=key)
    assert (res.packs, res.manifests, res.other, res.bytes) == (0, 0, 0, 0)
    assert remote_files(h, path) == second
    # the laptop is gone: the copy, fetched back, is the evidence
    src.close()
    shutil.rmtree(tmp_path / "laptop")
    copy = fetch(h, path, tmp_path / "fetched")
    assert (copy / "keys" / "salt").stat().st_mode & 0o077 == 0
    proc = ps("verify", "--store", str(copy))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    diff = ps("diff", "before", "after", "--json", "--store", str(copy))
    assert diff.returncode == 0, diff.stderr
    assert [c["kind"] for c in json.loads(diff.stdout)["changes"]] == ["added"]
    shown = ps("engagement", "show", eid, "--json", "--store", str(copy))
    assert json.loads(shown.stdout)["notes"][0]["text"] == "done"


def test_diverged_foreign_or_rotten_destination(lab: Lab, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    h = lab.host(1)
    path = f"/home/audit/ps-fork-{secrets.token_hex(4)}"
    url = f"ssh://audit@{h.ip}{path}"
    key = str(lab.client_key)
    src = Store.create(tmp_path / "laptop")
    commit(src, "a", {"t": {"items": [row(k) for k in range(50)]}})
    sync_ssh(src, parse_dest(url), key_path=key)
    # a fork of our chain reaches the destination first
    shutil.copytree(src.root, tmp_path / "fork")
    fork = Store.open(tmp_path / "fork")
    commit(fork, "elsewhere", {"t": {"items": [row(k) for k in range(51)]}})
    sync_ssh(fork, parse_dest(url), key_path=key)
    fork.close()
    before = remote_files(h, path)
    commit(src, "b", {"t": {"items": [row(k) for k in range(52)]}})
    proc = ps("sync", url, "--key", key, "--store", str(src.root))
    assert proc.returncode == 2, proc.stderr
    assert "diverged" in one_error_line(proc)
    assert remote_files(h, path) == before
    # another store's key, and a directory that is no store (the home itself)
    other = Store.create(tmp_path / "other")
    commit(other, "x", {"t": {"items": [row(1)]}})
    proc = ps("sync", url, "--key", key, "--store", str(other.root))
    assert proc.returncode == 2 and "another signing key" in proc.stderr
    proc = ps("sync", f"ssh://audit@{h.ip}/home/audit", "--key", key, "--store", str(src.root))
    assert proc.returncode == 2 and "neither empty nor" in proc.stderr
    # a pack that rotted on the destination since the last sync: repaired from ours
    good = tmp_path / "good"
    shutil.copytree(src.root, good)
    path2 = path + "-2"
    url2 = f"ssh://audit@{h.ip}{path2}"
    sync_ssh(src, parse_dest(url2), key_path=key)
    pack = next(f for f in remote_files(h, path2) if f.startswith("packs/"))
    h.exec(["sh", "-c", 'printf x | dd of="$1" bs=1 seek=10 conv=notrunc 2>/dev/null',
            "sh", f"{path2}/{pack}"], check=True)
    proc = ps("sync", url2, "--key", key, "--store", str(good))
    assert proc.returncode == 0, proc.stderr
    assert "repaired 1 pack" in proc.stderr
    name = pack.removeprefix("packs/").removesuffix(".pack")
    assert h.exec(["sha256sum", f"{path2}/{pack}"], check=True).stdout.split()[0].decode() == name
    # the same when the remote cannot hash (no sha256sum, an SFTP-only account): read back here
    h.exec(["sh", "-c", 'printf x | dd of="$1" bs=1 seek=10 conv=notrunc 2>/dev/null',
            "sh", f"{path2}/{pack}"], check=True)
    monkeypatch.setattr(sftp_sync, "_HASH_SCRIPT", "exit 127")
    res = sync_ssh(Store.open(good), parse_dest(url2), key_path=key)
    assert res.repaired == 1 and res.report is not None and res.report.ok
    # a pack that only the destination holds cannot be repaired from here: named, exit 4
    lone = "packs/" + "ab" * 32 + ".pack"
    h.exec(["sh", "-c", 'printf junk > "$1"', "sh", f"{path2}/{lone}"], check=True)
    with pytest.raises(IntegrityError, match="altered on the destination"):
        sync_ssh(Store.open(good), parse_dest(url2), key_path=key)


def test_wrong_key_or_password_exit_1_without_leaking(lab: Lab, tmp_path: Path) -> None:
    h = lab.host(1)
    src = Store.create(tmp_path / "laptop")
    commit(src, "a", {"t": {"items": [row(1)]}})
    wrong = tmp_path / "wrong"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(wrong)], check=True)
    url = f"ssh://audit@{h.ip}/home/audit/ps-never-{secrets.token_hex(4)}"
    proc = ps("sync", url, "--key", str(wrong), "--store", str(src.root))
    assert proc.returncode == 1, proc.stderr
    assert "authentication failed" in one_error_line(proc)
    secret = "s3cret-" + secrets.token_hex(8)
    env = {"PS_SYNC_PW": secret, "SSH_AUTH_SOCK": ""}
    url = f"ssh://pwuser@{h.ip}/home/pwuser/ps-never-{secrets.token_hex(4)}"
    proc = ps("sync", url, "--password", "env:PS_SYNC_PW", "--store", str(src.root), env=env)
    assert proc.returncode == 1, proc.stderr
    assert "authentication failed" in one_error_line(proc)
    assert secret not in proc.stdout + proc.stderr
    # a literal password is refused without echoing it, before any connection
    proc = ps("sync", url, "--password", secret, "--store", str(src.root))
    assert proc.returncode == 2 and secret not in proc.stdout + proc.stderr
    # the right password works (the copy lands in pwuser's home)
    env["PS_SYNC_PW"] = lab.pw_password
    proc = ps("sync", url, "--password", "env:PS_SYNC_PW", "--store", str(src.root), env=env)
    assert proc.returncode == 0, proc.stderr
    assert lab.pw_password not in proc.stdout + proc.stderr
