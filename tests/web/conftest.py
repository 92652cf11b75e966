r"""One store for the web tests, made once per session:

- two real scans of this machine inside a private mount+net namespace (tests/e2e/sandbox):
  `before`, then the work (sshd_config Port 2222, a user, a file with a planted <script>), then
  a scan whose label is a planted <script>;
- a file server and a directory written through the real store (the access view's fixtures):
  alice reaches \\files\public\finance through her groups;
- an engagement with an entrusted key.

`server` runs `proofshot serve --port 0` on loopback and reads its first stdout line; `browser`
is Debian's Chromium driven by Playwright (no browser download).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from proofshot.collectors.ldap import tables as LT
from proofshot.collectors.smb import tables as ST
from proofshot.engagement import record
from proofshot.store.embedded import Store
from tests.e2e import sandbox
from tests.synth import commit
from tests.views.test_access_eval import CHANGE, EVERYONE, FULL, READ, ace, ad, files

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
XSS_LABEL = "<script>window.__pwned=2</script>"
XSS_TEXT = "<script>window.__pwned=1</script>"
XSS_FILE = "/etc/proofshot-xss.conf"
SHOTS = Path(os.environ.get("PROOFSHOT_WEB_SHOTS", "/tmp/proofshot-web-shots"))

SCRIPT = sandbox.GUARD + r"""
$PS init --store "$STORE" >/dev/null
scan() { $PS scan --store "$STORE" --label "$1" >"$WORK/$2.out" 2>"$WORK/$2.err" || true; }
scan before before
sed -i 's/^#\?Port .*/Port 2222/' /etc/ssh/sshd_config
grep -q '^Port 2222' /etc/ssh/sshd_config || echo 'Port 2222' >> /etc/ssh/sshd_config
useradd -M -s /usr/sbin/nologin webtester
printf 'name=%s\n' "$XSS_TEXT" > "$XSS_FILE"
chmod 0644 "$XSS_FILE"
scan "$XSS_LABEL" after
"""

DECL = {t.name: t for t in (*LT.TABLES, *ST.TABLES)}


@dataclass
class Made:
    root: Path
    before: str
    after: str
    share_before: str
    share_after: str
    engagement: str
    item: str


def _share(store: Store, label: str, alice_in_team: bool) -> str:
    directory = ad()
    # a weak policy and a password that never expires: findings of two severities
    directory["ad_domain_policy"] = [{"id": "domain", "netbios": "PSLAB",
                                      "min_password_length": 6, "complexity": False,
                                      "lockout_threshold": 0}]
    for u in directory["ad_users"]:
        u["password_never_expires"] = u["sam"] == "bob"
    if not alice_in_team:
        directory["ad_memberships"] = [m for m in directory["ad_memberships"]
                                       if m["member"] != "alice"]
    ntfs = [ace("allow", "OI|CI", CHANGE, "Finance-Editors", 0), ace("allow", "", READ, "bob", 1)]
    return commit(store, label, {"ad": directory, "files": files(
        ntfs, [ace("allow", "", FULL, EVERYONE, 0)])}, tables=DECL)


@pytest.fixture(scope="session")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    work = tmp_path_factory.mktemp("web")
    sandbox.run(SCRIPT, work, env={"XSS_TEXT": XSS_TEXT, "XSS_LABEL": XSS_LABEL,
                                   "XSS_FILE": XSS_FILE})
    ids = {n: (work / f"{n}.out").read_text().split()[-1] for n in ("before", "after")}
    store = Store.open(work / "store")
    share_before = _share(store, "share-before", False)
    share_after = _share(store, "share-after", True)
    eid = record.start(store, "Firewall migration", "Muster GmbH", "tina")
    item = record.receive(store, eid, "Office key #3", "Mr Meier", "2026-01-01", "tina")
    record.link(store, eid, "before", ids["before"], "tina")
    record.link(store, eid, "after", ids["after"], "tina")
    store.close()
    return Made(work / "store", ids["before"], ids["after"], share_before, share_after, eid,
                item)


@dataclass
class Server:
    base: str
    token: str
    url: str
    proc: subprocess.Popen[str]


@pytest.fixture(scope="session")
def server(made: Made) -> Iterator[Server]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "proofshot", "serve", "--store", str(made.root), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    try:
        assert url.startswith("http://127.0.0.1:") and "/?token=" in url, url
        base, token = url.split("/?token=")
        yield Server(base, token, url, proc)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Package-scoped: sync Playwright keeps an event loop running in this thread while it is
    open, and tests after tests/web (e.g. scans calling asyncio.run) must not see it."""
    if not Path(CHROMIUM).exists() or shutil.which("pdftotext") is None:
        pytest.skip("needs Debian's chromium and poppler-utils (.ci/install)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser: Any, server: Server) -> Iterator[Any]:
    """A fresh browser context, logged in through the printed URL; the page remembers any
    script dialog (a planted script must never open one)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = ctx.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(server.url)
    try:
        yield pg
    finally:
        ctx.close()


def shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def pytest_configure(config: pytest.Config) -> None:
    # starlette's TestClient still runs on httpx; its notice about httpx2 is not ours to fix
    config.addinivalue_line("filterwarnings",
                            "ignore:Using `httpx` with `starlette.testclient`")
