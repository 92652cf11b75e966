r"""The access sections of the reports, rendered from snapshots written through the real store:
the evidence report's delta (alice gained write on \\files\public\finance through her new group,
bob lost his ACE), the documentation's principal -> resource -> rights table (cut, with a note)
and a share whose share-level ACL was not read. HTML in both languages, and one PDF."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from typing import Any

import pytest

from proofshot.collectors.ldap import tables as LT
from proofshot.collectors.smb import tables as ST
from proofshot.report import context
from proofshot.report.render import report
from proofshot.store.embedded import Store
from tests.synth import commit
from tests.views.test_access_eval import CHANGE, EVERYONE, FULL, READ, ace, ad, files

DECL = {t.name: t for t in (*LT.TABLES, *ST.TABLES)}
FIN = "\\\\files\\public\\finance"
ALICE_VIA = ("PSLAB\\Finance-Team -> PSLAB\\Finance-Editors -> ACE allow;OI|CI;0x001301bf "
             "∩ share ACE allow;;0x001f01ff (Everyone)")


def _snapshot(store: Store, label: str, alice_in_team: bool, bob: bool,
              share_read: bool = True) -> str:
    directory = ad()
    if not alice_in_team:
        directory["ad_memberships"] = [m for m in directory["ad_memberships"]
                                       if m["member"] != "alice"]
    ntfs = [ace("allow", "OI|CI", CHANGE, "Finance-Editors", 0)]
    if bob:
        ntfs.append(ace("allow", "", READ, "bob", 1))
    tables = files(ntfs, [ace("allow", "", FULL, EVERYONE, 0)] if share_read else None)
    unverifiable = {} if share_read else {"files": {"smb_share_acl": {
        "status": "denied", "reason": "WERR_ACCESS_DENIED"}}}
    return commit(store, label, {"ad": directory, "files": tables}, tables=DECL,
                  unverifiable=unverifiable)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("access-report")
    store = Store.create(root / "store")
    ids = {"before": _snapshot(store, "before", False, True),
           "after": _snapshot(store, "after", True, False),
           "noshare": _snapshot(store, "noshare", True, False, share_read=False)}
    (root / "out").mkdir()
    return {"store": store, "ids": ids, "out": root / "out"}


def _section(page: str) -> str:
    """The access section's text after its number, tags stripped, spaces collapsed."""
    m = re.search(r'<h1 id="access">\d+(.*?)</section>', page, re.S)
    assert m, "no access section"
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", m.group(1)))).strip()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_evidence_report_shows_who_gained_and_lost_what_through_which_chain(
        made: dict[str, Any], lang: str) -> None:
    out = made["out"] / f"evidence-{lang}.html"
    report(made["store"], made["ids"]["before"], made["ids"]["after"], out, lang)
    text = _section(out.read_text())
    gained, lost = ("Hinzugewonnene Rechte", "Verlorene Rechte") if lang == "de" else (
        "Rights gained", "Rights lost")
    head = "Änderungen der Zugriffsrechte" if lang == "de" else "Access changes"
    assert text.startswith(head) and gained in text and lost in text
    g, rest = text.split(gained, 1)[1].split(lost, 1)
    rights = ("löschen, ausführen, lesen, schreiben" if lang == "de" else
              "delete, execute, read, write")
    via = ALICE_VIA.replace("share ACE", "Freigabe-ACE") if lang == "de" else ALICE_VIA
    assert f"PSLAB\\alice {FIN} {rights} {via}" in g
    assert "bob" not in g and "alice" not in rest
    share_ace = "Freigabe-ACE" if lang == "de" else "share ACE"
    assert (f"PSLAB\\bob {FIN} {'ausführen, lesen' if lang == 'de' else 'execute, read'} ACE "
            f"allow;;0x001200a9 ∩ {share_ace} allow;;0x001f01ff (Everyone)") in rest


def test_evidence_report_names_a_share_acl_it_could_not_compare(made: dict[str, Any]) -> None:
    out = made["out"] / "noshare-en.html"
    report(made["store"], made["ids"]["after"], made["ids"]["noshare"], out, "en")
    text = _section(out.read_text())
    assert "Rights gained None. Rights lost None." in text
    assert re.search(r"Not verifiable Target Reason files share-level ACLs not known in both "
                     r"snapshots \(after: smb_share_acl not collected: WERR_ACCESS_DENIED\)",
                     text), text


