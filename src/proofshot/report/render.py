"""Rendering: Jinja2 templates + message catalogues -> one self-contained HTML file or a PDF
(WeasyPrint), and the long tables of a documentation report as CSV files beside it."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from proofshot import __version__
from proofshot.engagement.identity import provider
from proofshot.model.errors import BadInput
from proofshot.model.snapshot import SnapshotReader
from proofshot.report import context as ctxmod
from proofshot.report.display import Display
from proofshot.report.i18n import LANGS, Formats, translations
from proofshot.store.api import EvidenceStore

SUFFIXES = (".pdf", ".html")


def check_args(out: Path, lang: str) -> str:
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise BadInput(f"--out {out}: the file name must end in .pdf or .html")
    if lang not in LANGS:
        raise BadInput(f"--lang {lang}: unknown language (use one of: {', '.join(LANGS)})")
    if not out.parent.is_dir():
        raise BadInput(f"--out {out}: the directory {out.parent} does not exist")
    return suffix


def css_string(value: Any) -> str:
    """A value as the inside of a double-quoted CSS string."""
    s = "" if value is None else str(value)
    return re.sub(r'[\\"\n\r]', lambda m: "\\" + format(ord(m.group()), "x") + " ", s)


def page_counter(text: str) -> str:
    """'Page %(page)s of %(pages)s' (translated) as CSS content with the page counters."""
    parts = re.split(r"(%\((?:page|pages)\)s)", text)
    out = []
    for p in parts:
        if p == "%(page)s":
            out.append("counter(page)")
        elif p == "%(pages)s":
            out.append("counter(pages)")
        elif p:
            out.append(f'"{css_string(p)}"')
    return " ".join(out)


def environment(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("proofshot.report", "templates"),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    tr = translations(lang)
    env.install_gettext_translations(tr, newstyle=True)  # type: ignore[attr-defined]
    fm = Formats(lang)
    d = Display(lang)
    env.filters.update({
        "num": fm.num, "date": fm.date, "datetime": fm.datetime, "css": css_string,
        "page_counter": page_counter, "short": lambda s: (s or "")[:12],
        "val": d.value, "tl": d.table, "term": d.term, "cell": d.cell,
        "quote": (lambda s: f"„{s}“") if lang == "de" else (lambda s: f"“{s}”"),
        "keep": keep,
    })
    return env


HASHLIKE = re.compile(r"\b[0-9a-f]{32,128}\b|\bSHA256:[A-Za-z0-9+/]{43}\b"
                      r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def keep(value: Any) -> Markup:
    """A value as HTML in which hashes and ids never break across lines (each in a no-wrap
    span), so they copy out of the PDF whole; the rest may wrap (never with a hyphen)."""
    text = str(escape("" if value is None else value))
    return Markup(HASHLIKE.sub(lambda m: f'<span class="nb h">{m.group()}</span>', text))


def render_html(data: Mapping[str, Any], lang: str) -> str:
    env = environment(lang)
    tpl = env.get_template("evidence.html" if data["kind"] == "evidence" else "docs.html")
    return tpl.render(ctx=data, lang=lang, version=__version__,
                      now=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def write_pdf(html: str, out: Path) -> None:
    try:
        import weasyprint  # imported late: it loads Pango, which only PDF output needs
    except OSError as exc:  # the shared libraries are missing
        raise BadInput(f"PDF output needs WeasyPrint's libraries (Pango): {exc}; "
                       "write .html instead") from None
    weasyprint.HTML(string=html, base_url=str(out.parent)).write_pdf(str(out))


def _csv_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return str(v)


def write_side_files(store: EvidenceStore, snap: SnapshotReader, out: Path) -> list[dict[str, Any]]:
    """Long tables as `<stem>.<table>.csv` beside the report; returns what was written."""
    written = []
    for name, (cols, rows) in ctxmod.side_tables(store, snap).items():
        path = out.with_name(f"{out.stem}.{name}.csv")
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            n = 0
            for r in rows:  # streamed from the store, row by row
                w.writerow([_csv_cell(v) for v in r])
                n += 1
        written.append({"table": name, "file": path.name, "rows": n})
    return written


def report(store: EvidenceStore, a: str, b: str | None, out: Path, lang: str = "de",
           engagement: str | None = None) -> list[Path]:
    """Render the evidence report (A and B) or the documentation of A; returns the files
    written (the report first)."""
    suffix = check_args(out, lang)
    ia = store.resolve(a)
    d = Display(lang)
    if b is not None:
        data = ctxmod.evidence(store, ia, store.resolve(b), engagement, d)
        side: list[dict[str, Any]] = []
    else:
        data = ctxmod.documentation(store, ia, d)
        side = write_side_files(store, data["a"]["snapshot"], out)
    data["side_files"] = side
    data["provider"] = provider(store)
    if not (data.get("engagement") or {}).get("technician") and data["provider"]["technician"]:
        data["technician"] = data["provider"]["technician"]  # the full name, not the login
    html = render_html(data, lang)
    if suffix == ".html":
        out.write_text(html, encoding="utf-8")
    else:
        write_pdf(html, out)
    return [out, *(out.with_name(s["file"]) for s in side)]
