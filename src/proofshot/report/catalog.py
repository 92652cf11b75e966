"""The messages the report uses, extracted from its templates and modules (for the catalogue
check in the tests and for updating the .po files by hand)."""

from __future__ import annotations

from importlib import resources

from babel.messages.extract import extract

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def messages() -> set[str | tuple[str, str]]:
    """Every msgid (a string, or (singular, plural)) used by the report."""
    out: set[str | tuple[str, str]] = set()
    pkg = resources.files("proofshot.report")
    sources = [(p, "jinja2.ext:babel_extract") for p in (pkg / "templates").iterdir()
               if p.name.endswith((".html", ".css"))]
    sources += [(p, "python") for p in pkg.iterdir() if p.name.endswith(".py")]
    for path, method in sources:
        with path.open("rb") as fh:
            opts = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true",
                    "trim_blocks": "true", "lstrip_blocks": "true"}
            for _lineno, msg, _comments, _ctx in extract(method, fh, KEYWORDS, options=opts):
                if isinstance(msg, tuple):
                    out.add((str(msg[0]), str(msg[1])))
                else:
                    out.add(msg)
    return out
