"""Certificates: `openssl x509 -noout -subject -issuer -startdate -enddate -serial
-fingerprint -sha256` per file, framed by `==> PATH <==` lines."""

from __future__ import annotations

from proofshot.collectors.linux.parsers.common import sections
from proofshot.model.table import Row

_FIELDS = {"subject": "subject", "issuer": "issuer", "notBefore": "not_before",
           "notAfter": "not_after", "serial": "serial", "sha256 Fingerprint": "fingerprint",
           "SHA256 Fingerprint": "fingerprint"}


def parse_certs(text: str) -> list[Row]:
    rows: list[Row] = []
    for path, body in sections(text).items():
        if not path.startswith("/"):
            continue
        row: Row = {"path": path}
        for line in body.splitlines():
            k, sep, v = line.partition("=")
            if sep and k.strip() in _FIELDS:
                row[_FIELDS[k.strip()]] = v.strip()
        if len(row) > 1:
            rows.append(row)
    return rows