def test_documentation_lists_principal_resource_rights_and_says_when_cut(
        made: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    out = made["out"] / "docs-en.html"
    report(made["store"], made["ids"]["after"], None, out, "en")
    text = _section(out.read_text())
    assert text.startswith("Access matrix Who may do what where")
    assert f"PSLAB\\alice {FIN} delete, execute, read, write {ALICE_VIA}" in text
    assert f"PSLAB\\Finance-Editors {FIN} delete, execute, read, write" in text
    assert "lists them all" not in text and "Share-level ACL not read" not in text
    monkeypatch.setattr(context, "MAX_ACCESS", 2)
    out = made["out"] / "docs-de.html"
    report(made["store"], made["ids"]["after"], None, out, "de")
    text = _section(out.read_text())
    assert text.startswith("Zugriffsmatrix Wer darf was wo")
    assert "PSLAB\\alice " in text and "PSLAB\\dave " in text
    assert f"PSLAB\\Finance-Editors {FIN}" not in text
    assert (f"2 von 3 Zeilen sind aufgeführt; proofshot access {made['ids']['after'][:12]} "
            "listet alle.") in text


def test_documentation_says_which_share_acl_was_not_read(made: dict[str, Any]) -> None:
    out = made["out"] / "docs-noshare.html"
    report(made["store"], made["ids"]["noshare"], None, out, "en")
    text = _section(out.read_text())
    assert ("Share-level ACL not read The folders of these shares are listed with their NTFS "
            "rights only.") in text
    assert "files all shares smb_share_acl not collected: WERR_ACCESS_DENIED" in text
    de = made["out"] / "docs-noshare-de.html"
    report(made["store"], made["ids"]["noshare"], None, de, "de")
    assert "files alle Freigaben smb_share_acl not collected" in _section(de.read_text())
    assert (f"PSLAB\\alice {FIN} delete, execute, read, write PSLAB\\Finance-Team -> "
            "PSLAB\\Finance-Editors -> ACE allow;OI|CI;0x001301bf ∩ share ACL not read: NTFS "
            "rights only") in text
    assert ("löschen, ausführen, lesen, schreiben PSLAB\\Finance-Team -> "
            "PSLAB\\Finance-Editors -> ACE allow;OI|CI;0x001301bf ∩ Freigabe-ACL nicht gelesen: "
            "nur NTFS-Rechte") in _section(de.read_text())


def test_the_pdf_carries_the_access_changes(made: dict[str, Any]) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("needs pdftotext (poppler-utils, installed by .ci/install)")
    out = made["out"] / "evidence-de.pdf"
    report(made["store"], made["ids"]["before"], made["ids"]["after"], out, "de")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = re.sub(r"\s+", " ", text)
    assert "Änderungen der Zugriffsrechte" in flat and "Hinzugewonnene Rechte" in flat
    assert "PSLAB\\alice" in flat and "Finance-Editors" in flat
    assert "0x001301bf" in flat.replace(" ", "")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_sudo_rule_gaining_nopasswd_is_one_changed_grant_in_the_report(
        tmp_path: Any, lang: str) -> None:
    """alice's sudo rule gains NOPASSWD: the same grant, its password condition changed; not
    a path lost and another gained (the sudoers rows come from the collector's parser)."""
    from proofshot.collectors.linux import tables as XT
    from proofshot.collectors.linux.parsers.accounts import parse_sudoers
    from proofshot.service import compare

    decl = {t.name: t for t in XT.TABLES}
    store = Store.create(tmp_path / "store")

    def snap(label: str, rule: str) -> str:
        rows = parse_sudoers(f"/etc/sudoers.d/ops\0{rule}\n/etc/sudoers\0root ALL=(ALL) ALL\n")
        return commit(store, label, {"web1": {"sudoers": rows, "group_members": []}},
                      tables=decl)

    a = snap("before", "alice ALL=(ALL) ALL")
    b = snap("after", "alice ALL=(ALL) NOPASSWD: ALL")
    access = compare(store, a, b, job=False, drift=False).to_json()["access"]
    assert access["gained"] == [] and access["lost"] == []
    assert [(c["principal"], c["change"]) for c in access["changed"]] == [
        ("web1\\alice", {"condition": "password", "before": "required",
                         "after": "not-required"})]
    if lang == "en":  # the terminal diff's access section: one line, ~, what changed
        import sys
        r = subprocess.run([sys.executable, "-m", "proofshot", "diff", a, b, "--store",
                            str(tmp_path / "store")], capture_output=True, text=True,
                           timeout=300, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
        assert r.returncode == 0, r.stderr
        acc = r.stdout.split("\naccess\n", 1)[1].splitlines()
        sudo = [ln.strip() for ln in acc if "sudo" in ln]
        assert sudo == ["~ web1\\alice changed sudo on web1:sudo via sudoers /etc/sudoers.d/"
                        "ops: alice ALL=(ALL) NOPASSWD: ALL: password required -> no password"
                        ], r.stdout
    out = tmp_path / f"evidence-{lang}.html"
    report(store, a, b, out, lang)
    text = _section(out.read_text())
    if lang == "de":
        assert "Hinzugewonnene Rechte Keine. Verlorene Rechte Keine." in text, text
        assert ("Geänderte Berechtigungen Prinzipal Ressource Rechte Über Änderung web1\\alice "
                "web1:sudo sudo sudoers /etc/sudoers.d/ops: alice ALL=(ALL) NOPASSWD: ALL "
                "Passwort erforderlich → ohne Passwort") in text, text
    else:
        assert "Rights gained None. Rights lost None." in text, text
        assert ("Grants changed Principal Resource Rights Through Change web1\\alice web1:sudo "
                "sudo sudoers /etc/sudoers.d/ops: alice ALL=(ALL) NOPASSWD: ALL "
                "password required → no password") in text, text
