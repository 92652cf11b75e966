"""The JSON API against the CLI's contract: `/api/diff/A/B` is `proofshot diff A B --json`,
`/api/show/ID` is `proofshot show ID --json`; Bearer token or the session cookie."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import httpx

from tests.web.conftest import Made, Server


def cli(made: Made, *args: str) -> Any:
    out = subprocess.run([sys.executable, "-m", "proofshot", *args, "--store", str(made.root),
                          "--json"], capture_output=True, text=True, timeout=300, check=True)
    return json.loads(out.stdout)


def api(server: Server, path: str) -> httpx.Response:
    return httpx.get(server.base + path, headers={"Authorization": f"Bearer {server.token}"},
                     timeout=120)


def test_api_diff_equals_cli_diff_json(server: Server, made: Made) -> None:
    for a, b in ((made.before, made.after), (made.share_before, made.share_after),
                 ("before", "latest")):
        r = api(server, f"/api/diff/{a}/{b}")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/json")
        assert r.json() == cli(made, "diff", a, b)
    got = api(server, f"/api/diff/{made.before}/{made.after}").json()
    assert any(c["target"] == "localhost" and c["table"] == "users" and c["kind"] == "added"
               for c in got["changes"])


def test_api_show_equals_cli_show_json(server: Server, made: Made) -> None:
    for ref in (made.after, made.share_after, "before"):
        r = api(server, f"/api/show/{ref}")
        assert r.status_code == 200
        assert r.json() == cli(made, "show", ref)


def test_api_snapshots_findings_paths_access(server: Server, made: Made) -> None:
    snaps = api(server, "/api/snapshots").json()
    assert [s["id"] for s in snaps] == [made.before, made.after, made.share_before,
                                        made.share_after]
    assert api(server, f"/api/findings/{made.after}").json() == cli(made, "findings",
                                                                    made.after)
    assert api(server, f"/api/paths/{made.after}").json() == cli(made, "paths", made.after)
    assert api(server, f"/api/access/{made.share_after}").json() == cli(
        made, "access", made.share_after)


def test_api_takes_the_session_cookie_too(server: Server) -> None:
    with httpx.Client(base_url=server.base, timeout=60, follow_redirects=True) as c:
        assert c.get("/api/snapshots").status_code == 401
        r = c.get(f"/?token={server.token}")
        assert r.status_code == 200 and "Snapshots" in r.text  # redirect followed, logged in
        assert c.get("/api/snapshots").status_code == 200
