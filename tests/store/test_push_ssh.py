"""proofshot push ssh://: into a directory store on a lab host, over a real OpenSSH sshd (SFTP),
and `sync DEST --store ssh://...` the other way. Only what the store there lacks is sent; what
was pushed is read back there; a diverged workspace or a forked remote chain is refused; two
pushers at once both land, in order; a push killed with -9 leaves a store there that verifies
and the next push completes it; the SFTP-only lock is exclusive; a changed host key is
refused."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from proofshot.model.errors import StoreError
from proofshot.store.embedded import Store
from proofshot.store.push import push_to
from proofshot.transports import sftp_store
from proofshot.transports.sftp_store import SftpBackend
from proofshot.transports.sftp_sync import parse_dest
from tests.cli.test_errors import one_error_line, ps
from tests.lab.lab import AUDIT_UID, Host, Lab
from tests.synth import commit, row

pytestmark = pytest.mark.lab


def chown_audit(path: Path) -> None:
    """The store belongs to `audit` on that host (uids are the same in every namespace)."""
    for p in [path, *path.rglob("*")]:
        os.chown(p, AUDIT_UID, AUDIT_UID, follow_symlinks=False)


def team_store(h: Host, *laptops: Store) -> tuple[Path, str]:
    """A directory store in audit's home on host h (its owner's own), with one snapshot of its
    own and the laptops' keys enrolled. Returns (its path here, its ssh:// URL)."""
    name = f"team-{secrets.token_hex(4)}"
    local = h.dir / "home" / "audit" / name
    team = Store.create(local)
    commit(team, "their-own", {"db": {"items": [row(k) for k in range(10)]}})
    team.close()
    for lt in laptops:
        proc = ps("key", "trust", str(lt.root / "keys" / "signing.pub"), "--store", str(local))
        assert proc.returncode == 0, proc.stderr
    chown_audit(local)
    return local, f"ssh://audit@{h.ip}/home/audit/{name}"


def labels(local: Path) -> list[str]:
    st = Store.open(local)
    try:
        return [s.label for s in st.snapshots()]
    finally:
        st.close()


def push(url: str, lab: Lab, laptop: Path, *more: str) -> subprocess.CompletedProcess[str]:
    return ps("push", url, "--key", str(lab.client_key), "--store", str(laptop), *more)


