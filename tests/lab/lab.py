"""A lab of real Linux hosts on this machine: network namespaces with own /etc, sshd and users.

Each host `psl-hN` is a network namespace on the bridge `pslbr0` (10.200.0.1/24 in the root
namespace; host N at 10.200.0.(10+N)) with its own mount, UTS, IPC and PID namespaces. Its pid 1
is `sleep infinity`; SIGKILL to it ends every process of the host. Per host (under the state
dir, default /tmp/proofshot-lab/<name>):

* etc/   a copy of /etc with fresh SSH host keys, its own hostname, hosts, machine-id, users
         `audit` (uid 2001, key login, passwordless sudo) and `pwuser` (uid 2002, password
         login), bind-mounted on /etc;
* home/  bind-mounted on /home;
* var-upper/, var-work/  an overlay over /var: the host reads the machine's /var (dpkg status,
         cron spools, logs) and every write (dpkg, crontab, wtmp, ...) lands in its own copy.
         So a "package removed" scenario can edit /var/lib/dpkg/status inside one host
         without touching the others (`host.exec([...])` or `host.write_file(...)`);
* /run and /tmp are fresh tmpfs.

Hosts have no default route: only 10.200.0.0/24 is reachable. Use it from Python:

    lab = Lab()
    lab.up(3)
    h = lab.host("psl-h1")          # or lab.host(1), lab.host("h1")
    h.ip                            # "10.200.0.11"
    h.exec(["id", "-un"]).stdout    # runs inside the host, as root
    h.stop("sshd"); h.start()       # or h.stop() for the whole host
    lab.down()

or from a shell: `python -m tests.lab up 3 | status | down | exec psl-h1 CMD...`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PREFIX = os.environ.get("PROOFSHOT_LAB_PREFIX", "psl")  # netns, veth and bridge names
BRIDGE = f"{PREFIX}br0"
DEFAULT_STATE_DIR = Path(os.environ.get("PROOFSHOT_LAB_DIR", "/tmp/proofshot-lab"))
DEFAULT_NET = os.environ.get("PROOFSHOT_LAB_NET", "10.200.0")  # first three octets, /24
# one lock per lab (prefix): two labs of different prefixes never wait for each other
LOCK_FILE = Path(f"/tmp/proofshot-lab-{PREFIX}.lock")

AUDIT_USER = "audit"
AUDIT_UID = 2001
PW_USER = "pwuser"
PW_UID = 2002

_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C",
        "LANG": "C", "HOME": "/root"}

_SSHD_CONF = """\
# proofshot lab: this host only. First value wins in sshd, and this file is included first.
ListenAddress {ip}:22
PasswordAuthentication yes
PermitRootLogin no
UseDNS no
"""


class LabError(RuntimeError):
    pass


def _run(argv: Sequence[str], *, check: bool = True, input: bytes | None = None,
         timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(list(argv), input=input, capture_output=True, env=_ENV,
                          timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise LabError(f"{' '.join(argv)}: exit {proc.returncode}: "
                       f"{proc.stderr.decode(errors='replace').strip()}")
    return proc


def unavailable_reason() -> str | None:
    """Why the lab cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "the lab needs root (network namespaces, mounts)"
    for tool in ("ip", "unshare", "nsenter", "ssh-keygen", "sudo"):
        if shutil.which(tool, path=_ENV["PATH"]) is None:
            return f"the lab needs `{tool}` (not found)"
    if not os.access("/usr/sbin/sshd", os.X_OK):
        return "the lab needs /usr/sbin/sshd (apt-get install openssh-server)"
    return None


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    with open(LOCK_FILE, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _wait_port(ip: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((ip, port), timeout=0.5) as s:
                s.settimeout(1.0)
                if s.recv(4).startswith(b"SSH"):
                    return True
        except OSError:
            pass
        time.sleep(0.02)
    return False


def _port_closed(ip: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((ip, port), timeout=0.3):
                pass
        except OSError:
            return True
        time.sleep(0.02)
    return False


class Host:
    """One lab host. Everything runs as root inside the host's namespaces."""

    def __init__(self, lab: Lab, index: int) -> None:
        self.lab = lab
        self.index = index
        self.name = f"{PREFIX}-h{index}"
        self.netns = self.name
        self.ip = f"{lab.net}.{10 + index}"
        self.dir = lab.state_dir / self.name
        self.veth = f"{PREFIX}v{index}"

    def __repr__(self) -> str:
        return f"Host({self.name}, {self.ip}, pid={self.pid})"

    # --- state -------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """Root-namespace pid of the host's pid 1 (`sleep infinity`), if it runs."""
        try:
            pid = int((self.dir / "init.pid").read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() != "sleep":
                return None
            if os.stat(f"/proc/{pid}/ns/net").st_ino != os.stat(f"/run/netns/{self.netns}").st_ino:
                return None
        except OSError:
            return None
        return pid

    @property
    def running(self) -> bool:
        return self.pid is not None

    def sshd_up(self, timeout: float = 0.5) -> bool:
        return self.running and _wait_port(self.ip, 22, timeout)

    # --- running things inside -------------------------------------------------------
    def exec(self, argv: Sequence[str], *, input: bytes | None = None, check: bool = False,
             timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
        """Run argv inside the host (all its namespaces, root); returns the CompletedProcess."""
        pid = self.pid
        if pid is None:
            raise LabError(f"{self.name} is not running")
        return _run(["nsenter", "-t", str(pid), "-a", *argv], check=check, input=input,
                    timeout=timeout)

    def sh(self, script: str, **kw: object) -> subprocess.CompletedProcess[bytes]:
        return self.exec(["sh", "-c", script], **kw)  # type: ignore[arg-type]

    def write_file(self, path: str, data: bytes | str, mode: int = 0o644) -> None:
        """Write a file inside the host (as root), e.g. to change its dpkg status or a config."""
        raw = data.encode() if isinstance(data, str) else data
        self.exec(["sh", "-c", 'cat > "$1" && chmod "$2" "$1"', "sh", path, f"{mode:o}"],
                  input=raw, check=True)

    # --- life cycle ------------------------------------------------------------------
    def start(self) -> None:
        """Start the host (if down) and its sshd (if down)."""
        if not self.running:
            self._start_init()
        if not _wait_port(self.ip, 22, 0.05):
            self.start_sshd()

    def stop(self, what: str = "host") -> None:
        """what="host": kill every process of the host (its network stays, so its address
        refuses nothing: connections time out); what="sshd": stop only sshd (port refuses)."""
        if what == "sshd":
            self.stop_sshd()
            return
        if what != "host":
            raise ValueError("what must be 'host' or 'sshd'")
        pid = self.pid
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            _wait_gone(pid, 5)
        with contextlib.suppress(FileNotFoundError):
            (self.dir / "init.pid").unlink()

    def start_sshd(self, timeout: float = 10) -> None:
        pid = self.pid
        if pid is None:
            raise LabError(f"{self.name} is not running")
        with open(self.dir / "sshd.log", "ab") as log:
            subprocess.Popen(
                ["nsenter", "-t", str(pid), "-a", "/usr/sbin/sshd", "-D", "-e",
                 "-f", "/etc/ssh/sshd_config", "-o", "PidFile=/run/sshd.pid"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=_ENV,
                start_new_session=True,
            )
        if not _wait_port(self.ip, 22, timeout):
            raise LabError(f"{self.name}: sshd did not come up; see {self.dir / 'sshd.log'}")

    def stop_sshd(self) -> None:
        if not self.running:
            return
        self.exec(["sh", "-c", "[ -f /run/sshd.pid ] && kill $(cat /run/sshd.pid); "
                   "rm -f /run/sshd.pid; true"])
        if not _port_closed(self.ip, 22, 5):
            raise LabError(f"{self.name}: sshd still listening after kill")

    def regenerate_host_keys(self) -> None:
        """New SSH host keys (a "reinstalled" or impostor host); restarts sshd."""
        for key in (self.dir / "etc" / "ssh").glob("ssh_host_*"):
            key.unlink()
        _run(["ssh-keygen", "-A", "-f", str(self.dir)])
        if self.running:
            self.stop_sshd()
            self.start_sshd()

    # --- build -----------------------------------------------------------------------
    def _prepare(self, hosts_text: str) -> None:
        """Build the host's files under its state dir (idempotent: keeps an existing /etc)."""
        etc = self.dir / "etc"
        if not (etc / ".proofshot-lab").exists():
            if etc.exists():
                shutil.rmtree(etc)
            self.dir.mkdir(parents=True, exist_ok=True)
            _run(["cp", "-a", "/etc", str(etc)])
            for key in (etc / "ssh").glob("ssh_host_*"):
                key.unlink()
            _run(["ssh-keygen", "-A", "-f", str(self.dir)])
            self._add_users(etc)
            (etc / "hostname").write_text(self.name + "\n")
            (etc / "machine-id").write_text(secrets.token_hex(16) + "\n")
            conf_d = etc / "ssh" / "sshd_config.d"
            conf_d.mkdir(exist_ok=True)
            (conf_d / "00-proofshot-lab.conf").write_text(_SSHD_CONF.format(ip=self.ip))
            sudoers = etc / "sudoers.d" / AUDIT_USER
            sudoers.write_text(f"# proofshot lab convenience (a finding on a real host)\n"
                               f"{AUDIT_USER} ALL=(ALL) NOPASSWD: ALL\n")
            sudoers.chmod(0o440)
            (etc / ".proofshot-lab").write_text("built by tests/lab\n")
        (etc / "hosts").write_text(hosts_text)
        for sub in ("home", "var-upper", "var-work"):
            (self.dir / sub).mkdir(exist_ok=True)
        self._make_homes()

    def _add_users(self, etc: Path) -> None:
        pw_hash = self.lab.password_hash()
        users = [(AUDIT_USER, AUDIT_UID, "!"), (PW_USER, PW_UID, pw_hash)]
        for name, uid, hashed in users:
            _append(etc / "passwd", f"{name}:x:{uid}:{uid}:proofshot lab:/home/{name}:/bin/sh\n")
            _append(etc / "group", f"{name}:x:{uid}:\n")
            _append(etc / "shadow", f"{name}:{hashed}:19000:0:99999:7:::\n")
            if (etc / "gshadow").exists():
                _append(etc / "gshadow", f"{name}:!::\n")

    def _make_homes(self) -> None:
        home = self.dir / "home"
        pub = self.lab.client_key.with_suffix(".pub").read_text()
        for name, uid in ((AUDIT_USER, AUDIT_UID), (PW_USER, PW_UID)):
            d = home / name
            ssh = d / ".ssh"
            ssh.mkdir(parents=True, exist_ok=True)
            if name == AUDIT_USER:
                (ssh / "authorized_keys").write_text(pub)
                (ssh / "authorized_keys").chmod(0o600)
            for p in (d, ssh, *ssh.iterdir()):
                os.chown(p, uid, uid)
            d.chmod(0o750)
            ssh.chmod(0o700)

    def _setup_net(self) -> None:
        if not Path(f"/run/netns/{self.netns}").exists():
            _run(["ip", "netns", "add", self.netns])
        if _run(["ip", "link", "show", self.veth], check=False).returncode != 0:
            _run(["ip", "link", "add", self.veth, "type", "veth", "peer", "name", "eth0",
                  "netns", self.netns])
        _run(["ip", "link", "set", self.veth, "master", BRIDGE, "up"])
        n = ["ip", "-n", self.netns]
        _run([*n, "addr", "replace", f"{self.ip}/24", "dev", "eth0"])
        _run([*n, "link", "set", "eth0", "up"])
        _run([*n, "link", "set", "lo", "up"])

    def _start_init(self) -> None:
        d = self.dir
        script = (
            f"mount --bind {d}/etc /etc && mount --bind {d}/home /home && "
            f"mount -t overlay overlay -o lowerdir=/var,upperdir={d}/var-upper,"
            f"workdir={d}/var-work /var && "
            f"mount -t tmpfs -o mode=0755 tmpfs /run && mount -t tmpfs -o mode=1777 tmpfs /tmp && "
            f"mkdir -m 0755 /run/sshd && hostname {self.name} && exec sleep infinity"
        )
        with open(d / "init.log", "ab") as log:
            proc = subprocess.Popen(
                ["ip", "netns", "exec", self.netns, "unshare", "--mount", "--uts", "--ipc",
                 "--pid", "--fork", "--mount-proc", "--propagation", "private",
                 "sh", "-c", script],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=_ENV,
                start_new_session=True,
            )
        deadline = time.monotonic() + 10
        child: int | None = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise LabError(f"{self.name}: host init failed; see {d / 'init.log'}: "
                               f"{(d / 'init.log').read_text()[-500:]}")
            try:
                kids = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
            except OSError:
                kids = []
            if kids:
                child = int(kids[0])  # the file ends with a blank: split() strips it
                with contextlib.suppress(OSError):
                    if Path(f"/proc/{child}/comm").read_text().strip() == "sleep":
                        break
            time.sleep(0.01)
        else:
            raise LabError(f"{self.name}: host init did not start within 10 s")
        (d / "init.pid").write_text(f"{child}\n")


def _append(path: Path, line: str) -> None:
    with open(path, "a") as fh:
        fh.write(line)


def _wait_gone(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return
        if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
            return
        time.sleep(0.01)


class Lab:
    """The whole lab. State (keys, per-host trees, pids) lives in state_dir."""

    def __init__(self, state_dir: Path | str | None = None, net: str | None = None) -> None:
        self.state_dir = Path(state_dir) if state_dir else DEFAULT_STATE_DIR
        self.net = net or DEFAULT_NET
        self.gateway = f"{self.net}.1"
        self._hosts: dict[int, Host] = {}
        self._load()

    # --- public ----------------------------------------------------------------------
    @property
    def hosts(self) -> list[Host]:
        return [self._hosts[i] for i in sorted(self._hosts)]

    def host(self, name: str | int) -> Host:
        if isinstance(name, int):
            idx = name
        else:
            tail = name.removeprefix(f"{PREFIX}-").removeprefix("h")
            if not tail.isdigit():
                raise KeyError(name)
            idx = int(tail)
        if idx not in self._hosts:
            raise KeyError(f"no lab host {name!r} (have {[h.name for h in self.hosts]})")
        return self._hosts[idx]

    @property
    def client_key(self) -> Path:
        """Private ed25519 key (0600) authorized for `audit` on every host."""
        return self.state_dir / "client" / "id_ed25519"

    @property
    def pw_password(self) -> str:
        """Password of `pwuser` on every host (random per lab, in state_dir/client/pwuser.pass)."""
        return (self.state_dir / "client" / "pwuser.pass").read_text().strip()

    def _prepare(self) -> None:
        """What every host needs first: the address range checked, the state directory, the
        client's keys and the bridge (under the lab lock)."""
        self._check_net()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(0o755)
        self._client_files()
        self._bridge()

    def up(self, n: int = 3, *, workers: int | None = None) -> list[Host]:
        """Bring hosts 1..n up (idempotent: running hosts are kept, dead ones restarted)."""
        if n < 1 or n > 200:
            raise ValueError("n must be 1..200")
        with _locked():
            self._prepare()
            for i in range(1, n + 1):
                self._hosts.setdefault(i, Host(self, i))
            self._save()
            hosts_text = self._hosts_text()
            todo = [h for h in self.hosts if not h.sshd_up(0.05)]
            for h in self.hosts:
                if h not in todo:
                    (h.dir / "etc" / "hosts").write_text(hosts_text)
            if todo:
                with ThreadPoolExecutor(max_workers=workers or min(len(todo), 8)) as pool:
                    list(pool.map(lambda h: self._bring_up(h, hosts_text), todo))
        return self.hosts

    def add(self, index: int) -> Host:
        """Bring up host `index` alone, beside those of up() (e.g. a service host with a high
        index that other tests' up(n) never touches); idempotent. down() tears it down too."""
        if index < 1 or index > 200:
            raise ValueError("index must be 1..200")
        with _locked():
            self._prepare()
            h = self._hosts.setdefault(index, Host(self, index))
            self._save()
            if not h.sshd_up(0.05):
                self._bring_up(h, self._hosts_text())
        return h

    def link(self, a: str | int, b: str | int, if_a: str = "eth1", if_b: str = "eth1") -> None:
        """A direct veth between hosts a and b (no bridge between them, so link-local frames
        such as LLDP pass), both ends up, no addresses. It lives only in the two hosts'
        network namespaces: unlink() or down() removes it. Idempotent (an old link goes)."""
        ha, hb = self.host(a), self.host(b)
        self.unlink(ha.index, if_a)
        self.unlink(hb.index, if_b)
        _run(["ip", "link", "add", "name", if_a, "netns", ha.netns, "type", "veth",
              "peer", "name", if_b, "netns", hb.netns])
        for h, dev in ((ha, if_a), (hb, if_b)):
            _run(["ip", "-n", h.netns, "link", "set", dev, "up"])

    def unlink(self, a: str | int, if_a: str = "eth1") -> None:
        """Remove host a's end of a link() (the kernel removes the peer too); no-op if absent."""
        h = self.host(a)
        if _run(["ip", "-n", h.netns, "link", "show", if_a], check=False).returncode == 0:
            _run(["ip", "-n", h.netns, "link", "del", if_a])

    def down(self) -> None:
        """Tear everything down, including leftovers of a killed run (any psl-* netns,
        psl veths, the bridge, the state dir). Idempotent."""
        with _locked():
            for h in self.hosts:
                h.stop("host")
            listing = _run(["ip", "netns", "list"]).stdout.decode().splitlines()
            names = [ln.split()[0] for ln in listing if ln.startswith(f"{PREFIX}-")]
            for ns in names:
                pids = _run(["ip", "netns", "pids", ns], check=False).stdout.split()
                for p in pids:
                    with contextlib.suppress(ProcessLookupError, ValueError):
                        os.kill(int(p), signal.SIGKILL)
                for p in pids:
                    _wait_gone(int(p), 5)
            for ns in names:
                _run(["ip", "netns", "del", ns], check=False)
            links = _run(["ip", "-o", "link", "show"]).stdout.decode().splitlines()
            for ln in links:
                name = ln.split(":")[1].strip().split("@")[0]
                if name.startswith(f"{PREFIX}v") or name == BRIDGE:
                    _run(["ip", "link", "del", name], check=False)
            if self.state_dir.exists():
                shutil.rmtree(self.state_dir, ignore_errors=True)
            self._hosts.clear()

    def status(self) -> dict[str, object]:
        return {
            "state_dir": str(self.state_dir),
            "bridge": BRIDGE if Path(f"/sys/class/net/{BRIDGE}").exists() else None,
            "hosts": [
                {"name": h.name, "ip": h.ip, "pid": h.pid, "sshd": h.sshd_up(0.3)}
                for h in self.hosts
            ],
            "client_key": str(self.client_key) if self.client_key.exists() else None,
            "netns": [ln.split()[0] for ln in _run(["ip", "netns", "list"]).stdout.decode()
                      .splitlines() if ln.startswith(f"{PREFIX}-")],
        }

    def password_hash(self) -> str:
        cache = self.state_dir / "client" / "pwuser.hash"
        if not cache.exists():
            out = _run(["openssl", "passwd", "-6", "-stdin"], input=self.pw_password.encode())
            cache.write_text(out.stdout.decode().strip() + "\n")
            cache.chmod(0o600)
        return cache.read_text().strip()

    # --- internals -------------------------------------------------------------------
    def _bring_up(self, h: Host, hosts_text: str) -> None:
        h._prepare(hosts_text)
        h._setup_net()
        if not h.running:
            h._start_init()
        h.start_sshd()

    def _hosts_text(self) -> str:
        lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback",
                 f"{self.gateway}\t{PREFIX}-gw"]
        lines += [f"{h.ip}\t{h.name}" for h in self.hosts]
        return "\n".join(lines) + "\n"

    def _client_files(self) -> None:
        cdir = self.state_dir / "client"
        cdir.mkdir(mode=0o700, exist_ok=True)
        if not self.client_key.exists():
            _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "proofshot-lab",
                  "-f", str(self.client_key)])
        self.client_key.chmod(0o600)
        pw = cdir / "pwuser.pass"
        if not pw.exists():
            pw.write_text(secrets.token_urlsafe(18) + "\n")
            pw.chmod(0o600)

    def _check_net(self) -> None:
        """Refuse to start when another interface already holds our /24 (e.g. another lab)."""
        out = _run(["ip", "-o", "-4", "addr", "show"]).stdout.decode()
        for ln in out.splitlines():
            parts = ln.split()
            dev, addr = parts[1], parts[3]
            if addr.startswith(self.net + ".") and dev != BRIDGE:
                raise LabError(f"{addr} is already on {dev}: another lab uses {self.net}.0/24; "
                               "set PROOFSHOT_LAB_NET to another 10.200.x")

    def _bridge(self) -> None:
        if not Path(f"/sys/class/net/{BRIDGE}").exists():
            _run(["ip", "link", "add", BRIDGE, "type", "bridge"])
        _run(["ip", "addr", "replace", f"{self.gateway}/24", "dev", BRIDGE])
        _run(["ip", "link", "set", BRIDGE, "up"])

    def _save(self) -> None:
        data = {"net": self.net, "hosts": sorted(self._hosts)}
        (self.state_dir / "lab.json").write_text(json.dumps(data) + "\n")

    def _load(self) -> None:
        try:
            data = json.loads((self.state_dir / "lab.json").read_text())
        except (OSError, ValueError):
            return
        self.net = data.get("net", self.net)
        self.gateway = f"{self.net}.1"
        for i in data.get("hosts", []):
            self._hosts[int(i)] = Host(self, int(i))
