"""Entry points are read from importlib.metadata once per installation state and cached beside
the module's bytecode; a distribution added, edited or removed is seen by the next lookup."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
from pathlib import Path

import pytest

from proofshot.collectors.linux.plugin import PLUGIN as LINUX
from proofshot.model import plugins as registry


def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_TABLE", None)  # as a new process starts


def _cache_in(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(registry, "cache_file", lambda: path)


def _names(group: str) -> dict[str, str]:
    return {e.name: e.value for e in registry.entry_points(group=group)}


def _dist(root: Path, value: str) -> Path:
    info = root / "psfake_plugin-1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: psfake-plugin\nVersion: 1.0\n")
    eps = info / "entry_points.txt"
    eps.write_text(f"[proofshot.rules]\nfake = {value}\n[console_scripts]\nx = y:z\n")
    return eps


def test_cached_lookup_equals_importlib_metadata(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _cache_in(monkeypatch, tmp_path / "cache" / "ep.json")
    for group in ("proofshot.collectors", "proofshot.rules"):
        _fresh(monkeypatch)
        want = {e.name: e.value for e in importlib.metadata.entry_points(group=group)}
        assert _names(group) == want and want, group
    assert (tmp_path / "cache" / "ep.json").is_file()

    def no_scan(**kw: object) -> None:
        raise AssertionError("the installed distributions were scanned again")

    _fresh(monkeypatch)
    monkeypatch.setattr(importlib.metadata, "entry_points", no_scan)
    linux = next(e for e in registry.entry_points(group="proofshot.collectors")
                 if e.name == "linux")
    assert linux.load() is LINUX


def test_a_distribution_added_edited_or_removed_is_seen(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _cache_in(monkeypatch, tmp_path / "cache" / "ep.json")
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    _fresh(monkeypatch)
    assert "fake" not in _names("proofshot.rules")
    eps = _dist(site, "psfake.rules:RULES")
    _fresh(monkeypatch)
    assert _names("proofshot.rules")["fake"] == "psfake.rules:RULES"
    eps.write_text("[proofshot.rules]\nfake = psfake.other:MORE\n")
    st = eps.stat()
    os.utime(eps, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # an edit in the same tick
    _fresh(monkeypatch)
    assert _names("proofshot.rules")["fake"] == "psfake.other:MORE"
    for f in eps.parent.iterdir():
        f.unlink()
    eps.parent.rmdir()
    _fresh(monkeypatch)
    assert "fake" not in _names("proofshot.rules")


def test_an_unwritable_cache_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    _cache_in(monkeypatch, blocker / "ep.json")
    _fresh(monkeypatch)
    assert "linux" in _names("proofshot.collectors")
    _cache_in(monkeypatch, tmp_path / "ep.json")
    (tmp_path / "ep.json").write_text("{broken")
    _fresh(monkeypatch)
    assert "linux" in _names("proofshot.collectors")
    rewritten = json.loads((tmp_path / "ep.json").read_text())["groups"]["proofshot.collectors"]
    assert ["linux", "proofshot.collectors.linux.plugin:PLUGIN"] in rewritten


def test_the_cache_sits_beside_the_bytecode_not_in_the_users_directories() -> None:
    path = registry.cache_file()
    assert path.parent == Path(importlib.util.cache_from_source(registry.__file__)).parent
    assert not str(path).startswith(str(Path.home() / ".cache"))


def test_entry_load_resolves_dotted_attributes() -> None:
    e = registry.Entry("x", "os.path : join", "g")
    assert e.load() is os.path.join
    assert registry.Entry("m", "os.path", "g").load() is os.path
    with pytest.raises(ValueError):
        registry.Entry("bad", "not a ref!", "g").load()


def test_a_busy_working_directory_keeps_the_cache(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """sys.path[0] is often the working directory: files coming and going there (not
    distributions) leave the cache valid."""
    _cache_in(monkeypatch, tmp_path / "cache" / "ep.json")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.syspath_prepend(str(work))
    _fresh(monkeypatch)
    assert "linux" in _names("proofshot.collectors")
    (work / "scope.yaml").write_text("targets: []\n")
    (work / "store").mkdir()

    def no_scan(**kw: object) -> None:
        raise AssertionError("the installed distributions were scanned again")

    monkeypatch.setattr(importlib.metadata, "entry_points", no_scan)
    _fresh(monkeypatch)
    assert "linux" in _names("proofshot.collectors")
