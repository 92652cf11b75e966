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
    out.mkdir()
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


# -- a report a customer signs (issue 11 §4) ---------------------------------------------------

HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


def rawtext(path: Path) -> str:
    """pdftotext as a reader copies it: line breaks kept, nothing joined."""
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.parametrize("lang", ["de", "en"])
def test_ids_and_hashes_copy_out_of_the_pdf_whole(made: dict[str, Any], lang: str) -> None:
    """Every snapshot id and every SHA-256 the report shows is in the PDF's text on one line,
    unbroken; no value is hyphenated."""
    html = made["files"][f"ev-{lang}-html"].read_text()
    shown = set(HEX64.findall(html))
    assert {made["before"], made["after"]} <= shown
    assert len(shown) > 10  # the files' sha256 before and after, merkle roots, ids
    text = rawtext(made["files"][f"ev-{lang}-pdf"])
    visible = re.sub(r"<(style|title)\b.*?</\1>|<[^>]+>", " ", html, flags=re.S)
    cut = sorted(h for h in shown if text.count(h) < visible.count(h))  # every place it shows
    assert not cut, cut
    assert not re.search(r"[0-9a-f]{6,}[‐-]\s*\n\s*[0-9a-f]", text)  # no hash cut with a hyphen
    docs = rawtext(made["files"]["docs-de-pdf"])
    assert made["after"] in docs


def test_times_are_dates_of_the_locale(made: dict[str, Any]) -> None:
    de = rawtext(made["files"]["ev-de-pdf"])
    en = rawtext(made["files"]["ev-en-pdf"])
    assert not re.search(r"\b1[6-9]\d{8}(\.\d+)?\b", de + en), "an epoch time in the report"
    assert re.search(r"Geändert am\s+\d{2}\.\d{2}\.20\d\d \d{2}:\d{2}:\d{2} UTC", de)
    assert re.search(r"Modified\s+[A-Z][a-z]{2} \d{1,2}, 20\d\d", en)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-zÄÖÜäöüß]{3,}", text))


def english_only_words() -> set[str]:
    """Words of the English catalogue (report messages, table/column labels, terms) that are
    not also German words of the German catalogue."""
    from io import StringIO

    from babel.messages.pofile import read_po

    from proofshot.model import labels

    en: set[str] = set()
    de: set[str] = set()
    for m in read_po(StringIO(po_text("de")), locale="de"):
        if not m.id:
            continue
        for i in (m.id if isinstance(m.id, tuple) else (m.id,)):
            en |= _words(i)
        for s in (m.string if isinstance(m.string, tuple) else (m.string,)):
            de |= _words(s)
    pairs = [*labels.TABLES.values(), *labels.COLUMNS.values(),
             *labels.COLUMN_OVERRIDES.values(), *labels.PHRASES.values(),
             *(p for group in labels.TERMS.values() for p in group.values())]
    for e, g in pairs:
        en |= _words(e)
        de |= _words(g)
    for t, r in labels.FINDINGS_DE.values():
        de |= _words(t) | _words(r)
    german = {w.lower() for w in de}
    return {w for w in en if w.lower() not in german}


def recorded_values(store: Path, *snapshots: str) -> set[str]:
    """Words that are values: in the snapshots' rows, target reasons and labels, the findings'
    rule ids and subjects, and the commands the integrity page quotes."""
    words = {"proofshot", "verify", "export", "bundle", "zip", "out", "python", "cryptography"}
    for sid in snapshots:
        words |= _words(ps("show", sid, "--json", "--store", str(store)).stdout)
        words |= _words(ps("findings", sid, "--json", "--store", str(store)).stdout)
    return words


def test_german_reports_have_no_english_words(made: dict[str, Any]) -> None:
    english = english_only_words()
    assert {"Summary", "Changes", "changed", "Technician", "Files"} <= english  # the check bites
    values = recorded_values(made["store"], made["before"], made["after"])
    for key in ("ev-de-pdf", "docs-de-pdf"):
        text = pdftext(made["files"][key])
        left = sorted(w for w in _words(text) if w in english and w not in values)
        assert not left, (key, left)


