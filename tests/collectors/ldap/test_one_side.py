"""LDAP on one side only, through the real scan path against the lab's Samba AD DC: the same
target read once whole, once where every search answers without a single user, group or
computer (its base moved into an empty OU, as after a restore into the wrong naming context).
An AD always has users, groups and computers: none at all is an implausible answer, the
tables are unreadable (exit 3) and unverifiable in the diff, never "removed"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.collectors.conftest import Servers
from tests.collectors.ldap.test_ad_scenario import _env, _ps, _scope
from tests.lab.samba import BASE_DN

pytestmark = pytest.mark.lab

EMPTY_OU = f"OU=PsEmpty,{BASE_DN}"
DIRECTORY_TABLES = {"ad_users", "ad_groups", "ad_computers", "ad_memberships", "ad_privileged"}


@pytest.fixture(scope="module")
def scans(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    s = servers
    work: Path = tmp_path_factory.mktemp("ad-oneside")
    store = work / "store"
    env = _env(s)
    _ps(store, "init", env=env)
    s.dc.tool("ou", "create", EMPTY_OU, check=False)  # may exist from an earlier run
    whole = _scope(s, work / "whole.yaml")
    empty = _scope(s, work / "empty.yaml", ad={"base": EMPTY_OU})
    _ps(store, "scan", str(whole), "--label", "whole", env=env, ok=(0, 3))
    _ps(store, "scan", str(empty), "--label", "empty", env=env, ok=(3,))
    _ps(store, "scan", str(whole), "--label", "back", env=env, ok=(0, 3))
    out = {k: json.loads(_ps(store, "diff", a, b, "--json", env=env))
           for k, (a, b) in {"gone": ("whole", "empty"), "back": ("empty", "back")}.items()}
    out["show"] = json.loads(_ps(store, "show", "empty", "--json", env=env))
    return out


def test_no_user_at_all_is_implausible_not_empty(scans: dict[str, Any]) -> None:
    ad = next(t for t in scans["show"]["targets"] if t["name"] == "ad")
    assert ad["status"] == "partial", ad["status"]
    assert not DIRECTORY_TABLES & set(ad["tables"]), sorted(ad["tables"])
    assert "ad_users" in ad["reason"] and "implausible" in ad["reason"], ad["reason"]


@pytest.mark.parametrize("which", ["gone", "back"])
def test_the_directory_tables_are_unverifiable_never_removed(scans: dict[str, Any],
                                                              which: str) -> None:
    d = scans[which]
    unv = {u["table"]: u["reason"] for u in d["unverifiable"] if u["target"] == "ad"}
    assert set(unv) >= DIRECTORY_TABLES, sorted(unv)
    assert all("implausible" in unv[t] for t in DIRECTORY_TABLES), unv
    assert not [c for c in d["changes"] if c["table"] in DIRECTORY_TABLES], d["changes"][:5]
