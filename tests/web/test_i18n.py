"""Every message of the web UI's templates has its German text (in the web's catalogue, or in
the report's, which the web falls back to)."""

from __future__ import annotations

from importlib import resources

from babel.messages.extract import extract

from proofshot.web.app import _web_translations
from proofshot.web.data import GROUPS

OPTS = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true", "trim_blocks": "true",
        "lstrip_blocks": "true"}


def test_every_template_message_is_german() -> None:
    de = _web_translations("de")
    ids: set[str] = {g for g, _ in GROUPS} | {"other", "held", "returned", "lost", "kept"}
    for p in (resources.files("proofshot.web") / "templates").iterdir():
        with p.open("rb") as fh:
            for _line, msg, _c, _x in extract("jinja2.ext:babel_extract", fh, {"_": None},
                                              options=OPTS):
                assert isinstance(msg, str)
                ids.add(msg)
    assert len(ids) > 100
    same = {"Snapshot", "Snapshots", "Status", "Port", "Hosts", "snapshot", "snapshots",
            "Software", "software"}
    missing = sorted(i for i in ids if de.gettext(i) == i and i not in same)
    assert missing == []
    assert de.gettext("changes") == "Änderungen"
    assert de.gettext("Changes in detail") == "Änderungen im Einzelnen"  # the report's own


def test_access_change_words_reach_the_diff_page_in_both_languages() -> None:
    """The diff page's access list names a kept grant's changed condition in the language."""
    from proofshot.web.app import _environment

    envs = _environment()
    row = '{{ term("sudo-password", "required") }} → {{ term("sudo-password", "not-required") }}'
    assert envs["de"].from_string(row).render() == "Passwort erforderlich → ohne Passwort"
    assert envs["en"].from_string(row).render() == "password required → no password"
