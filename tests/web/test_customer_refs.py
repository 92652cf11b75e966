"""`latest`, `previous` and `label~N` for a web user limited to one customer, in a real browser
(Debian's Chromium through Playwright): they count that customer's snapshots only. The store
holds A1, B1, A2, B2 (B's are newer): for a user limited to A, `latest` is A2 and `previous`
A1, never B2 or A2-as-previous; the admin (the serve token) gets B2 and A2."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from proofshot.store.embedded import Store
from tests.synth import commit, row

PASSWORD = "alma-secret-pass-1"


@dataclass
class Four:
    a1: str
    b1: str
    a2: str
    b2: str
    base: str
    token: str


@pytest.fixture(scope="module")
def four(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Four]:
    root: Path = tmp_path_factory.mktemp("refs") / "store"
    subprocess.run([sys.executable, "-m", "proofshot", "init", "--store", str(root)],
                   check=True, capture_output=True)
    st = Store.open(root)
    a1 = commit(st, "nightly", {"alpha-web": {"hosts": [row(1)]}}, customer="Alpha GmbH")
    b1 = commit(st, "nightly", {"beta-db": {"hosts": [row(7)]}}, customer="Beta AG")
    a2 = commit(st, "nightly", {"alpha-web": {"hosts": [row(1), row(2)]}},
                customer="Alpha GmbH")
    b2 = commit(st, "nightly", {"beta-db": {"hosts": [row(8)]}}, customer="Beta AG")
    st.close()
    r = subprocess.run([sys.executable, "-m", "proofshot", "user", "add", "alma", "--role",
                        "technician", "--customer", "Alpha GmbH", "--password-stdin",
                        "--store", str(root)], input=PASSWORD + "\n", capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    proc = subprocess.Popen([sys.executable, "-m", "proofshot", "serve", "--store", str(root),
                             "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    try:
        assert "/?token=" in url, url
        base, token = url.split("/?token=")
        yield Four(a1, b1, a2, b2, base, token)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _login(browser: Any, four: Four) -> Any:
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(four.base + "/login")
    page.fill("input[name=user]", "alma")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button")
    page.wait_for_url(four.base + "/")
    return page


def _api(page: Any, path: str) -> Any:
    r = page.request.get(re.sub(r"(https?://[^/]+).*", r"\1", page.url) + path)
    assert r.status == 200, (path, r.status)
    return r.json()


def test_latest_and_previous_stay_within_the_users_customer(browser: Any, four: Four) -> None:
    page = _login(browser, four)
    try:
        page.goto(four.base + "/snapshots/latest")
        head = page.locator("h1").inner_text()
        assert four.a2[:12] in head and four.b2[:12] not in head
        page.goto(four.base + "/diff/previous/latest")
        head = page.locator("h1").inner_text()
        assert re.search(rf"{four.a1[:12]}.*→.*{four.a2[:12]}", head), head
        body = page.locator("body").inner_text()
        assert "beta-db" not in body and four.b1[:12] not in body and four.b2[:12] not in body
        page.goto(four.base + "/snapshots/nightly~1")  # the label's one before its latest
        assert four.a1[:12] in page.locator("h1").inner_text()
        page.goto(four.base + "/snapshots/nightly~2")  # A has two: nothing of B's instead
        assert four.b1[:12] not in page.content() and four.a1[:12] not in page.content()
        # the JSON API, with the same login: the same answers
        got = _api(page, "/api/diff/previous/latest")
        assert (got["from"], got["to"]) == (four.a1, four.a2)
        assert _api(page, "/api/show/latest")["id"] == four.a2
        assert _api(page, "/api/show/nightly")["id"] == four.a2
    finally:
        page.context.close()


def test_the_admin_resolves_over_every_customer(browser: Any, four: Four) -> None:
    ctx = browser.new_context()
    page = ctx.new_page()
    try:
        page.goto(f"{four.base}/?token={four.token}")
        got = _api(page, "/api/diff/previous/latest")
        assert (got["from"], got["to"]) == (four.a2, four.b2)
        assert _api(page, "/api/show/nightly~1")["id"] == four.a2
    finally:
        ctx.close()
