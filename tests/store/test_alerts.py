"""Drift alerts through the real worker path: a PostgreSQL cluster started by the tests, a site
worker (`proofshot worker --site`) running a schedule, and HTTP servers on 127.0.0.1 started here
that receive the webhooks. A change planted between two scheduled snapshots outside every
engagement alerts every hook of the store, the customer and the schedule (webhook and command,
one of them given as env:NAME); a change inside an open engagement's window does not; a webhook
that refuses connections is recorded as failed, retried by later worker passes and delivered once
it answers. Alerts carry no values (a planted secret appears nowhere) and are on record
(`alert log`, `drift`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.store.pg import PASSWORD, Cluster, pg_cluster, pg_env  # noqa: F401 - a fixture
from tests.store.test_pg_cli import run

SECRET = "Hunter2-drift-secret-9f3a"
TOKEN = "tok-7c1e-webhook-token"
KEY = "hmac-key-5d2b-shared"


class Receiver:
    """An HTTP server on 127.0.0.1 that keeps every POST (path, headers, JSON body)."""

    def __init__(self, listen: bool = True) -> None:
        got: list[dict[str, Any]] = []
        self.got = got

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                got.append({"path": self.path, "type": self.headers.get("Content-Type"),
                             "event": self.headers.get("X-Proofshot-Event"),
                             "signature": self.headers.get("X-Proofshot-Signature"),
                             "raw": raw.decode(), "body": json.loads(raw)})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        # bound at once (the port is ours), listening only when asked: until then a
        # connection is refused
        self.server = HTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
        self.server.server_bind()
        self.port = int(self.server.server_address[1])
        self.thread: threading.Thread | None = None
        if listen:
            self.listen()

    def listen(self) -> None:
        self.server.server_activate()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        if self.thread is not None:
            self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    up, down = Receiver(), Receiver(listen=False)
    try:
        yield up, down
    finally:
        up.close()
        down.close()


def _worker(site: dict[str, str], url: str) -> str:
    time.sleep(1.1)  # the schedule runs every second: due again, and a later timestamp
    done = run(site, "worker", "--site", "nord", "--once", "--store", url)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_drift_outside_every_engagement_alerts_inside_does_not_failed_is_retried(
        pg_cluster: Cluster, tmp_path: Path,  # noqa: F811
        receivers: tuple[Receiver, Receiver]) -> None:
    up, down = receivers
    url = pg_cluster.url(pg_cluster.new_db())
    owner = pg_env(tmp_path / "owner")
    assert run(owner, "init", "--store", url).returncode == 0
    tree = tmp_path / "tree"
    tree.mkdir()
    conf = tree / "app.conf"
    conf.write_text("name=fw\n")
    conf.chmod(0o644)
    scope = tmp_path / "fw.yaml"
    scope.write_text(f"targets:\n  - name: fw\n    type: local\n    files: [{tree}]\n")
    base = f"http://127.0.0.1:{up.port}"
    add = run(owner, "schedule", "add", str(scope), "--customer", "Muster GmbH", "--every", "1s",
              "--site", "nord", "--alert-webhook", f"{base}/schedule", "--store", url)
    assert add.returncode == 0, add.stderr
    sched = add.stdout.strip()
    out_file = tmp_path / "command-got.json"
    for args in (["--webhook", "env:DRIFT_HOOK_URL",  # the store's; URL and key stay at the site
                  "--secret", "env:DRIFT_HOOK_KEY"],
                 ["--webhook", f"http://127.0.0.1:{down.port}/down", "--customer",
                  "Muster GmbH"],
                 ["--webhook", f"{base}/other", "--customer", "Other AG"],
                 ["--command", f"sh -c 'cat > {out_file}'", "--schedule", sched]):
        r = run(owner, "alert", "add", *args, "--store", url)
        assert r.returncode == 0, r.stderr
    listed = run(owner, "alert", "list", "--json", "--store", url)
    assert [h["kind"] for h in json.loads(listed.stdout)] == ["webhook"] * 4 + ["command"]
    bad = run(owner, "alert", "add", "--webhook", "http://u:pw@127.0.0.1:9/x", "--store", url)
    assert bad.returncode == 2 and "no password in the URL" in bad.stderr
    bad = run(owner, "alert", "add", "--webhook", f"{base}/x", "--secret", KEY, "--store", url)
    assert bad.returncode == 2 and "a reference only" in bad.stderr and KEY not in bad.stderr

    site = {**pg_env(tmp_path / "site"), "PROOFSHOT_ALERT_RETRY_AFTER": "0",
            "DRIFT_HOOK_URL": f"{base}/store?token={TOKEN}", "DRIFT_HOOK_KEY": KEY}
    assert run(site, "worker", "--site", "nord", "--once", "--store", url).returncode == 2
    pub = tmp_path / "site" / "workspace" / "keys" / "signing.pub"
    assert run(owner, "key", "trust", str(pub), "--store", url).returncode == 0

    first = _worker(site, url)  # the first snapshot: nothing to compare with
    assert "snapshot" in first and "drift" not in first and not up.got

    # a change nobody recorded a job for, with a secret in it
    conf.write_text(f"name=fw\npassword = {SECRET}\n")
    (tree / "new.conf").write_text("listen=8443\n")
    second = _worker(site, url)
    assert "outside every engagement: drift event #1" in second, second
    assert "FAILED (will retry)" in second
    paths = sorted(g["path"] for g in up.got)
    assert paths == ["/schedule", f"/store?token={TOKEN}"], paths
    for g in up.got:  # the store's hook signs its bodies with the site's key; the other not
        mac = hmac.new(KEY.encode(), g["raw"].encode(), hashlib.sha256).hexdigest()
        assert g["signature"] == (f"sha256={mac}" if "token" in g["path"] else None)
        assert g["type"] == "application/json" and g["event"] == "drift-outside-engagement"
        b = g["body"]
        assert b["event"] == "drift-outside-engagement" and b["version"] == 1
        assert b["customer"] == "Muster GmbH" and b["schedule"] == int(sched)
        assert b["site"] == "nord" and b["scope"] == "fw.yaml" and b["id"] == 1
        assert b["from"]["id"] != b["to"]["id"] and b["to"]["label"] == "scheduled"
        assert b["window"] == {"from": b["from"]["created"], "to": b["to"]["created"]}
        assert b["engagements_checked"] == [] and b["engagements_not_listed"] == 0
        assert b["counts"]["outside"] == b["counts"]["changes"] >= 2
        assert b["counts"]["added"] >= 1 and b["counts"]["changed"] >= 1
        assert b["counts"]["targets"] == 1
        [f] = b["findings"]
        assert f["rule"] == "drift-outside-engagement" and f["target"] == "fw"
        keys = {json.dumps(e["key"], sort_keys=True) for e in f["evidence"]}
        assert any(str(tree / "new.conf") in k for k in keys), keys
        assert SECRET not in g["raw"]
    assert json.loads(out_file.read_text()) == up.got[0]["body"]  # the command got it too

    # inside an engagement's window: no alert
    eng = run(owner, "engagement", "start", "Firewall patch", "--customer", "Muster GmbH",
              "--store", url)
    assert eng.returncode == 0, eng.stderr
    conf.write_text("name=fw\nport=2222\n")
    third = _worker(site, url)
    assert "snapshot" in third and "drift event" not in third, third
    assert len(up.got) == 2
    out_file.unlink()

    # the refused webhook: failed, on record, retried; delivered once it answers
    log = json.loads(run(owner, "alert", "log", "--json", "--store", url).stdout)
    assert len(log) == 4  # every hook of the store, the customer and the schedule; not Other AG
    by = {d["target"]: d for d in log}
    failed = by[f"http://127.0.0.1:{down.port}/down"]
    # tried at the job, and at the next pass twice (its start, and after its job)
    assert failed["status"] == "failed" and failed["attempts"] == 3
    assert "refused" in failed["result"].lower() and failed["last_attempt"]
    assert by["env:DRIFT_HOOK_URL"]["status"] == "sent"
    assert by["env:DRIFT_HOOK_URL"]["result"] == "HTTP 204"
    assert by[f"{base}/schedule"]["status"] == "sent"
    assert by[f"sh -c 'cat > {out_file}'"]["status"] == "sent"
    assert by[f"sh -c 'cat > {out_file}'"]["result"] == "exit 0"
    only_failed = json.loads(run(owner, "alert", "log", "--failed", "--json", "--store", url
                                 ).stdout)
    assert [d["id"] for d in only_failed] == [failed["id"]]
    # by hand: still refused (exit 3), one more attempt on record
    by_hand = run({**owner, "PROOFSHOT_ALERT_RETRY_AFTER": "0"}, "alert", "retry", "--all",
                  "--json", "--store", url)
    assert by_hand.returncode == 3, by_hand.stderr
    assert [(d["target"], d["ok"]) for d in json.loads(by_hand.stdout)] == [
        (f"http://127.0.0.1:{down.port}/down", False)]
    down.listen()
    fourth = _worker(site, url)
    assert f"127.0.0.1:{down.port}/down: sent (HTTP 204)" in fourth, fourth
    assert len(down.got) == 1 and down.got[0]["body"]["id"] == 1
    assert down.got[0]["body"]["to"] == up.got[0]["body"]["to"]
    log = json.loads(run(owner, "alert", "log", "--json", "--store", url).stdout)
    assert all(d["status"] == "sent" for d in log) and len(log) == 4
    assert {d["attempts"] for d in log} == {1, 5}  # the refused one: job, 3 passes, by hand...
    nothing = run(owner, "alert", "retry", "--all", "--store", url)
    assert nothing.returncode == 0 and "nothing to send" in nothing.stderr
    assert len(up.got) == 2 and not out_file.exists()  # sent ones are not sent again

    # a snapshot of the scope committed without a check (as by a worker that died between
    # commit and check; here a technician's own scan of the same scope): checked by the next
    # run of the schedule
    closed = run(owner, "engagement", "close", "--force-reason", "done", "--store", url)
    assert closed.returncode == 0, closed.stderr
    time.sleep(1.1)
    fifth = _worker(site, url)  # its window began inside the engagement: no alert
    assert "drift event" not in fifth, fifth
    conf.write_text("name=fw\nport=2223\n")
    same = tmp_path / "same-scope.yaml"
    same.write_text(f'customer: "Muster GmbH"\n{scope.read_text()}')
    manual = run(owner, "scan", str(same), "--label", "by-hand", "--store", url)
    assert manual.returncode in (0, 3), manual.stderr  # 3: partial here (no /run/sshd)
    assert len(up.got) == 2  # a scan of its own alerts nobody
    sixth = _worker(site, url)
    manual_id = manual.stdout.strip().splitlines()[-1]
    assert f"to {manual_id[:12]} outside every engagement: drift event #2" in sixth, sixth
    # (the scan after it may show drift of its own: the local machine, shared with other
    # tests, is the target; only the event of the unchecked snapshot is asserted)
    two = [g["body"] for g in up.got if g["body"]["id"] == 2]
    assert len(two) == 2 and all(b["to"]["id"] == manual_id for b in two)
    assert [e["title"] for e in two[0]["engagements_checked"]] == ["Firewall patch"]
    assert two[0]["findings"][0]["evidence"] and two[0]["counts"]["changed"] >= 1

    events = json.loads(run(owner, "drift", "--customer", "Muster GmbH", "--json", "--store",
                            url).stdout)
    assert [e["to"] for e in events[:2]] == [up.got[0]["body"]["to"]["id"], manual_id]
    assert events[0]["deliveries"] == {"sent": 4, "failed": 0, "pending": 0}
    assert json.loads(run(owner, "drift", "--customer", "Other AG", "--json", "--store", url
                          ).stdout) == []
    text = run(owner, "drift", "--store", url).stdout
    assert "Muster GmbH" in text and "fw" in text

    # nothing of the secret, nor of the URL's token, is on record
    with psycopg.connect(url, password=PASSWORD, autocommit=True) as c:
        stored = json.dumps([c.execute(f"SELECT * FROM {t}").fetchall() for t in
                             ("alert_hooks", "alert_events", "alert_deliveries")], default=str)
    assert "drift-outside-engagement" in stored and "Muster GmbH" in stored
    assert SECRET not in stored and TOKEN not in stored and KEY not in stored
    for out in (first, second, third, fourth, fifth, sixth):
        assert SECRET not in out and TOKEN not in out
    assert run(owner, "verify", "--store", url).returncode == 0


def test_delivery_results_name_status_or_exit_and_never_the_url(tmp_path: Path) -> None:
    """One attempt against real endpoints: a 2xx is delivered, a 500 and a refused connection
    are not (the result says which, never the URL resolved from a reference); a command's exit
    code and last line of stderr are the result."""
    import os

    from proofshot.service._alerts import deliver

    class Failing(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(500)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    body = {"event": "drift-outside-engagement", "customer": "C", "counts": {"outside": 1}}
    up = Receiver()
    bad = HTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=bad.serve_forever, daemon=True).start()
    refused = Receiver(listen=False)
    try:
        assert deliver("webhook", f"http://127.0.0.1:{up.port}/ok", body) == (True, "HTTP 204")
        assert up.got[0]["body"] == body
        assert deliver("webhook", f"http://127.0.0.1:{bad.server_address[1]}/x", body) == (
            False, "HTTP 500")
        os.environ["PT_ALERT_TEST_URL"] = f"http://127.0.0.1:{refused.port}/{TOKEN}"
        ok, result = deliver("webhook", "env:PT_ALERT_TEST_URL", body)
        assert not ok and "refused" in result.lower() and TOKEN not in result
        ok, result = deliver("webhook", "env:PT_ALERT_NOT_SET", body)
        assert not ok and "PT_ALERT_NOT_SET" in result
    finally:
        os.environ.pop("PT_ALERT_TEST_URL", None)
        up.close()
        bad.shutdown()
        bad.server_close()
        refused.close()
    got = tmp_path / "got.json"
    assert deliver("command", f"sh -c 'cat > {got}'", body) == (True, "exit 0")
    assert json.loads(got.read_text()) == body
    # the hook's environment: not the worker's credentials, its own PROOFSHOT_HOOK_* settings
    envs = tmp_path / "env.txt"
    saved = {k: os.environ.get(k) for k in ("PT_TARGET_PASSWORD", "PROOFSHOT_HOOK_QUEUE",
                                             "PGPASSWORD")}
    os.environ.update({"PT_TARGET_PASSWORD": SECRET, "PROOFSHOT_HOOK_QUEUE": "noc",
                       "PGPASSWORD": TOKEN})
    try:
        assert deliver("command", f"sh -c 'env > {envs}'", body) == (True, "exit 0")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    seen = dict(ln.split("=", 1) for ln in envs.read_text().splitlines() if "=" in ln)
    assert seen.get("PROOFSHOT_HOOK_QUEUE") == "noc" and seen.get("PATH")
    assert SECRET not in envs.read_text() and TOKEN not in envs.read_text()
    assert deliver("command", "sh -c 'echo first >&2; echo ticket queue full >&2; exit 7'",
                   body) == (False, "exit 7: ticket queue full")
    ok, result = deliver("command", str(tmp_path / "no-such-hook"), body)
    assert not ok and "No such file" in result
