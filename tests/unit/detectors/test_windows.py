from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detectors.windows import (
    bucket_range,
    bucket_start,
    closes_at,
    first_open_start,
    is_closed,
    rolling_range,
    rolling_starts,
    window_ranges,
)

ts_st = st.integers(min_value=-(10**13), max_value=10**13)
size_st = st.integers(min_value=1, max_value=10**7)


@given(ts_st, size_st)
def test_bucket_holds_its_timestamp_and_is_aligned(ts: int, size: int) -> None:
    start, end = bucket_range(ts, size)
    assert start <= ts < end
    assert start % size == 0
    assert end - start == size


def test_bucket_start_floors_below_zero() -> None:
    assert bucket_start(-1, 1000) == -1000
    assert bucket_start(-1000, 1000) == -1000
    assert bucket_start(999, 1000) == 0


def test_bad_sizes_are_rejected() -> None:
    with pytest.raises(ValueError, match="size_ms"):
        bucket_start(5, 0)
    with pytest.raises(ValueError, match="step_ms"):
        window_ranges(5, 10, 20)
    with pytest.raises(ValueError, match="n_buckets"):
        rolling_range(0, 10, 0)


@given(ts_st, st.integers(1, 1000), st.integers(1, 20))
def test_hopping_windows_are_exactly_those_holding_the_timestamp(
    ts: int, step: int, factor: int
) -> None:
    size = step * factor
    ranges = window_ranges(ts, size, step)
    assert len(ranges) == factor
    assert all(start <= ts < end and end - start == size for start, end in ranges)
    assert all(start % step == 0 for start, _ in ranges)
    assert [s for s, _ in ranges] == sorted(s for s, _ in ranges)


@given(ts_st, size_st)
def test_tumbling_window_is_the_bucket(ts: int, size: int) -> None:
    assert window_ranges(ts, size) == [bucket_range(ts, size)]


def test_rolling_range_covers_n_buckets() -> None:
    assert rolling_range(300, 100, 3) == (100, 400)
    assert rolling_starts(300, 100, 3) == [100, 200, 300]
    assert rolling_range(300, 100, 1) == (300, 400)


@given(
    st.integers(-(10**9), 10**9),
    st.integers(1, 10**5),
    st.integers(0, 10**5),
    st.integers(-(10**9), 10**9),
)
def test_first_open_start_agrees_with_closes_at(
    start_i: int, size: int, grace: int, wm: int
) -> None:
    start = bucket_start(start_i, size)
    closed = is_closed(start, size, grace, wm)
    assert closed == (wm >= closes_at(start, size, grace))
    assert closed == (start < first_open_start(wm, size, grace))
    assert first_open_start(wm, size, grace) % size == 0


def test_nothing_is_closed_without_a_watermark() -> None:
    assert not is_closed(0, 10, 0, None)