def test_push_again_and_a_rotten_object(lab: Lab, tmp_path: Path) -> None:
    h = lab.host(1)
    laptop = Store.create(tmp_path / "laptop")
    commit(laptop, "before", {"web": {"items": [row(k) for k in range(200)]}})
    commit(laptop, "after", {"web": {"items": [row(k) for k in range(201)]}})
    local, url = team_store(h)
    refused = push(url, lab, laptop.root)
    assert refused.returncode == 2 and "enroll it first" in one_error_line(refused)
    assert ps("key", "trust", str(laptop.root / "keys" / "signing.pub"), "--store",
              str(local)).returncode == 0
    chown_audit(local)
    done = push(url, lab, laptop.root, "--json")
    assert done.returncode == 0, done.stderr
    first = json.loads(done.stdout)
    assert len(first["pushed"]) == 2 and first["packs"] >= 1 and first["bytes"] > 0
    assert (laptop.root / "known_hosts").read_text().startswith(f"{h.ip}:22 ssh-")
    # nothing twice: the second push sends no pack and appends nothing
    again = json.loads(push(url, lab, laptop.root, "--json").stdout)
    assert (again["pushed"], again["already"], again["packs"], again["bytes"]) == ([], 2, 0, 0)
    assert labels(local) == ["their-own", "before", "after"]
    verified = ps("verify", "--store", str(local))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    team = Store.open(local)
    pushed = team.manifest(team.resolve("after"))
    assert pushed["origin"]["id"] == laptop.resolve("after")
    assert pushed["key"] == laptop.keys.fingerprint and pushed["seq"] == 3
    team.close()
    assert not list((local / "tmp").iterdir()) and not (local / "push.lock").exists()
    private = next(p for p in (laptop.root / "keys").iterdir() if p.name.endswith(".key"))
    secret = private.read_bytes().strip()
    assert not [p for p in local.rglob("*") if p.is_file() and secret in p.read_bytes()]
    # the other way: the store there, synced into a directory here (host key pinned in the
    # local workspace), verified here; again: nothing copied
    pulled = tmp_path / "pulled"
    here = {"PROOFSHOT_WORKSPACE": str(tmp_path / "ws")}
    got = ps("sync", str(pulled), "--store", url, "--key", str(lab.client_key), "--json",
             env=here)
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["snapshots"] == 3
    assert (tmp_path / "ws" / "known_hosts").read_text().startswith(f"{h.ip}:22 ssh-")
    assert labels(pulled) == ["their-own", "before", "after"]
    assert ps("verify", "--store", str(pulled)).returncode == 0
    again = json.loads(ps("sync", str(pulled), "--store", url, "--key", str(lab.client_key),
                          "--json", env=here).stdout)
    assert (again["packs"], again["manifests"], again["other"]) == (0, 0, 0)
    # verified where it is, its objects read here over SFTP, nothing written there
    before = sorted((p.relative_to(local), p.stat().st_mtime_ns) for p in local.rglob("*"))
    there = ps("verify", "--store", url, "--key", str(lab.client_key), "--json", env=here)
    assert there.returncode == 0, there.stderr
    v = json.loads(there.stdout)
    assert (v["ok"], v["snapshots"], v["problems"]) == (True, 3, [])
    assert before == sorted((p.relative_to(local), p.stat().st_mtime_ns)
                            for p in local.rglob("*"))
    assert ps("verify", "--store", url, "--key", str(lab.client_key), "--rederive",
              env=here).returncode == 0
    # an object there rots; my next snapshot shares it, so no pack is sent again: the read-back
    # of what was pushed names it (exit 4)
    mine = {p.name for p in (laptop.root / "packs").glob("*.pack")}
    for pack in (local / "packs").glob("*.pack"):
        if pack.name in mine:
            data = bytearray(pack.read_bytes())
            data[len(data) // 2] ^= 0x01
            pack.write_bytes(bytes(data))
    commit(laptop, "control", {"web": {"items": [row(k) for k in range(201)]}})
    broken = push(url, lab, laptop.root)
    assert broken.returncode == 4, broken.stderr
    assert "does not verify after the push" in one_error_line(broken)
    assert ps("verify", "--store", str(local)).returncode == 4
    far = ps("verify", "--store", url, "--key", str(lab.client_key), env=here)
    assert far.returncode == 4 and "BROKEN" in far.stderr, far.stdout + far.stderr
    assert ps("verify", "--store", str(local), "--key", str(lab.client_key)).returncode == 2
    # and a sync from there refuses to copy the rotten pack (exit 4, named)
    rotten = ps("sync", str(tmp_path / "pulled-2"), "--store", url, "--key",
                str(lab.client_key), env=here)
    assert rotten.returncode == 4 and "corrupt" in one_error_line(rotten), rotten.stderr


def test_diverged_workspace_forked_chain_and_changed_host_key(lab: Lab, tmp_path: Path) -> None:
    h = lab.host(2)
    laptop = Store.create(tmp_path / "laptop")
    commit(laptop, "a", {"t": {"items": [row(k) for k in range(20)]}})
    local, url = team_store(h, laptop)
    assert push(url, lab, laptop.root).returncode == 0
    old = tmp_path / "old-copy"
    shutil.copytree(laptop.root, old)  # a backup taken now, restored later
    fork = tmp_path / "fork"
    shutil.copytree(local, fork)  # the team store's owner, elsewhere, from the same chain
    commit(laptop, "b", {"t": {"items": [row(k) for k in range(21)]}})
    assert push(url, lab, laptop.root).returncode == 0
    restored = Store.open(old)
    commit(restored, "c", {"t": {"items": [row(k) for k in range(22)]}})
    restored.close()
    before = sorted(p.name for p in local.rglob("*"))
    proc = push(url, lab, old)
    assert proc.returncode == 2, proc.stderr
    assert "no longer has" in one_error_line(proc)
    assert sorted(p.name for p in local.rglob("*")) == before
    # the chain there forks (a second snapshot at b's position): refused, nothing added
    theirs = Store.open(fork)
    commit(theirs, "elsewhere", {"db": {"items": [row(1)]}})
    sid = theirs.resolve("elsewhere")
    theirs.close()
    shutil.copy(fork / "snapshots" / f"{sid}.json", local / "snapshots" / f"{sid}.json")
    chown_audit(local)
    commit(laptop, "d", {"t": {"items": [row(k) for k in range(23)]}})
    proc = push(url, lab, laptop.root)
    assert proc.returncode == 2, proc.stderr
    assert "forked at position 3" in one_error_line(proc)
    assert sorted(labels(local)) == ["a", "b", "elsewhere", "their-own"]  # "d" not added
    (local / "snapshots" / f"{sid}.json").unlink()
    # a host key other than the pinned one: refused before anything is sent
    pins = laptop.root / "known_hosts"
    other = lab.host(1).dir / "etc" / "ssh" / "ssh_host_ed25519_key.pub"
    pins.write_text(f"{h.ip}:22 " + " ".join(other.read_text().split()[:2]) + "\n")
    proc = push(url, lab, laptop.root)
    assert proc.returncode == 1, proc.stderr
    assert "host key" in one_error_line(proc).lower()
    assert len(list((local / "snapshots").glob("*.json"))) == 3  # their-own, a, b: no "d"


def many(store: Store, prefix: str, n: int) -> None:
    for i in range(n):
        commit(store, f"{prefix}{i}", {"t": {"items": [row(k) for k in range(i + 1)]}})


def test_two_pushers_at_once_then_kill_9_mid_push(lab: Lab, tmp_path: Path) -> None:
    h = lab.host(3)
    a = Store.create(tmp_path / "a")
    b = Store.create(tmp_path / "b")
    many(a, "a", 8)
    many(b, "b", 8)
    local, url = team_store(h, a, b)
    argv = [sys.executable, "-m", "proofshot", "push", url, "--key", str(lab.client_key)]
    procs = [subprocess.Popen([*argv, "--store", str(s.root)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for s in (a, b)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    got = labels(local)
    assert sorted(got[1:]) == sorted([f"a{i}" for i in range(8)] + [f"b{i}" for i in range(8)])
    assert [x for x in got if x.startswith("a")] == [f"a{i}" for i in range(8)]  # in order
    assert ps("verify", "--store", str(local)).returncode == 0
    # a push killed with -9 once it has appended some snapshots there
    many(a, "k", 60)
    start = len(list((local / "snapshots").glob("*.json")))
    p = subprocess.Popen([*argv, "--store", str(a.root)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and p.poll() is None:
        if len(list((local / "snapshots").glob("*.json"))) >= start + 3:
            p.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    p.wait(timeout=30)
    assert p.returncode == -signal.SIGKILL, "the push ended before it could be killed"
    landed = len(list((local / "snapshots").glob("*.json"))) - start
    assert 3 <= landed < 60
    verified = ps("verify", "--store", str(local))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # the next push takes the lock at once: the killed pusher's flock went with its connection,
    # and a push.lock it made under that flock is known to be stale
    done = json.loads(ps("push", url, "--key", str(lab.client_key), "--store", str(a.root),
                         "--json").stdout)
    assert len(done["pushed"]) == 60 - landed and done["already"] == 8 + landed
    assert labels(local).count("k59") == 1 and not (local / "push.lock").exists()
    assert ps("verify", "--store", str(local)).returncode == 0


def test_sftp_only_lock_file(lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without flock(1) there (an SFTP-only account), push.lock is created exclusively: a push
    finding it refuses, names it and writes nothing; the lock goes when the push ends. With
    flock, a push.lock marked as made under the flock is stale once we hold the flock."""
    h = lab.host(1)
    laptop = Store.create(tmp_path / "laptop")
    commit(laptop, "a", {"t": {"items": [row(1)]}})
    local, url = team_store(h, laptop)
    monkeypatch.setattr(sftp_store, "_LOCK_SCRIPT", "exit 127")
    stale = local / "push.lock"
    stale.write_text(json.dumps({"host": "elsewhere", "pid": 4242, "since": "earlier"}))
    chown_audit(local)
    be = SftpBackend.open(laptop, parse_dest(url), key_path=str(lab.client_key))
    try:
        with pytest.raises(StoreError, match=r"locked by another push.*pid 4242"):
            push_to(laptop, be, url)
    finally:
        be.close()
    assert labels(local) == ["their-own"]
    stale.unlink()
    # a push.lock left by a flock holder is replaced by the next flock holder only: without
    # flock it still refuses
    stale.write_text(json.dumps({"host": "elsewhere", "pid": 4343, "since": "x", "flock": True}))
    chown_audit(local)
    be = SftpBackend.open(laptop, parse_dest(url), key_path=str(lab.client_key))
    try:
        with pytest.raises(StoreError, match="pid 4343"):
            push_to(laptop, be, url)
    finally:
        be.close()
    monkeypatch.undo()
    be = SftpBackend.open(laptop, parse_dest(url), key_path=str(lab.client_key))
    try:
        with be.lock():
            assert json.loads(stale.read_text())["pid"] == os.getpid()
    finally:
        be.close()
    assert not stale.exists()
    monkeypatch.setattr(sftp_store, "_LOCK_SCRIPT", "exit 127")
    be = SftpBackend.open(laptop, parse_dest(url), key_path=str(lab.client_key))
    try:
        with be.lock():
            assert stale.exists()  # held while the chain advances
        res = push_to(laptop, be, url)
    finally:
        be.close()
    assert len(res.sent) == 1 and not stale.exists()
    assert labels(local) == ["their-own", "a"]
