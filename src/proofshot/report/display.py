"""Values as a report shows them in its language: table and column labels from the catalogue
(model/labels.py), vocabulary words (severities, statuses, path kinds, roles, item events), finding
texts, and cells: timestamps as dates of the locale, yes/no, lists joined, long values cut.

Values themselves (names, paths, hashes, ids) are never translated and never changed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from proofshot.model import labels
from proofshot.report.i18n import Formats, translations

MAX_CELL = 400

# columns that hold a time: seconds or days since the epoch, or ISO text (UTC)
EPOCH_SECONDS = {("files", "mtime")}
EPOCH_DAYS = {("users", "last_change"), ("users", "expire")}
ISO_TEXT = {("ad_users", "password_last_set"), ("ad_users", "account_expires"),
            ("ad_users", "last_logon"), ("ad_computers", "last_logon")}


@dataclass
class Display:
    lang: str = "en"
    fm: Formats = field(init=False)
    yes: str = field(init=False)
    no: str = field(init=False)

    def __post_init__(self) -> None:
        self.fm = Formats(self.lang)
        tr = translations(self.lang)
        self.yes, self.no = tr.gettext("yes"), tr.gettext("no")

    # -- labels and words ----------------------------------------------------------------

    def table(self, name: str | None) -> str:
        return labels.table_label(name, self.lang) if name else ""

    def column(self, table: str | None, col: str) -> str:
        return labels.column_label(table or "", col, self.lang)

    def term(self, word: Any, group: str) -> str:
        return labels.term(group, None if word is None else str(word), self.lang)

    def rights(self, rights: list[str] | tuple[str, ...]) -> str:
        return ", ".join(self.term(r, "right") for r in rights)

    def phrases(self, text: str) -> str:
        return labels.phrases(text, self.lang)

    def finding(self, f: Mapping[str, Any]) -> tuple[str, str]:
        return labels.finding_text(str(f.get("rule") or ""), str(f.get("title") or ""),
                                   str(f.get("remedy") or ""), self.lang)

    # -- values ---------------------------------------------------------------------------

    def value(self, v: Any) -> str:
        if v is None:
            return "–"
        if isinstance(v, bool):
            return self.yes if v else self.no
        if isinstance(v, list):
            s = ", ".join(self.value(x) for x in v) or "–"
        elif isinstance(v, dict):
            s = json.dumps(v, ensure_ascii=False, sort_keys=True)
        else:
            s = str(v)
        return s if len(s) <= MAX_CELL else s[: MAX_CELL - 1] + "…"

    def cell(self, v: Any, table: str | None = None, col: str | None = None) -> str:
        """One value of a table's column: times of the known time columns as dates."""
        where = (table or "", col or "")
        if v is not None and not isinstance(v, bool):
            try:
                if where in EPOCH_SECONDS and isinstance(v, (int, float)):
                    return self.fm.datetime(dt.datetime.fromtimestamp(float(v), dt.UTC))
                if where in EPOCH_DAYS and isinstance(v, int) and 0 <= v < 2_000_000:
                    return self.fm.date(dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
                                        + dt.timedelta(days=v))
                if where in ISO_TEXT and isinstance(v, str):
                    return self.fm.datetime(v)
            except (OverflowError, OSError, ValueError):
                pass
        return self.value(v)

    def key(self, key: Mapping[str, Any], table: str | None = None) -> str:
        vals = [self.cell(v, table, k) for k, v in key.items()]
        return " · ".join(vals) if len(vals) > 1 else (vals[0] if vals else "")

    def evidence(self, e: Any) -> str:
        """An evidence reference (target / table: key) with the table's label."""
        if isinstance(e, Mapping):
            table = e.get("table")
            where = " / ".join(x for x in (str(e.get("target") or ""), self.table(table)) if x)
            key = e.get("key")
            key_s = (self.key(key, table) if isinstance(key, Mapping)
                     else self.value(key) if key else "")
            return f"{where}: {key_s}" if key_s else where
        return self.value(e)
