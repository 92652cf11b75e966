from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bundle.tsa import Tsa, serve


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[Tsa]:
    yield from serve(tmp_path / "tsa")
