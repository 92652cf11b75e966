"""Message catalogues and locale formats for the report.

The catalogues are the .po files under locales/<lang>/LC_MESSAGES/messages.po; they are compiled
to .mo in memory when a report is rendered (no build step, no stale compiled file). Message ids are
the English text, so English needs no translations and German names every string it translates.
"""

from __future__ import annotations

import functools
import gettext
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from proofshot.model.errors import BadInput

LANGS = ("de", "en")
DOMAIN = "messages"


def po_text(lang: str) -> str:
    ref = resources.files("proofshot.report") / "locales" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    return ref.read_text(encoding="utf-8")


@functools.lru_cache(maxsize=len(LANGS))
def translations(lang: str) -> gettext.GNUTranslations:
    if lang not in LANGS:
        raise BadInput(f"unknown report language '{lang}' (use one of: {', '.join(LANGS)})")
    catalog = read_po(io.StringIO(po_text(lang)), locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


@dataclass(frozen=True)
class Formats:
    """Numbers and dates in the report language's conventions (de: 1.234.567, 22.11.2026)."""

    lang: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.lang)

    def num(self, n: int | float | None) -> str:
        if n is None:
            return "–"
        return format_decimal(n, locale=self.locale)

    def date(self, value: str | datetime | None) -> str:
        dt = _parse(value)
        return format_date(dt, format="medium" if self.lang == "en" else "dd.MM.yyyy",
                           locale=self.locale) if dt else "–"

    def datetime(self, value: str | datetime | None) -> str:
        dt = _parse(value)
        if dt is None:
            return value if isinstance(value, str) and value else "–"
        pattern = "dd.MM.yyyy HH:mm:ss" if self.lang == "de" else "MMM d, yyyy HH:mm:ss"
        return format_datetime(dt, pattern, tzinfo=UTC, locale=self.locale) + " UTC"


def _parse(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
