"""Masking: secret-looking values become keyed hashes; structure and harmless values stay."""

from __future__ import annotations

import hashlib

from proofshot.scan.masking import mask_text


def kh(v: str) -> str:
    return "hmac:" + hashlib.sha256(b"salt" + v.encode()).hexdigest()[:16]


def test_assignments_masked() -> None:
    text = "\n".join([
        "db_password = hunter2",
        "token: abc123",
        'api_key="AKIAXYZ"',
        "rocommunity s3cretcomm 10.0.0.0/8",
        "url=postgres://app:pgpass@db/app",
        "PasswordAuthentication yes",
        "PermitRootLogin no",
        "HostKey /etc/ssh/ssh_host_ed25519_key",
    ])
    out = mask_text(text, kh)
    for secret in ("hunter2", "abc123", "AKIAXYZ", "s3cretcomm", "pgpass"):
        assert secret not in out
    assert "PasswordAuthentication yes" in out
    assert "HostKey /etc/ssh/ssh_host_ed25519_key" in out
    assert out.count("\n") == text.count("\n")
    assert kh("hunter2") in out  # a changed secret still shows as changed


def test_private_key_block_masked() -> None:
    pem = "a\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----\nz"
    out = mask_text(pem, kh)
    assert "b3BlbnNzaC1rZXk" not in out and out.startswith("a\n") and out.endswith("\nz")


def test_masking_inside_grep_framed_transcripts() -> None:
    """files_text answers are `path\\0line`: the path prefix must not shield the secret."""
    text = "/etc/app.conf\x00password=hunter2\n/etc/snmp/snmpd.conf\x00rocommunity s3cr3t\n"
    out = mask_text(text, kh)
    assert "hunter2" not in out and "s3cr3t" not in out
    assert out.startswith("/etc/app.conf\x00password=hmac:")


def test_shortcut_masks_the_same_as_every_line() -> None:
    """mask_text runs the patterns only on lines holding a keyword; the result must equal
    running them on every line, also for letters IGNORECASE folds (ſ, ı, İ, K)."""
    from proofshot.scan.masking import _mask_line

    lines = [
        "db_password = hunter2", "paſſword=s1", "PASSWORD: s2", "İ token=s3", "api_Key=s4",
        "secret=a\u0131", "crede\u0131ntial=x", "url=https://u:s5@h/", "com2sec ro default s6",
        "rocommunity s7", "plain line", "", "ß key s8", "path\0Kkey=s9", "x" * 20000 + " key=s10",
        "no secrets here at all",
    ]
    for n in range(len(lines)):
        text = "\n".join(lines[n:] + lines[:n])
        expected = "\n".join(_mask_line(line, kh) for line in text.split("\n"))
        assert mask_text(text, kh) == expected
    assert mask_text("nothing to see\nhere\n", kh) == "nothing to see\nhere\n"
