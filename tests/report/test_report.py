"""Reports from a real before/after pair made like the end-to-end scenario (a private mount+net
namespace, planted changes): PDF and HTML, German and English, checked through pdftotext."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from proofshot.report.catalog import messages
from proofshot.report.i18n import Formats, po_text
from tests.e2e import sandbox
from tests.e2e.test_local_scenario import PLANTED, SCRIPT, SHADOW_HASH


def ps(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "proofshot", *args], capture_output=True,
                          text=True, timeout=600)


def pdftext(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    return re.sub(r"[ \t]+", " ", out)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("report")
    store = work / "store"
    sandbox.run(SCRIPT, work, needs=("pdftotext",),
                env={"PLANTED": PLANTED, "SHADOW_HASH": SHADOW_HASH})
    out = work / "out"
    files: dict[str, Path] = {}
    for lang in ("de", "en"):
        for suffix in ("pdf", "html"):
            f = out / f"evidence-{lang}.{suffix}"
            r = ps("report", "before", "after", "--store", str(store), "--out", str(f),
                   "--lang", lang)
            assert r.returncode == 0, r.stderr
            assert r.stdout.strip() == str(f)
            files[f"ev-{lang}-{suffix}"] = f
    for lang, suffix in (("de", "pdf"), ("en", "html")):
        f = out / f"docs-{lang}.{suffix}"
        r = ps("report", "after", "--store", str(store), "--out", str(f), "--lang", lang)
        assert r.returncode == 0, r.stderr
        files[f"docs-{lang}-{suffix}"] = f
    return {"store": store, "files": files, "work": work, "out": out,
            "before": (work / "before.out").read_text().split()[-1],
            "after": (work / "after.out").read_text().split()[-1]}


def fingerprint(store: Path) -> str:
    from proofshot.store.embedded import Store

    return Store.open(store).keys.fingerprint


@pytest.mark.parametrize("lang", ["de", "en"])
def test_evidence_pdf_carries_changes_verdict_and_integrity(made: dict[str, Any],
                                                             lang: str) -> None:
    text = pdftext(made["files"][f"ev-{lang}-pdf"])
    flat = re.sub(r"\s+", " ", text)
    # the planted changes
    assert "pstester" in text
    assert "/etc/ssh/sshd_config" in text and "+Port 2222" in text
    assert "/etc/issue" in text and "0644" in text and "0600" in text
    assert "45678" in text
    # the verdict, summary and integrity block
    if lang == "de":
        assert re.search(r"\d+ Änderungen auf 1 Zielsystem; 0 Teile konnten nicht geprüft "
                         r"werden\.", flat), flat[:2000]
        for word in ("Zusammenfassung", "Änderungen im Einzelnen", "Nachweislich unverändert",
                     "Integrität", "Signatur", "Schlüssel-Fingerabdruck", "Seite 2 von",
                     "Inhalt", "Anhang: flüchtige Werte"):
            assert word in flat, word
        assert "Page " not in flat and "Summary" not in flat
    else:
        assert re.search(r"\d+ changes on 1 target; 0 parts could not be verified\.", flat)
        for word in ("Summary", "Changes in detail", "Verified unchanged", "Integrity",
                     "Key fingerprint", "Page 2 of", "Contents"):
            assert word in flat, word
        assert "Änderungen" not in flat
    for sid in (made["before"], made["after"]):
        assert sid in flat.replace(" ", "") or sid in flat
    assert fingerprint(made["store"]) in flat
    assert "proofshot verify" in flat and "verify_bundle.py bundle.zip" in flat
    assert PLANTED not in text and SHADOW_HASH not in text


def test_locale_formats_in_the_pdf(made: dict[str, Any]) -> None:
    de = re.sub(r"\s+", " ", pdftext(made["files"]["ev-de-pdf"]))
    en = re.sub(r"\s+", " ", pdftext(made["files"]["ev-en-pdf"]))
    # dates: 22.11.2026 against Nov 22, 2026; numbers: 1.767 against 1,767
    assert re.search(r"\b\d{2}\.\d{2}\.20\d\d \d{2}:\d{2}:\d{2} UTC", de)
    assert re.search(r"\b[A-Z][a-z]{2} \d{1,2}, 20\d\d \d{2}:\d{2}:\d{2} UTC", en)
    rows_de = re.search(r"(\d{1,3}(?:\.\d{3})+) Zeilen", de)
    rows_en = re.search(r"(\d{1,3}(?:,\d{3})+) rows", en)
    assert rows_de and rows_en, (de[:1500], en[:1500])
    assert rows_de.group(1).replace(".", "") == rows_en.group(1).replace(",", "")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_html_is_one_self_contained_file(made: dict[str, Any], lang: str) -> None:
    html = made["files"][f"ev-{lang}-html"].read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{lang}">' in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", html)
    assert not re.search(r"<link\b", html) and not re.search(r"<script[^>]*\bsrc=", html)
    assert not re.search(r"""src\s*=\s*["'](?!data:)""", html)
    assert "@import" not in html and "url(" not in html.replace("url(data:", "")
    assert "pstester" in html and "Port 2222" in html
    assert ("Nachweisbericht" if lang == "de" else "Evidence report") in html


