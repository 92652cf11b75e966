"""Customers in the web UI: every listing filters by customer (the snapshots page, the search),
and a user limited to some customers (`proofshot user add NAME --customer A`) never sees another
customer's snapshots or engagements: not in a listing, and 404 for any page or /api/* call that
names one, by id, prefix or label. The serve token's admin sees all."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from proofshot.engagement import record
from proofshot.store.embedded import Store
from proofshot.web.app import Config, create_app
from tests.synth import commit, row

TOKEN = "c" * 32
PASSWORD = "anna-secret-pass-1"


@dataclass
class Two:
    root: Path
    a1: str
    a2: str
    b1: str
    b2: str
    eng_a: str
    eng_b: str


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Two:
    root = tmp_path_factory.mktemp("customers") / "store"
    subprocess.run([sys.executable, "-m", "proofshot", "init", "--store", str(root)],
                   check=True, capture_output=True)
    st = Store.open(root)
    a1 = commit(st, "a-before", {"alpha-web": {"hosts": [row(1)]}}, customer="Alpha GmbH")
    b1 = commit(st, "b-before", {"beta-db": {"hosts": [row(7)]}}, customer="Beta AG")
    a2 = commit(st, "a-after", {"alpha-web": {"hosts": [row(1), row(2)]}},
                customer="Alpha GmbH")
    b2 = commit(st, "b-after", {"beta-db": {"hosts": [row(8)]}}, customer="Beta AG")
    eng_a = record.start(st, "Alpha job", "Alpha GmbH", "Anna")
    eng_b = record.start(st, "Beta job", "Beta AG", "Bert")
    r = subprocess.run([sys.executable, "-m", "proofshot", "user", "add", "anna", "--role",
                        "technician", "--customer", "Alpha GmbH", "--password-stdin",
                        "--store", str(root)], input=PASSWORD + "\n", capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    listed = subprocess.run([sys.executable, "-m", "proofshot", "user", "list", "--json",
                             "--store", str(root)], capture_output=True, text=True, check=True)
    assert json.loads(listed.stdout) == [{"name": "anna", "role": "technician",
                                          "customers": ["Alpha GmbH"]}]
    return Two(root, a1, a2, b1, b2, eng_a, eng_b)


@pytest.fixture()
def admin(two: Two) -> Iterator[TestClient]:
    with TestClient(create_app(Config(two.root, TOKEN)), follow_redirects=False) as c:
        assert c.get(f"/?token={TOKEN}").status_code == 303
        yield c


@pytest.fixture()
def anna(two: Two) -> Iterator[TestClient]:
    with TestClient(create_app(Config(two.root, TOKEN)), follow_redirects=False) as c:
        page = c.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf
        r = c.post("/login", data={"user": "anna", "password": PASSWORD,
                                   "csrf": csrf.group(1), "next": "/"})
        assert r.status_code == 303, r.text
        yield c


def test_admin_filters_every_listing_by_customer(two: Two, admin: TestClient) -> None:
    allrows = admin.get("/").text
    assert all(s[:12] in allrows for s in (two.a1, two.a2, two.b1, two.b2))
    assert '<option value="Beta AG"' in allrows  # the filter offers every customer
    only_b = admin.get("/", params={"customer": "Beta AG"}).text
    assert two.b1[:12] in only_b and two.b2[:12] in only_b
    assert two.a1[:12] not in only_b and two.a2[:12] not in only_b
    api = {s["id"]: s["customer"] for s in admin.get(
        "/api/snapshots", headers={"Authorization": f"Bearer {TOKEN}"}).json()}
    assert api == {two.a1: "Alpha GmbH", two.a2: "Alpha GmbH", two.b1: "Beta AG",
                   two.b2: "Beta AG"}
    # the search over both customers' targets, then narrowed to one
    hits = admin.get("/search", params={"q": "item"}).text
    assert "alpha-web" in hits and "beta-db" in hits
    narrowed = admin.get("/search", params={"q": "item", "customer": "Alpha GmbH"}).text
    assert "alpha-web" in narrowed and "beta-db" not in narrowed


def test_limited_user_never_sees_another_customer(two: Two, anna: TestClient) -> None:
    home = anna.get("/").text
    assert two.a1[:12] in home and two.a2[:12] in home
    assert two.b1[:12] not in home and two.b2[:12] not in home
    assert "Beta AG" not in home and "beta-db" not in home
    assert {s["id"] for s in anna.get("/api/snapshots").json()} == {two.a1, two.a2}
    assert anna.get(f"/snapshots/{two.a1}").status_code == 200
    assert anna.get(f"/api/diff/{two.a1}/{two.a2}").status_code == 200
    assert anna.get("/targets/alpha-web").status_code == 200
    denied = [f"/snapshots/{two.b1}", f"/snapshots/{two.b1[:10]}", "/snapshots/b-before",
              f"/diff/{two.b1}/{two.b2}", f"/diff/{two.a1}/{two.b2}", f"/findings/{two.b1}",
              f"/paths/{two.b1}", f"/access/{two.b1}", "/targets/beta-db",
              f"/targets/alpha-web?snapshot={two.b1}",
              f"/snapshots/{two.b1}/targets/beta-db/tables/hosts",
              f"/compare?a={two.a1}&b={two.b2}", f"/reports/{two.b1}?lang=en&fmt=html",
              f"/api/show/{two.b1}", f"/api/diff/{two.b1}/{two.b2}",
              f"/api/findings/{two.b1}", f"/api/paths/{two.b1}", f"/api/access/{two.b1}",
              f"/engagements/{two.eng_b}"]
    for path in denied:
        r = anna.get(path)
        assert r.status_code in (403, 404), (path, r.status_code)
        # nothing of B's content (the path itself is echoed in the language form)
        assert not {"item7", "item8", "Beta AG", "Beta job"} & set(re.findall(
            r"item\d|Beta AG|Beta job", r.text)), path
    found = anna.get("/search", params={"q": "item"}).text
    assert "alpha-web" in found and "beta-db" not in found and "item7" not in found
    engs = anna.get("/engagements").text
    assert "Alpha job" in engs and "Beta job" not in engs
    assert anna.get(f"/engagements/{two.eng_a}").status_code == 200


def test_limited_user_cannot_start_another_customers_engagement(two: Two, anna: TestClient
                                                                ) -> None:
    page = anna.get("/engagements").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf
    r = anna.post("/engagements", data={"csrf": csrf.group(1), "title": "sneaky",
                                        "customer": "Beta AG"})
    assert r.status_code == 400
    st = Store.open(two.root)
    assert "sneaky" not in {g.title for g in record.load_all(st)}
