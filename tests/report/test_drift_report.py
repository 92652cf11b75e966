"""The evidence report shows drift: changes between its two snapshots that fall outside every
engagement's window, with the window and the engagement windows they were held against; and it
says so when there is none (a change inside an open engagement's window, no change at all, or
snapshots of different customers). Checked on the rendered HTML and on the PDF's text
(pdftotext), German and English, from a real directory store with a signed job record."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from proofshot.engagement import record
from proofshot.report.render import report
from proofshot.store.embedded import Store
from tests.synth import commit, row


def ps(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "proofshot", *args], capture_output=True,
                          text=True, timeout=300)


def flat_pdf(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    return re.sub(r"\s+", " ", out)


def flat_html(path: Path) -> str:
    text = re.sub(r"<[^>]+>", " ", path.read_text())
    return re.sub(r"\s+", " ", text.replace("&#39;", "'").replace("&#160;", " "))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("drift-report")
    st = Store.create(work / "store")
    try:
        old = record.start(st, "Old migration", "Muster GmbH", "Erika Muster")
        record.close(st, old, force_reason="done before the snapshots")
        time.sleep(1.1)  # the snapshots' window starts after the old job closed
        commit(st, "mon", {"srv": {"items": [row(i) for i in range(6)]},
                           "fw": {"items": [row(1)]}}, customer="Muster GmbH")
        time.sleep(1.1)
        commit(st, "tue", {"srv": {"items": [row(i) for i in range(7)]},
                           "fw": {"items": [row(1, mode="0600")]}}, customer="Muster GmbH")
        time.sleep(1.1)
        record.start(st, "Firewall job", "Muster GmbH", "Erika Muster")  # open from now on
        time.sleep(1.1)
        commit(st, "wed", {"srv": {"items": [row(i) for i in range(8)]},
                           "fw": {"items": [row(1, mode="0600")]}}, customer="Muster GmbH")
        commit(st, "other", {"srv": {"items": [row(i) for i in range(9)]}}, customer="Other AG")
        out: dict[str, Any] = {}
        for a, b in (("mon", "tue"), ("tue", "wed"), ("wed", "wed"), ("wed", "other")):
            for lang in ("de", "en"):
                # the PDF of the two main cases; the HTML of every case (same template)
                for suffix in (("pdf", "html") if b in ("tue", "wed") and a != b else ("html",)):
                    f = work / f"{a}-{b}-{lang}.{suffix}"
                    report(st, a, b, f, lang)
                    out[(a, b, lang, suffix)] = flat_pdf(f) if suffix == "pdf" else flat_html(f)
    finally:
        st.close()
    r = ps("report", "mon", "tue", "--store", str(work / "store"), "--out",
           str(work / "cli.html"), "--lang", "en")  # the CLI renders the same section
    assert r.returncode == 0, r.stderr
    assert "2 changes fall outside every engagement" in flat_html(work / "cli.html")
    return out


WORDS = {
    "en": {"section": "Changes outside every engagement",
           "summary": "Outside every engagement", "summary_none": "Outside every engagement no change",
           "outside": "2 changes fall outside every engagement's window",
           "checked": "Engagement windows checked against", "old": "Old migration",
           "inside": "None: the window overlaps an engagement of this customer",
           "nochange": "None: there is no change to check.",
           "customers": "Not checked: the two snapshots belong to different customers.",
           "window": r"Window [A-Z][a-z]{2} \d{1,2}, 20\d\d \d\d:\d\d:\d\d UTC to "
                     r"[A-Z][a-z]{2} \d{1,2}, 20\d\d \d\d:\d\d:\d\d UTC"},
    "de": {"section": "Änderungen außerhalb jedes Auftrags",
           "summary": "Außerhalb jedes Auftrags", "summary_none": "Außerhalb jedes Auftrags keine Änderung",
           "outside": "2 Änderungen liegen außerhalb des Zeitraums jedes Auftrags",
           "checked": "Geprüfte Auftragszeiträume", "old": "Old migration",
           "inside": "Keine: Der Zeitraum überschneidet sich mit einem Auftrag dieses Kunden",
           "nochange": "Keine: Es gibt keine Änderung zu prüfen.",
           "customers": "Nicht geprüft: Die beiden Snapshots gehören zu verschiedenen Kunden.",
           "window": r"Zeitraum \d\d\.\d\d\.20\d\d \d\d:\d\d:\d\d UTC bis "
                     r"\d\d\.\d\d\.20\d\d \d\d:\d\d:\d\d UTC"},
}


@pytest.mark.parametrize("suffix", ["pdf", "html"])
@pytest.mark.parametrize("lang", ["de", "en"])
def test_drift_outside_every_engagement_is_shown_with_the_windows_checked(
        made: dict[str, Any], lang: str, suffix: str) -> None:
    w = WORDS[lang]
    text = made[("mon", "tue", lang, suffix)]
    assert w["section"] in text
    assert w["outside"] in text, text[text.find(w["section"]):][:1500]
    assert re.search(w["window"], text)
    # the closed engagement it was held against, with its window; it does not overlap
    assert w["checked"] in text and w["old"] in text
    part = text[text.find(w["checked"]):]
    assert re.search(r"Old migration .{0,200}?\b(no|nein)\b", part), part[:600]
    # per target: srv one row added, fw one row changed
    assert re.search(r"\bfw 0 0 1 1\b", text), text[:3000]
    assert re.search(r"\bsrv 1 0 0 1\b", text)
    assert w["inside"] not in text and w["nochange"] not in text
    assert re.search(w["summary"] + r" 2 ", text)  # the summary's line


@pytest.mark.parametrize("suffix", ["pdf", "html"])
@pytest.mark.parametrize("lang", ["de", "en"])
def test_no_drift_is_said_so(made: dict[str, Any], lang: str, suffix: str) -> None:
    w = WORDS[lang]
    inside = made[("tue", "wed", lang, suffix)]
    assert w["section"] in inside and w["inside"] in inside and w["summary_none"] in inside
    assert w["outside"][2:] not in inside
    part = inside[inside.find(w["checked"]):]
    assert re.search(r"Firewall job .{0,200}?\b(yes|ja)\b", part), part[:600]
    assert re.search(r"Old migration .{0,200}?\b(no|nein)\b", part), part[:600]
    if suffix == "html":
        assert w["nochange"] in made[("wed", "wed", lang, suffix)]
        assert w["customers"] in made[("wed", "other", lang, suffix)]


def test_many_engagements_the_overlapping_and_the_nearest_are_listed() -> None:
    from proofshot.engagement.model import Engagement
    from proofshot.service import DriftCheck
    from proofshot.service._drift import MAX_ENGAGEMENTS

    def eng(i: int, opened: str, closed: str | None) -> Engagement:
        return Engagement(f"e{i:02d}", f"job {i}", "C", "t", opened, closed)

    # 25 closed jobs on the days before the window (Nov 1..25), the window Nov 26-27, one open
    # job from Nov 27 (overlaps) and 5 after the window (Dec 1..5)
    before = [eng(i, f"2026-11-{i:02d}T08:00:00Z", f"2026-11-{i:02d}T17:00:00Z")
              for i in range(1, 26)]
    overlap = eng(26, "2026-11-27T09:00:00Z", None)
    after = [eng(30 + i, f"2026-12-{i:02d}T08:00:00Z", f"2026-12-{i:02d}T17:00:00Z")
             for i in range(1, 6)]
    engs = [*before, overlap, *after]
    chk = DriftCheck("2026-11-26T00:00:00Z", "2026-11-27T12:00:00Z", "C", True, None, engs,
                     [overlap], [], 3, 0)
    got = [g.id for g in chk.nearest()]
    assert len(got) == MAX_ENGAGEMENTS and "e26" in got
    # nearest: the latest closed ones before and the earliest after; the oldest are left out
    assert {"e25", "e24", "e31", "e32", "e35"} <= set(got)
    assert "e01" not in got and "e05" not in got
    assert got == sorted(got, key=lambda i: [g.id for g in engs].index(i))  # time order kept
    few = DriftCheck(chk.start, chk.end, "C", True, None, engs[:5], [], [], 3, 3)
    assert [g.id for g in few.nearest()] == ["e01", "e02", "e03", "e04", "e05"]