def test_documentation_report_and_side_files(made: dict[str, Any]) -> None:
    text = re.sub(r"\s+", " ", pdftext(made["files"]["docs-de-pdf"]))
    for word in ("IT-Dokumentation", "Datenblätter", "Betriebssystem", "Benutzer",
                 "Integrität", "docs-de.packages.csv", "Seite 2 von", "localhost"):
        assert word in text, word
    assert "pstester" in text  # the user the work added is in the after snapshot
    assert made["after"] in text.replace(" ", "")
    pk = made["out"] / "docs-de.packages.csv"
    lines = pk.read_text().splitlines()
    assert lines[0].startswith("target,manager,name,arch")
    assert len(lines) - 1 == sandbox.packages_in(made["work"]) > 0  # a header, a line each
    assert all(ln.startswith("localhost,") for ln in lines[1:])
    html = made["files"]["docs-en-html"].read_text()
    assert "IT documentation" in html and "docs-en.files.csv" in html
    assert (made["out"] / "docs-en.files.csv").is_file()


def test_pdf_pages_render(made: dict[str, Any], tmp_path: Path) -> None:
    """Every page of the PDF renders, and none renders blank (the images are for a person to
    look at; not kept). pdftoppm -gray writes binary PGM: a header, then one byte a pixel."""
    if shutil.which("pdftoppm") is None or shutil.which("pdfinfo") is None:
        pytest.skip("needs pdftoppm and pdfinfo (poppler-utils, installed by .ci/install)")
    pdf = made["files"]["ev-de-pdf"]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    m = re.search(r"^Pages:\s+(\d+)$", info.stdout, re.M)
    assert m, info.stdout
    pages = int(m.group(1))
    subprocess.run(["pdftoppm", "-r", "30", "-gray", str(pdf), str(tmp_path / "p")],
                   check=True, timeout=300)
    images = sorted(tmp_path.glob("p-*.pgm"))
    assert len(images) == pages >= 6
    for img in images:
        data = img.read_bytes()
        head = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", data)
        assert head, img.name
        pixels = data[head.end():]
        assert len(pixels) == int(head.group(1)) * int(head.group(2))
        inked = sum(1 for b in pixels if b < 200) / len(pixels)
        assert inked > 0.005, f"{img.name} is blank ({inked:.4%} dark pixels)"


def test_bad_suffix_and_language_exit_2(tmp_path: Path) -> None:
    for args, needle in ((["--out", str(tmp_path / "r.docx")], ".pdf or .html"),
                         (["--out", str(tmp_path / "r.pdf"), "--lang", "fr"], "fr")):
        r = ps("report", "a", "b", *args, "--store", str(tmp_path / "nostore"))
        assert r.returncode == 2, r.stderr
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and needle in lines[0] and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_catalogues_cover_every_message() -> None:
    """German translates every message the templates and modules use; neither catalogue holds
    stale ids; placeholders survive translation."""
    from io import StringIO

    from babel.messages.pofile import read_po

    used = {m if isinstance(m, str) else m[0] for m in messages()}
    for lang in ("de", "en"):
        cat = read_po(StringIO(po_text(lang)), locale=lang)
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in cat if m.id}
        assert ids == used, (lang, sorted(used - ids), sorted(ids - used))
        if lang == "de":
            for m in cat:
                if not m.id:
                    continue
                strings = m.string if isinstance(m.string, tuple) else (m.string,)
                assert all(strings), m.id
                mid = m.id if isinstance(m.id, str) else m.id[0]
                for s in strings:
                    assert set(re.findall(r"%\(\w+\)s", s)) == set(
                        re.findall(r"%\(\w+\)s", mid)), m.id


def test_locale_formats() -> None:
    de, en = Formats("de"), Formats("en")
    assert de.num(1234567) == "1.234.567" and en.num(1234567) == "1,234,567"
    assert de.date("2026-11-22T01:02:03Z") == "22.11.2026"
    assert en.date("2026-11-22T01:02:03Z") == "Nov 22, 2026"
    assert de.datetime("2026-11-22T01:02:03Z") == "22.11.2026 01:02:03 UTC"


def test_engagement_section(made: dict[str, Any]) -> None:
    """Job record with a work log, an entrusted item handed back and a control pair."""
    st = str(made["store"])
    eid = ps("engagement", "start", "Firewall-Migration", "--customer", "Muster GmbH",
             "--technician", "Erika Muster", "--store", st).stdout.split()[-1]
    for args in (["note", "Port auf 2222 umgestellt"], ["link", "before", "before"],
                 ["link", "after", "after"], ["link", "control", "before"],
                 ["link", "control-after", "idle"]):
        r = ps("engagement", *args, "--store", st)
        assert r.returncode == 0, r.stderr
    item = ps("engagement", "item", "receive", "Büroschlüssel Nr. 3", "--from", "Herr Meier",
              "--store", st).stdout.split()[-1]
    assert ps("engagement", "item", "return", item, "--to", "Herr Meier",
              "--store", st).returncode == 0
    out = made["out"] / "engagement-de.html"
    r = ps("report", "before", "after", "--engagement", eid[:12], "--store", st, "--out",
           str(out), "--lang", "de")
    assert r.returncode == 0, r.stderr
    html = out.read_text()
    for needle in ("Muster GmbH", "Firewall-Migration", "Arbeitsprotokoll",
                   "Port auf 2222 umgestellt", "Büroschlüssel Nr. 3", "zurückgegeben",
                   "Herr Meier", "Kontrollpaar", "Kontrollzeitraum"):
        assert needle in html, needle
