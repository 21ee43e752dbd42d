from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detectors.bucketing.watermark import Watermark, first_open_start
from tests.unit.detectors.bucketing.helpers import T0, add_one, make_bucketer, make_event

YEAR_MS = 365 * 86_400_000


@pytest.fixture
def watermark_factory():
    def make(**kw: int) -> Watermark:
        args = {"size_ms": 60_000, "grace_ms": 30_000, "max_future_ms": 300_000}
        args["max_past_ms"] = 3_600_000
        args.update(kw)
        return Watermark(**args)

    return make


def test_future_events_are_rejected_and_do_not_advance(watermark_factory) -> None:
    wm = watermark_factory()
    wm.observe(T0)
    assert wm.classify(T0 + 300_000) == "accepted"
    assert wm.classify(T0 + 300_001) == "future"
    assert wm.value == T0


def test_grace_boundary_late_and_too_old(watermark_factory) -> None:
    wm = watermark_factory()
    # bucket [T0, T0+60s) closes when the watermark reaches T0 + 90 s
    wm.observe(T0 + 89_999)
    assert wm.classify(T0) == "accepted"
    wm.observe(T0 + 90_000)
    assert wm.classify(T0 + 59_999) == "late"
    assert wm.classify(T0 + 60_000) == "accepted"
    assert wm.classify(T0 + 90_000 - 3_600_001) == "too_old"
    assert wm.classify(T0 + 90_000 - 3_600_000) == "late"


def test_watermark_never_goes_back(watermark_factory) -> None:
    wm = watermark_factory()
    wm.observe(T0)
    wm.observe(T0 - 10)
    assert wm.value == T0


def test_close_before_marks_flushed_buckets_late(watermark_factory) -> None:
    wm = watermark_factory()
    wm.close_before(T0)
    assert wm.classify(T0 - 1) == "late"
    assert wm.classify(T0) == "accepted"


def test_negative_settings_are_rejected() -> None:
    with pytest.raises(ValueError, match="grace_ms"):
        Watermark(size_ms=10, grace_ms=-1, max_future_ms=0, max_past_ms=0)


def test_bogus_future_first_event_does_not_poison_the_watermark() -> None:
    b = make_bucketer(bootstrap_events=5)
    first = make_event("bogus", T0 + 80 * YEAR_MS)
    outcomes = [add_one(b, first)] + [
        add_one(b, make_event(i, T0 + i * 1000)) for i in range(1, 10)
    ]
    assert outcomes[:4] == ["pending"] * 4
    assert outcomes[4:] == ["accepted"] * 6
    assert b.counts["future"] == 1
    assert b.counts["accepted"] == 9
    assert b.watermark_ms == T0 + 9_000
    summaries = b.flush()
    assert {s.start_ms for s in summaries} == {T0}
    assert sum(s.events for s in summaries if s.level == "brand") == 9


def test_bogus_past_first_events_are_too_old() -> None:
    b = make_bucketer(bootstrap_events=5)
    add_one(b, make_event("old1", 0))
    add_one(b, make_event("old2", 10))
    for i in range(3):
        add_one(b, make_event(i, T0 + i))
    assert b.counts["too_old"] == 2
    assert b.counts["accepted"] == 3
    assert b.watermark_ms == T0 + 2


def test_bogus_future_event_later_in_the_stream_is_bounded() -> None:
    b = make_bucketer(bootstrap_events=1)
    assert add_one(b, make_event(1, T0)) == "accepted"
    assert add_one(b, make_event(2, T0 + YEAR_MS)) == "future"
    assert add_one(b, make_event(3, T0 + 1_000)) == "accepted"
    assert b.watermark_ms == T0 + 1_000
    assert b.open_buckets == 1


def test_bootstrap_of_one_accepts_the_first_event_as_is() -> None:
    """The documented trade-off: without a bootstrap a bogus first event sets the watermark."""
    b = make_bucketer(bootstrap_events=1)
    assert add_one(b, make_event(1, T0 + YEAR_MS)) == "accepted"
    assert add_one(b, make_event(2, T0)) == "too_old"


def test_short_input_is_resolved_by_flush() -> None:
    b = make_bucketer(bootstrap_events=5)
    assert add_one(b, make_event(1, T0)) == "pending"
    assert b.pending == 1
    summaries = b.flush()
    assert b.counts["accepted"] == 1
    assert [s.level for s in summaries] == ["brand", "post"]


def test_external_watermark_closes_idle_buckets() -> None:
    b = make_bucketer(bootstrap_events=1)
    add_one(b, make_event(1, T0))
    assert b.advance() == []
    closed = b.advance(T0 + 90_000)
    assert [s.level for s in closed] == ["brand", "post"]
    assert add_one(b, make_event(2, T0 + 1)) == "late"


def test_emitted_frontier_moves_before_the_close(watermark_factory) -> None:
    wm = watermark_factory(emit_after_ms=1_000)
    wm.observe(T0 + 60_999)
    assert not wm.is_amendment(T0)
    wm.observe(T0 + 61_000)  # bucket [T0, T0+60s) emitted; it closes at T0 + 90 s
    assert wm.is_amendment(T0 + 59_999) and not wm.is_amendment(T0 + 60_000)
    assert wm.classify(T0) == "accepted"
    wm.observe(T0 + 90_000)
    assert wm.classify(T0) == "late"
    assert watermark_factory(emit_after_ms=99_000).emit_after_ms == 30_000  # at most grace
    with pytest.raises(ValueError, match="emit_after_ms"):
        watermark_factory(emit_after_ms=-1)


@given(
    st.integers(-(10**9), 10**9),
    st.integers(1, 10**5),
    st.integers(0, 10**5),
    st.integers(-(10**9), 10**9),
)
def test_first_open_start_is_the_first_bucket_not_closed(
    start_i: int, size: int, grace: int, wm: int
) -> None:
    start = start_i - start_i % size
    closed = wm >= start + size + grace  # a bucket closes once the watermark passes end + grace
    assert closed == (start < first_open_start(wm, size, grace))
    assert first_open_start(wm, size, grace) % size == 0