def test_provider_identity_signoff_and_german_job_record(made: dict[str, Any],
                                                         tmp_path: Path) -> None:
    """Company, address and logo on the title page, the company in every page footer, the
    technician's full name, the sign-off block last, the job record in German."""
    store = tmp_path / "store"
    shutil.copytree(made["store"], store)
    st = str(store)
    logo = tmp_path / "logo.png"
    png = subprocess.run(["pdftoppm", "-png", "-r", "10", "-f", "1", "-l", "1",
                          str(made["files"]["ev-de-pdf"])], capture_output=True, check=True)
    logo.write_bytes(png.stdout)
    for name, value in (("company", "Muster IT GmbH"),
                        ("company-address", "Hauptstraße 1, 12345 Musterstadt"),
                        ("company-logo", str(logo)), ("technician", "Erika Mustermann")):
        r = ps("config", "set", name, value, "--store", st)
        assert r.returncode == 0, r.stderr
    bad = ps("config", "set", "company-logo", str(made["files"]["ev-de-html"]), "--store", st)
    assert bad.returncode == 2 and "neither a PNG nor an SVG" in bad.stderr
    eid = ps("engagement", "start", "Firewall-Migration", "--customer", "Muster GmbH",
             "--store", st).stdout.split()[-1]
    for args in (["link", "before", "before"], ["link", "after", "after"]):
        assert ps("engagement", *args, "--store", st).returncode == 0
    item = ps("engagement", "item", "receive", "Büroschlüssel Nr. 3", "--from", "Meier",
              "--store", st).stdout.split()[-1]
    assert ps("engagement", "item", "return", item, "--to", "Meier", "--store",
              st).returncode == 0
    out = tmp_path / "signed-de.pdf"
    r = ps("report", "--out", str(out), "--lang", "de", "--store", st)  # the current job
    assert r.returncode == 0, r.stderr
    pages = rawtext(out).split("\f")
    pages = [p for p in pages if p.strip()]
    assert "Muster IT GmbH" in pages[0] and "Hauptstraße 1, 12345 Musterstadt" in pages[0]
    assert pages[0].lstrip().startswith("Muster IT GmbH")  # the brand line, not "proofshot"
    assert "Erika Mustermann" in pages[0]
    for p in pages[1:]:
        assert "Muster IT GmbH ·" in p, p[-300:]  # the footer of every page
    flat = re.sub(r"\s+", " ", pages[-1])
    assert "Abnahme" in flat and "Für den Kunden" in flat and "Techniker" in flat
    for word in ("Name", "Ort", "Datum", "Unterschrift", "Erika Mustermann", "Muster GmbH"):
        assert word in flat, word
    assert "bestätigen" in flat
    images = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    assert len(images) >= 1  # the logo
    text = re.sub(r"\s+", " ", pdftext(out))
    assert "übergeben von: Meier" in text and "zurückgegeben an: Meier" in text
    assert "Firewall-Migration" in text and eid[:12] not in ("",)
    left = sorted(w for w in _words(pdftext(out)) if w in english_only_words()
                  and w not in recorded_values(store, made["before"], made["after"]))
    assert not left, left


def test_network_map_is_a_picture_with_legend_id_and_date(made: dict[str, Any]) -> None:
    html = made["files"]["docs-en-html"].read_text()
    assert "<svg" in html and "Legend:" in html
    assert f"Map of snapshot {made['after']}" in html
    text = re.sub(r"\s+", " ", pdftext(made["files"]["docs-de-pdf"]))
    assert "Legende:" in text and f"Karte des Snapshots {made['after']}" in text
    assert re.search(r"erfasst am \d{2}\.\d{2}\.20\d\d", text)
