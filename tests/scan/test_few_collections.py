"""A scan raises the collector's young-generation threshold and freezes what was alive before
it; both are undone when the last running scan ends, also after an error."""

from __future__ import annotations

import gc
import threading

import pytest

from proofshot.scan.service import GC_YOUNG, few_collections


def test_thresholds_and_freeze_are_restored_after_nested_scans_and_errors() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with few_collections():
        assert gc.get_threshold()[0] >= GC_YOUNG and gc.get_threshold()[1:] == before[1:]
        assert gc.get_freeze_count() > frozen
        with pytest.raises(RuntimeError), few_collections():
            raise RuntimeError("a scan that fails")
        assert gc.get_threshold()[0] >= GC_YOUNG  # the outer scan still runs
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen


def test_scans_in_threads_that_end_out_of_order_restore_the_original() -> None:
    before = gc.get_threshold()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[int] = []

    def first() -> None:
        with few_collections():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with few_collections():
            second_in.set()
            first_out.wait(5)
            seen.append(gc.get_threshold()[0])  # still scanning

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert first_out.is_set() and seen and seen[0] >= GC_YOUNG
    assert gc.get_threshold() == before
