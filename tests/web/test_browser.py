r"""The web UI in a real browser (Debian's Chromium through Playwright), as a technician uses it:
log in with the printed URL, search a host, read its page and timeline, open and filter a diff,
expand a config file's line diff, follow a host on the map, ask who can reach the finance share,
return an entrusted key, download the German evidence report. Each test looks at what the page
shows; screenshots go to PROOFSHOT_WEB_SHOTS (default /tmp/proofshot-web-shots)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import XSS_FILE, XSS_LABEL, XSS_TEXT, Made, Server, shot


def test_login_with_the_printed_url_shows_the_snapshots(page: Any, server: Server,
                                                        made: Made) -> None:
    assert page.url == server.base + "/"  # the token left the address bar
    rows = page.locator("#snaps tbody tr")
    assert rows.count() == 4
    labels = page.locator("#snaps td.label").all_inner_texts()
    assert labels == ["share-after", "share-before", XSS_LABEL, "before"]
    cookie = next(c for c in page.context.cookies() if c["name"] == "proofshot_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    shot(page, "01-snapshots")
    # the filter narrows the list
    page.fill("input[name=label]", "share")
    page.press("input[name=label]", "Enter")
    page.wait_for_url(re.compile(r"label=share"))
    assert page.locator("#snaps td.label").all_inner_texts() == ["share-after", "share-before"]


def test_search_a_host_then_its_page_and_timeline(page: Any, made: Made) -> None:
    page.fill("header input[name=q]", "webtest")
    hit = page.locator("#search-results ul.hits li").first
    hit.wait_for()
    assert "webtester" in hit.inner_text() and "users" in hit.inner_text()
    page.fill("header input[name=q]", "localhost")
    link = page.locator("#search-results li.hit-target a", has_text="localhost").first
    link.wait_for()
    link.click()
    page.wait_for_url(re.compile(r"/targets/localhost"))
    assert page.locator("h1").inner_text() == "localhost"
    groups = page.locator("section.tables h3").all_inner_texts()
    assert groups[:4] == ["system", "software", "services", "users and groups"]
    timeline = page.locator("#timeline").inner_text()
    assert "users: + webtester" in timeline
    assert "files: ~ /etc/ssh/sshd_config" in timeline
    shot(page, "02-target")


def test_diff_filter_and_config_line_diff(page: Any, made: Made) -> None:
    page.goto(page.url.split("/?")[0].rstrip("/") + f"/snapshots/{made.after}")
    page.click("text=Diff with the previous snapshot")
    page.wait_for_url(re.compile(rf"/diff/{made.before}/{made.after}"))
    summary = page.locator("#summary").inner_text()
    assert re.search(r"\d+ changes", summary)
    assert "tables verified unchanged" in summary
    tables = set(page.locator("#changes section.group h3").all_inner_texts())
    assert any(t.startswith("localhost / users") for t in tables), tables
    # filter: only the files table
    page.select_option("#diff-filter select[name=table]", "files")
    page.wait_for_url(re.compile(r"table=files"))
    page.wait_for_function("() => [...document.querySelectorAll('#changes section.group h3')]"
                           ".every(h => h.textContent.includes('/ files'))")
    heads = page.locator("#changes section.group h3").all_inner_texts()
    assert heads and all("/ files" in h for h in heads), heads
    # the config file's line diff, side by side, collapsed until opened
    row = page.locator("#changes tr", has_text="/etc/ssh/sshd_config")
    details = row.locator("details.linediff").first
    assert not details.locator("table.sbs").is_visible()
    details.locator("summary").click()
    added = details.locator("table.sbs td.r.add")
    added.first.wait_for()  # loaded when opened
    assert "Port 2222" in added.all_inner_texts()
    assert details.locator("table.sbs td.l.del").count() >= 1
    # the volatile section is there and collapsed
    assert not page.locator("details#volatile").get_attribute("open")
    shot(page, "03-diff")


def test_map_follow_a_node(page: Any, made: Made) -> None:
    page.goto(page.url.rstrip("/") + f"/paths/{made.after}")
    node = page.locator("#map svg g.node.host-link[data-target=localhost]").first
    node.wait_for()
    page.click("[data-zoom='1.25']")
    vb = page.locator("#map svg").get_attribute("viewBox")
    page.click("[data-zoom='0']")
    assert page.locator("#map svg").get_attribute("viewBox") != vb  # zoomed, then back
    shot(page, "04-map")
    node.click()
    page.wait_for_url(re.compile(r"/targets/localhost\?snapshot="))
    assert page.locator("h1").inner_text() == "localhost"


def test_who_can_access_the_finance_share(page: Any, made: Made) -> None:
    page.goto(page.url.rstrip("/") + f"/access/{made.share_after}")
    page.fill("input[name=resource]", "\\\\files\\public\\finance")
    page.click("form.filters button")
    page.wait_for_url(re.compile(r"resource="))
    rows = page.locator("tr.grant").all_inner_texts()
    alice = [r for r in rows if r.startswith("PSLAB\\alice")]
    assert alice, rows
    assert "Finance-Team -> PSLAB\\Finance-Editors" in alice[0]
    assert any(r.startswith("PSLAB\\bob") for r in rows)
    assert page.locator("table.matrix").is_visible()
    shot(page, "05-access")


def test_return_an_entrusted_item(page: Any, made: Made) -> None:
    page.click("header nav >> text=Engagements")
    held = page.locator("table.grid", has_text="Office key #3").first
    assert "overdue" in held.inner_text()
    page.click("text=Firewall migration")
    item = page.locator("tr.item", has_text="Office key #3")
    assert "held" in item.locator("td.state").inner_text()
    item.locator("input[name=to]").fill("Mr Meier")
    item.locator("button", has_text="Return").click()
    page.wait_for_load_state()
    item = page.locator("tr.item", has_text="Office key #3")
    assert item.locator("td.state").inner_text().startswith("returned")
    assert "Mr Meier" in item.inner_text()
    assert item.locator("button").count() == 0
    shot(page, "06-engagement")


def test_download_the_german_pdf_report(page: Any, made: Made, tmp_path: Any) -> None:
    page.goto(page.url.rstrip("/") + f"/diff/{made.before}/{made.after}")
    page.click("header button:has-text('Deutsch')")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "de"
    assert "Änderungen" in page.locator("#summary").inner_text()
    with page.expect_download() as dl:
        page.click("#summary a:has-text('de PDF')")
    path = tmp_path / "report.pdf"
    dl.value.save_as(path)
    assert path.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Nachweisbericht" in text and "Änderungen im Einzelnen" in text
    assert "webtester" in text
    shot(page, "07-diff-de")
    page.click("header button:has-text('English')")


def test_planted_script_is_shown_as_text(page: Any, made: Made) -> None:
    base = page.url.rstrip("/")
    assert XSS_LABEL in page.locator("#snaps").inner_text()
    page.goto(f"{base}/snapshots/{made.after}")
    assert XSS_LABEL in page.locator("h1").inner_text()
    page.goto(f"{base}/snapshots/{made.after}/targets/localhost/tables/files")
    # find the planted file on its page of the table
    pages = int(page.locator("nav.pager span").first.inner_text().split("/")[-1].strip()
                ) if page.locator("nav.pager span").count() else 1
    found = False
    for n in range(1, pages + 1):
        if n > 1:
            page.goto(f"{base}/snapshots/{made.after}/targets/localhost/tables/files?page={n}")
        if page.locator("td", has_text=XSS_FILE).count():
            found = True
            break
    assert found
    cell = page.locator("tr", has_text=XSS_FILE).locator("pre, td")
    assert any(XSS_TEXT in t for t in cell.all_text_contents())
    assert page.evaluate("() => window.__pwned") is None
    assert page.dialogs == []
    shot(page, "08-planted-script")


def two_hundred_hosts(n: int = 200) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """n hosts (addresses are data only, nothing is contacted): each listens on 22 and 443
    and talks to the next one on 443."""
    def ip(i: int) -> str:
        return f"10.200.{100 + i // 200}.{i % 200 + 1}"
    out = {}
    for i in range(n):
        out[f"host{i:03d}"] = {
            "addresses": [{"interface": "eth0", "address": ip(i), "family": "inet",
                           "scope": "global", "label": "eth0", "dynamic": False,
                           "valid_lifetime": None}],
            "listening": [{"proto": "tcp", "address": "0.0.0.0", "port": p, "processes": [x],
                           "sockets": 1, "pids": []} for p, x in ((22, "sshd"), (443, "nginx"))],
            "connections": [{"direction": "out", "local_address": ip(i),
                             "remote_address": ip((i + 1) % n), "port": 443,
                             "processes": ["curl"], "basis": "established", "count": 1}],
        }
    return out


@pytest.fixture(scope="module")
def map_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    from proofshot.collectors.linux import tables as LT
    from proofshot.store.embedded import Store
    from tests.synth import commit

    root = tmp_path_factory.mktemp("web-map") / "store"
    st = Store.create(root)
    sid = commit(st, "map", two_hundred_hosts(), tables={t.name: t for t in LT.TABLES})
    st.close()
    proc = subprocess.Popen([sys.executable, "-m", "proofshot", "serve", "--store", str(root),
                             "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    try:
        yield url, sid
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_map_of_200_hosts_stays_readable(browser: Any, map_server: tuple[str, str]) -> None:
    url, sid = map_server
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = ctx.new_page()
        page.goto(url)
        page.goto(url.split("/?")[0] + f"/paths/{sid}")
        nodes = page.locator("#map svg g.node.host-link")
        nodes.first.wait_for()
        assert nodes.count() == 200
        shot(page, "09-map-200-fit")
        label = page.locator("#map svg g.node.host-link[data-target=host100] text").first
        small = label.bounding_box()["height"]
        box = page.locator("#map").bounding_box()
        target = label.bounding_box()
        for _ in range(40):  # wheel-zoom in on host100
            page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2)
            page.mouse.wheel(0, -200)
            page.wait_for_timeout(30)
            target = label.bounding_box()
            if target["height"] >= 12:
                break
        assert target["height"] >= 12 > small or small >= 12, (small, target)
        assert box["x"] <= target["x"] <= box["x"] + box["width"]  # still in view
        shot(page, "10-map-200-zoomed")
        page.locator("#map svg g.node.host-link[data-target=host100]").click()
        page.wait_for_url(re.compile(r"/targets/host100\?snapshot="))
        assert page.locator("h1").inner_text() == "host100"
    finally:
        ctx.close()
