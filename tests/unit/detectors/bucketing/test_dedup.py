from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.bucketing.dedup import EventDeduplicator


@pytest.fixture
def dedup_factory():
    def make(horizon_ms: int = 1_000, max_size: int = 1_000_000) -> EventDeduplicator:
        return EventDeduplicator(horizon_ms, max_size)

    return make


def test_duplicates_within_the_horizon_are_seen(dedup_factory) -> None:
    d = dedup_factory()
    assert d.seen("a", 100) is False
    assert d.seen("a", 100) is True
    assert d.seen("a", 900) is True  # same id, any time
    assert d.seen("b", 1_100) is False
    assert d.seen("a", 1_100) is True  # 100 >= 1_100 - 1_000: still remembered


def test_ids_beyond_the_horizon_are_forgotten(dedup_factory) -> None:
    d = dedup_factory()
    d.seen("a", 0)
    d.seen("b", 1_001)
    assert len(d) == 1
    assert d.seen("a", 1_001) is False


def test_out_of_order_ids_are_remembered_at_least_for_the_horizon(dedup_factory) -> None:
    d = dedup_factory()
    for i, ts in enumerate([500, 100, 400, 900, 300]):
        assert d.seen(f"x{i}", ts) is False
    # newest = 900: everything with ts >= -100 must be remembered
    assert all(d.seen(f"x{i}", 0) for i in range(5))


def test_memory_is_bounded_by_max_size(dedup_factory) -> None:
    d = dedup_factory(horizon_ms=10**9, max_size=100)
    for i in range(1_000):
        d.seen(str(i), i)
    assert len(d) == 100
    assert d.evicted_early == 900
    assert d.seen("999", 999) is True
    assert d.seen("0", 999) is False


def test_memory_is_bounded_by_time(dedup_factory) -> None:
    d = dedup_factory(horizon_ms=1_000)
    for i in range(100_000):
        d.seen(str(i), i)
    assert len(d) <= 1_001
    assert d.evicted_early == 0


def test_bad_settings_are_rejected() -> None:
    with pytest.raises(ValueError, match="max_size"):
        EventDeduplicator(10, 0)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 5_000), max_size=60),
    st.lists(st.lists(st.integers(0, 5_000), max_size=30), max_size=6),
    st.integers(0, 1_500),
    st.integers(1, 40),
)
def test_record_new_equals_seen_on_each(
    before: list[int], batches: list[list[int]], horizon: int, max_size: int
) -> None:
    one, bulk = EventDeduplicator(horizon, max_size), EventDeduplicator(horizon, max_size)
    serial = 0
    for ts in before:
        one.seen(f"e{serial}", ts)
        bulk.seen(f"e{serial}", ts)
        serial += 1
    for batch in batches:
        ids = [f"e{serial + i}" for i in range(len(batch))]
        serial += len(batch)
        for event_id, ts in zip(ids, batch, strict=True):
            assert not one.seen(event_id, ts)
        bulk.record_new(ids, batch)
        assert (bulk._ids, list(bulk._order_ids), list(bulk._order_ts)) == (
            one._ids,
            list(one._order_ids),
            list(one._order_ts),
        )
        assert (bulk._newest, bulk.evicted_early) == (one._newest, one.evicted_early)
