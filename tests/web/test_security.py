"""The web UI's locks: no page or API without a session, no write without the CSRF token, no
file outside the package, no unknown id, login rate-limited, users with argon2 hashes and
roles, headers that forbid inline scripts and framing, nothing planted ever markup."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from proofshot.web import auth
from proofshot.web.app import CSP, Config, create_app
from tests.web.conftest import XSS_LABEL, XSS_TEXT, Made

TOKEN = "test-token-0123456789"


@pytest.fixture()
def app(made: Made) -> Any:
    return create_app(Config(made.root, TOKEN))


@pytest.fixture()
def anon(app: Any) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as c:
        yield c


@pytest.fixture()
def logged(app: Any) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as c:
        r = c.get(f"/?token={TOKEN}")
        assert r.status_code == 303 and r.headers["location"] == "/"
        yield c


def csrf_of(c: TestClient, path: str = "/engagements") -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', c.get(path).text)
    assert m
    return m.group(1)


def pages(made: Made) -> list[str]:
    a, b = made.before, made.after
    return ["/", f"/snapshots/{b}", "/targets/localhost", f"/diff/{a}/{b}", f"/findings/{b}",
            f"/paths/{b}", f"/paths/{b}/map.svg", f"/access/{b}", "/engagements",
            f"/engagements/{made.engagement}", "/search?q=ssh",
            f"/snapshots/{b}/targets/localhost/tables/users", f"/reports/{b}?lang=en&fmt=html",
            f"/compare?a={a}&b={b}"]


def test_every_page_needs_a_session(anon: TestClient, made: Made) -> None:
    for path in pages(made):
        r = anon.get(path)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login?next="), path
    for path in ("/api/snapshots", f"/api/diff/{made.before}/{made.after}",
                 f"/api/show/{made.after}", f"/api/findings/{made.after}"):
        r = anon.get(path)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer", path
        assert anon.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert anon.get("/healthz").json()["ok"] is True
    assert anon.get("/?token=wrong").headers["location"] == "/login"


def test_pages_render_for_a_session(logged: TestClient, made: Made) -> None:
    for path in pages(made):
        r = logged.get(path)
        assert r.status_code in (200, 303), (path, r.status_code, r.text[:300])


def test_every_write_needs_the_csrf_token(logged: TestClient, made: Made) -> None:
    e = made.engagement
    writes = [("/engagements", {"title": "x", "customer": "y"}),
              (f"/engagements/{e}/note", {"text": "x"}),
              (f"/engagements/{e}/receive", {"label": "card", "from": "z"}),
              (f"/engagements/{e}/return", {"item": made.item, "to": "z"}),
              (f"/engagements/{e}/kept", {"item": made.item, "reason": "z"}),
              (f"/engagements/{e}/close", {"force_reason": "z"}),
              ("/logout", {}), ("/lang", {"lang": "de"})]
    before = logged.get(f"/engagements/{e}").text
    for path, form in writes:
        assert logged.post(path, data=form).status_code == 403, path
        assert logged.post(path, data={**form, "csrf": "forged"}).status_code == 403, path
    assert logged.get(f"/engagements/{e}").text == before  # nothing was written
    token = csrf_of(logged)
    r = logged.post(f"/engagements/{e}/note", data={"text": "checked the rack", "csrf": token})
    assert r.status_code == 303
    assert "checked the rack" in logged.get(f"/engagements/{e}").text
    # the login form has its own token (double submit: cookie and field)
    assert logged.post("/login", data={"user": "a", "password": "b"}).status_code == 403


def test_traversal_and_unknown_ids_are_404(logged: TestClient, made: Made) -> None:
    for path in ("/static/../../../../etc/passwd", "/static/..%2f..%2f..%2fetc%2fpasswd",
                 "/static/%2e%2e/%2e%2e/pyproject.toml", "/snapshots/..%2f..%2fconfig.json",
                 "/snapshots/0000000000000000", "/diff/before/nosuchlabel",
                 "/targets/nosuchhost", f"/snapshots/{made.after}/targets/localhost/tables/"
                 "..%2f..%2fkeys", f"/snapshots/{made.after}/targets/nohost/tables/users",
                 "/engagements/deadbeef", "/findings/zzzz", "/access/zzzz", "/paths/zzzz",
                 "/api/show/zzzz", "/api/diff/zzzz/before", "/reports/zzzz",
                 f"/reports/{made.after}?fmt=exe", "/no/such/page"):
        r = logged.get(path)
        assert r.status_code == 404, (path, r.status_code)
        assert "root:" not in r.text and "private" not in r.text.lower()
    assert logged.post(f"/engagements/{made.engagement}/delete",
                       data={"csrf": csrf_of(logged)}).status_code == 404


def test_no_route_writes_or_deletes_a_snapshot(app: Any) -> None:
    for route in app.routes:
        methods = getattr(route, "methods", set()) or set()
        path = getattr(route, "path", "")
        if methods & {"POST", "PUT", "PATCH", "DELETE"}:
            assert path in ("/login", "/logout", "/lang", "/engagements",
                            "/engagements/{eid}/{action}"), path


def test_headers_cookies_and_no_inline_script(logged: TestClient, made: Made) -> None:
    r = logged.get(f"/diff/{made.before}/{made.after}")
    assert r.headers["content-security-policy"] == CSP
    assert "script-src 'self';" in CSP and "unsafe-inline" not in CSP
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    for path in pages(made)[:-3]:
        html = logged.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path  # no inline script
        assert not re.search(r"\son[a-z]+\s*=", html), path  # no event handler attributes
        assert not re.search(r"\sstyle\s*=", html), path  # no inline style (CSP)
        assert "cdn" not in html.lower() and "https://" not in html, path
    cookie = TestClient(logged.app, follow_redirects=False).get(f"/?token={TOKEN}")
    sc = cookie.headers["set-cookie"]
    assert "HttpOnly" in sc and "SameSite=strict" in sc and "Secure" not in sc
    tls = TestClient(create_app(Config(made_root(logged), TOKEN, tls=True)),
                     follow_redirects=False, base_url="https://testserver")
    assert "Secure" in tls.get(f"/?token={TOKEN}").headers["set-cookie"]


def made_root(c: TestClient) -> Any:
    return c.app.state.data.root  # type: ignore[attr-defined]


def test_login_rate_limited(anon: TestClient) -> None:
    page = anon.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    form = {"user": "nobody", "password": "wrong password", "csrf": token.group(1)}
    codes = [anon.post("/login", data=form).status_code for _ in range(7)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    assert anon.get(f"/?token={TOKEN}").status_code == 429  # the token too, from there


def test_users_with_argon2_and_roles(made: Made, app: Any) -> None:
    auth.add_user(made.root, "vera", "viewer", "viewer-pass-123")
    auth.add_user(made.root, "theo", "technician", "tech-pass-12345")
    stored = (made.root / auth.USERS_FILE).read_text()
    assert "viewer-pass-123" not in stored and "$argon2id$" in stored
    assert (made.root / auth.USERS_FILE).stat().st_mode & 0o077 == 0
    assert json.loads(stored)["users"]["vera"]["role"] == "viewer"

    def login(user: str, password: str) -> TestClient:
        c = TestClient(app, follow_redirects=False)
        token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
        assert token
        r = c.post("/login", data={"user": user, "password": password,
                                   "csrf": token.group(1), "next": "/engagements"})
        assert r.status_code == 303 and r.headers["location"] == "/engagements", r.text[:200]
        return c

    vera = login("vera", "viewer-pass-123")
    page = vera.get("/engagements").text
    assert "vera (viewer)" in page and 'action="/engagements"' not in page  # no write form
    r = vera.post(f"/engagements/{made.engagement}/note",
                  data={"text": "x", "csrf": csrf_of(vera)})
    assert r.status_code == 403
    theo = login("theo", "tech-pass-12345")
    r = theo.post(f"/engagements/{made.engagement}/note",
                  data={"text": "theo was here", "csrf": csrf_of(theo)})
    assert r.status_code == 303
    assert "theo was here" in theo.get(f"/engagements/{made.engagement}").text
    # an open redirect after login is refused
    c = TestClient(app, follow_redirects=False)
    tok = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
    assert tok
    r = c.post("/login", data={"user": "vera", "password": "viewer-pass-123",
                               "csrf": tok.group(1), "next": "//evil.example/"})
    assert r.headers["location"] == "/"


def test_planted_script_is_escaped_in_every_page(logged: TestClient, made: Made) -> None:
    for path in ("/", f"/snapshots/{made.after}", f"/diff/{made.before}/{made.after}",
                 f"/diff/{made.before}/{made.after}?table=files",
                 f"/targets/localhost?snapshot={made.after}"):
        html = logged.get(path).text
        assert XSS_LABEL not in html and XSS_TEXT not in html, path
    assert "&lt;script&gt;window.__pwned=2&lt;/script&gt;" in logged.get("/").text
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in logged.get(
        f"/diff/{made.before}/{made.after}?table=files").text


def test_engagement_start_and_a_refused_close(logged: TestClient, made: Made) -> None:
    r = logged.post("/engagements", data={"title": "Switch swap", "customer": "Muster GmbH",
                                          "csrf": csrf_of(logged)})
    assert r.status_code == 303 and r.headers["location"].startswith("/engagements/")
    page = logged.get(r.headers["location"]).text
    assert "Switch swap" in page and "Muster GmbH" in page
    eid = r.headers["location"].rsplit("/", 1)[1]
    r = logged.post(f"/engagements/{eid}/receive", data={
        "label": "Badge 7", "from": "Ms Roth", "due": "2099-01-01", "csrf": csrf_of(logged)})
    assert r.status_code == 303
    r = logged.post(f"/engagements/{eid}/close", data={"force_reason": "test",
                                                       "csrf": csrf_of(logged)})
    assert r.status_code == 400
    assert "still holds 1 entrusted item" in r.text and "Badge 7" in r.text


def test_findings_filter(logged: TestClient, made: Made) -> None:
    page = logged.get(f"/findings/{made.share_after}").text
    sev = re.findall(r'<td><span class="sev sev-(\w+)">', page)
    assert sev, "the share snapshot has findings"
    one = sev[0]
    filtered = logged.get(f"/findings/{made.share_after}?severity={one}").text
    got = re.findall(r'<td><span class="sev sev-(\w+)">', filtered)
    assert got and set(got) == {one}
    assert len(got) == sev.count(one) < len(sev)
