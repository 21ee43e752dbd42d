"""Slot-tuple pickling: states from before a slot existed still load (upgrades keep state)."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from detectors.contract.config import DetectionConfig
from detectors.detect.state import BrandBook, EntityState


def test_a_brand_book_from_before_launch_curves_loads_with_an_empty_curve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    book = BrandBook()
    book.open_keys = ["post:p1"]
    book.post_volume = 12.5
    old_layout = ("last_ms", "open_keys", "post_volume", "tag_volume")
    monkeypatch.setattr(
        BrandBook, "__getstate__", lambda self: tuple(getattr(self, n) for n in old_layout)
    )
    written_by_old_version = pickle.dumps(book)
    monkeypatch.undo()
    loaded = pickle.loads(written_by_old_version)
    assert (loaded.open_keys, loaded.post_volume, loaded.last_ms) == (["post:p1"], 12.5, -1)
    assert loaded.launches.usual_max(0) is None
    loaded.launches.learn_one(0, 40.0)  # and it works from there
    assert loaded.launches.usual_max(0) is not None
    assert pickle.loads(pickle.dumps(loaded)).launches.usual_max(0) == loaded.launches.usual_max(0)


def test_a_missing_slot_without_default_and_a_too_long_state_are_errors() -> None:
    state: Any = EntityState(DetectionConfig(), 5, brand=False).__getstate__()
    fresh = EntityState.__new__(EntityState)
    with pytest.raises(ValueError, match="slot 'volume'"):
        fresh.__setstate__(state[:-4])  # without "volume" (the later slots have defaults)
    with pytest.raises(ValueError, match="values for"):
        fresh.__setstate__((*state, 1))


def test_an_entity_state_from_before_brands_were_recorded_loads_without_one() -> None:
    state = EntityState(DetectionConfig(), 5, brand=False)
    state.brand = "acme"
    old = state.__getstate__()[:-3]
    fresh = EntityState.__new__(EntityState)
    fresh.__setstate__(old)
    assert fresh.brand is None and fresh.n_buckets == state.n_buckets


def test_an_entity_state_from_before_the_cusums_loads_with_fresh_ones() -> None:
    state = EntityState(DetectionConfig(), 5, brand=False)
    state.cusum_ratio.step(3, 4, 0.1, 1.0, 0.15)
    fresh = EntityState.__new__(EntityState)
    fresh.__setstate__(state.__getstate__()[:-2])
    assert max(fresh.cusum_ratio.stats) == 0.0 and max(fresh.cusum_sentiment.stats) == 0.0
    fresh.cusum_ratio.step(3, 4, 0.1, 1.0, 0.15)
    assert list(fresh.cusum_ratio.stats) == list(state.cusum_ratio.stats)
