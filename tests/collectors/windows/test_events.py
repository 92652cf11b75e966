"""Change events (win_events) as Get-WinEvent's ToXml gives them: who did what to what."""

from __future__ import annotations

from proofshot.collectors.windows import parsers as P
from proofshot.collectors.windows import tables as T
from tests.collectors.windows.host import event

WHEN = "2026-06-01T10:02:11.1234567Z"


def _row(ev: dict[str, object]) -> dict[str, object]:
    (row,) = [T.EVENTS.validate(r) for r in P.event_rows([ev])]
    return row


def test_group_membership_and_account_events() -> None:
    r = _row(event("Security", 5, 4732, WHEN, SubjectUserName="tech", SubjectDomainName="EX",
                   MemberName="CN=Erin,OU=Staff,DC=ex,DC=test", MemberSid="S-1-5-21-9-1105",
                   TargetUserName="Administrators", TargetDomainName="Builtin"))
    assert (r["what"], r["by"], r["group"]) == ("member added to local group", "EX\\tech",
                                               "Builtin\\Administrators")
    assert r["subject"] == "CN=Erin,OU=Staff,DC=ex,DC=test" and r["time"] == "2026-06-01T10:02:11Z"
    r = _row(event("Security", 6, 4720, WHEN, SubjectUserName="tech", SubjectDomainName="EX",
                   TargetUserName="svc-backup", TargetDomainName="HOST"))
    assert (r["what"], r["subject"]) == ("user account created", "HOST\\svc-backup")


def test_service_and_msi_events() -> None:
    r = _row(event("System", 7, 7045, WHEN, ServiceName="Backup Agent",
                   ImagePath="C:\\agent.exe", AccountName="LocalSystem"))
    assert (r["what"], r["subject"]) == ("service installed", "Backup Agent")
    msi = event("Application", 8, 11707, WHEN)
    msi["Xml"] = str(msi["Xml"]).replace(
        "<EventData></EventData>",
        "<EventData><Data>Product: КриптоПро CSP -- Installation completed successfully."
        "</Data><Data>(NULL)</Data></EventData>")
    r = _row(msi)
    assert (r["what"], r["subject"]) == ("product installed (MSI)", "КриптоПро CSP")
