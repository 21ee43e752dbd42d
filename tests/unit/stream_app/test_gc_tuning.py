"""The worker's garbage-collector tuning."""

from __future__ import annotations

import gc

from stream_app.gc_tuning import tune_gc
from stream_app.settings import Settings


def test_tuning_freezes_start_up_objects_and_raises_the_young_threshold() -> None:
    before = gc.get_threshold()
    try:
        thresholds = tune_gc(12_345)
        assert thresholds == (12_345, before[1], before[2])
        assert gc.get_threshold() == thresholds
        assert gc.get_freeze_count() > 1_000  # at least the modules imported so far
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_zero_keeps_the_interpreter_defaults() -> None:
    before = gc.get_threshold()
    assert tune_gc(0) == before
    assert gc.get_freeze_count() == 0


def test_the_default_setting_tunes() -> None:
    assert Settings().app.gc_gen0_threshold == 10_000
