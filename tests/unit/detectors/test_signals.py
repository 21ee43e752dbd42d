from __future__ import annotations

import math
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.signals import RollingWindow, Signals, wilson_lower_bound, wilson_upper_bound
from detectors.summary import BucketSummary


@pytest.fixture
def summary_factory():
    def make(start_ms: int = 0, size_ms: int = 60_000, **fields: object) -> BucketSummary:
        return BucketSummary(
            level="brand",
            entity="acme",
            brand="acme",
            start_ms=start_ms,
            end_ms=start_ms + size_ms,
            **fields,  # type: ignore[arg-type]
        )

    return make


@pytest.mark.parametrize(
    ("k", "n", "lower", "upper"),
    [
        (3, 4, 0.3006, 0.9544),  # 3 angry out of 4: could well be 30%
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (50, 100, 0.4038, 0.5962),
        (1, 1, 0.2065, 1.0),
    ],
)
def test_wilson_bounds_against_known_values(k: int, n: int, lower: float, upper: float) -> None:
    assert wilson_lower_bound(k, n) == pytest.approx(lower, abs=1e-4)
    assert wilson_upper_bound(k, n) == pytest.approx(upper, abs=1e-4)


def test_three_angry_out_of_four_is_weak_evidence_but_300_of_400_is_strong() -> None:
    assert wilson_lower_bound(3, 4) < 0.31
    assert wilson_lower_bound(300, 400) > 0.7


def test_wilson_without_trials() -> None:
    assert (wilson_lower_bound(0, 0), wilson_upper_bound(0, 0)) == (0.0, 1.0)


@given(st.integers(0, 10_000), st.integers(1, 10_000))
def test_wilson_bounds_bracket_the_ratio(k: int, n: int) -> None:
    k = min(k, n)
    assert 0.0 <= wilson_lower_bound(k, n) <= k / n + 1e-12
    assert k / n - 1e-12 <= wilson_upper_bound(k, n) <= 1.0


def test_signals_of_one_bucket(summary_factory) -> None:
    s = summary_factory(
        views=200,
        likes=10,
        comments=8,
        shares=2,
        reactions=5,
        negative=6,
        events=225,
        sentiment_sum=-2.0,
        sentiment_count=8,
        has_views=True,
        authors=50,
        author_events=100,
    )
    x = Signals.from_summary(s)
    assert x.engagement_rate == pytest.approx(20 / 200)
    assert x.negative_ratio == pytest.approx(6 / 16)
    assert x.negative_ratio_lower == pytest.approx(wilson_lower_bound(6, 16))
    assert x.mean_sentiment == pytest.approx(-0.25)
    assert x.author_concentration == pytest.approx(2.0)
    assert x.distinct_author_share == pytest.approx(0.5)
    assert x.velocity is None


def test_signals_absent_when_the_data_cannot_say(summary_factory) -> None:
    x = Signals.from_summary(summary_factory(comments=3, events=3))
    assert x.engagement_rate is None  # no views reported
    assert x.negative_ratio is None
    assert x.mean_sentiment is None
    assert x.author_concentration is None
    assert (x.negative_ratio_lower, x.negative_ratio_upper) == (0.0, 1.0)


def test_rolling_window_velocity_and_gaps(summary_factory) -> None:
    w = RollingWindow(4)
    for t, n in [(0, 10), (1, 20), (2, 30)]:
        w.push(summary_factory(t * 60_000, events=n, likes=n))
    assert w.velocity() == pytest.approx((30 - 10) / 10)  # previous mean (10 + 20 + 0) / 3
    w.push(summary_factory(3 * 60_000, events=60, likes=60, views=5, has_views=True))
    assert w.velocity() == pytest.approx((60 - 20) / 20)
    assert w.totals()["events"] == 120 and w.has_views
    w.push(summary_factory(9 * 60_000, events=1))
    assert len(w) == 1 and w.totals()["events"] == 1 and not w.has_views
    with pytest.raises(ValueError, match="not after"):
        w.push(summary_factory(9 * 60_000))


row_st = st.fixed_dictionaries(
    {
        "gap": st.integers(1, 3),
        "likes": st.integers(0, 50),
        "negative": st.integers(0, 50),
        "sentiment_count": st.integers(0, 5),
        "sentiment": st.floats(-1, 1),
    }
)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 6), st.lists(row_st, min_size=1, max_size=30))
def test_rolling_window_equals_recomputed_totals(size: int, rows: list[dict]) -> None:
    w = RollingWindow(size)
    t = 0
    kept: list[tuple[int, BucketSummary]] = []
    for r in rows:
        t += r["gap"]
        ev = r["likes"] + r["negative"]
        s = BucketSummary(
            level="post",
            entity="p",
            brand="b",
            start_ms=t * 10,
            end_ms=t * 10 + 10,
            likes=r["likes"],
            negative=r["negative"],
            events=ev,
            sentiment_count=r["sentiment_count"],
            sentiment_sum=round(r["sentiment"] * r["sentiment_count"], 6),
        )
        w.push(s)
        kept.append((t, s))
        window = [s for tt, s in kept if tt > t - size]
        assert w.totals()["events"] == sum(s.events for s in window)
        assert w.totals()["negative"] == sum(s.negative for s in window)
        sig = w.signals()
        n_sent = sum(s.sentiment_count for s in window)
        if n_sent:
            assert sig.mean_sentiment == pytest.approx(
                sum(s.sentiment_sum for s in window) / n_sent, abs=1e-6
            )
        if size > 1:
            prev = (sum(s.events for s in window) - s.events) / (size - 1)
            assert sig.velocity == pytest.approx((s.events - prev) / max(prev, 1.0))
    assert pickle.loads(pickle.dumps(w)).totals() == w.totals()
    assert not math.isnan(w.signals().negative_ratio_lower)
