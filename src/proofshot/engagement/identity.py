"""Who delivers the work: the provider's identity on every report (title page and page footer)
and the technician's full name. Stored in the store's config.json under "identity"; the logo
(PNG or SVG) is copied into the store, so a report made anywhere from this store carries it.

    proofshot config set company "Muster IT GmbH"
    proofshot config set company-address "Hauptstraße 1, 12345 Musterstadt"
    proofshot config set company-logo logo.svg
    proofshot config set technician "Erika Muster"
"""

from __future__ import annotations

import base64
import getpass
import json
import os
from pathlib import Path
from typing import Any

from proofshot.model.errors import BadInput, StoreError
from proofshot.store.api import Settings, atomic_write

SETTINGS = {
    "company": "the provider's name, on every report's title page and page footer",
    "company-address": "the provider's address, on the title page",
    "company-logo": "a PNG or SVG file (copied into the store), on the title page",
    "technician": "the technician's full name (default: the login name)",
}
LOGO_FILES = {"png": "company-logo.png", "svg": "company-logo.svg"}
MAX_LOGO = 2 * 1024 * 1024


def _config(store: Settings) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads((store.root / "config.json").read_text())
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read store config: {exc}") from None
    return data


def identity(store: Settings) -> dict[str, str]:
    """The identity settings that are set (name -> value)."""
    got = _config(store).get("identity", {})
    return {k: str(v) for k, v in got.items() if k in SETTINGS and v}


def _logo_kind(data: bytes, name: str) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if (head.startswith((b"<?xml", b"<svg", b"<!--")) and b"<svg" in data[:65536].lower()):
        return "svg"
    raise BadInput(f"company-logo: {name} is neither a PNG nor an SVG file")


def set_setting(store: Settings, name: str, value: str | None) -> None:
    if name not in SETTINGS:
        raise BadInput(f"unknown setting '{name}' (known: {', '.join(SETTINGS)})")
    with store.lock():
        cfg = _config(store)
        ident = dict(cfg.get("identity", {}))
        if name == "company-logo":
            data, kind = b"", ""
            if value is not None:  # checked before the logo in place is touched
                path = Path(value).expanduser()
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    raise BadInput(f"company-logo: cannot read {value}: {exc.strerror}") from None
                if len(data) > MAX_LOGO:
                    raise BadInput(f"company-logo: {value} is larger than 2 MiB")
                kind = _logo_kind(data, value)
            for f in LOGO_FILES.values():
                (store.root / f).unlink(missing_ok=True)
            if value is not None:
                atomic_write(store.root / LOGO_FILES[kind], data, store.tmp_dir)
                value = LOGO_FILES[kind]
        elif value is not None:
            value = " ".join(value.split())
            if not value:
                raise BadInput(f"{name} must not be empty (use 'config unset {name}')")
        if value is None:
            ident.pop(name, None)
        else:
            ident[name] = value
        cfg["identity"] = ident
        atomic_write(store.root / "config.json", json.dumps(cfg, indent=2).encode(),
                      store.tmp_dir)


def technician_setting(store: Settings | None) -> str | None:
    """The configured technician's full name, None when not set (or no store)."""
    if store is None:
        return None
    return identity(store).get("technician")


def technician(store: Settings | None) -> str:
    """The technician's full name: the setting, else PROOFSHOT_TECHNICIAN, else the login."""
    return (technician_setting(store) or os.environ.get("PROOFSHOT_TECHNICIAN")
            or getpass.getuser())


def logo_data_uri(store: Settings) -> str | None:
    """The logo as a data: URI for a self-contained report, None when none is set."""
    name = identity(store).get("company-logo")
    if name not in LOGO_FILES.values():
        return None
    try:
        data = (store.root / str(name)).read_bytes()
    except OSError:
        return None
    mime = "image/png" if str(name).endswith(".png") else "image/svg+xml"
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def provider(store: Settings) -> dict[str, Any]:
    """What a report shows of the provider: company, address, logo, technician."""
    ident = identity(store)
    return {"company": ident.get("company"), "address": ident.get("company-address"),
            "logo": logo_data_uri(store), "technician": ident.get("technician")}
