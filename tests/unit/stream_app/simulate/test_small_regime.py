"""The small-account regime: statistics drawn in the documented ranges, varied per seed, and the
traffic they make (no views on pages, about half the comments without sentiment, jitter)."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.ingest.events import EventDecoder
from stream_app.simulate.columns import COMMENT, LIKE, VIEW
from stream_app.simulate.model import DAY_MS, MINUTE_MS
from stream_app.simulate.scenarios import Simulation, simulate
from stream_app.simulate.small_regime import (
    NO_VIEW_PLATFORM,
    SHARED_TAGS,
    SmallRegime,
    draw_regime,
)
from stream_app.simulate.writers import json_lines

SimFactory = Callable[..., Simulation]
SMALL = (
    "small_ratioed",
    "small_slow_burn",
    "small_no_views",
    "small_bot_raid",
    "hashtag_hijack",
    "small_flop",
)


def regime(seed: int) -> SmallRegime:
    return draw_regime(np.random.default_rng(seed))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_every_statistic_falls_in_its_documented_range(seed: int) -> None:
    r = regime(seed)
    assert 6 <= len(r.brands) <= 9
    assert len({b.name for b in r.brands}) == len(r.brands)
    pages = [b for b in r.brands if not b.has_views]
    assert 1 <= len(pages) <= len(r.brands) - 3
    assert all(b.platforms == (NO_VIEW_PLATFORM,) for b in pages)
    assert 0.5 <= r.jitter_mean_s <= 5 and 0.005 <= r.late_share <= 0.03
    assert 30 <= r.late_max_s <= 120
    assert all(0 <= p <= bound for p, bound in zip(r.omit_p, (0.05, 0.03, 0.05, 0.1), strict=True))
    for b in r.brands:
        views, likes, comments, shares, reactions = b.type_rates
        assert 2 <= b.views_per_min <= 50 and 1 <= b.posts_per_day <= 5
        assert 90 <= b.half_life_min <= 720 and 0.6 <= b.weekend_factor <= 1.5
        assert views == 1 and 0.02 <= likes <= 0.10 and 0.0003 <= shares <= 0.002
        assert 0.001 <= comments <= 0.008 < 0.01  # comments under 1% of views
        assert 0.002 <= reactions <= 0.012
        assert 0.35 <= b.text_only <= 0.65 and 0 < b.text_with_sentiment <= 0.45
        assert b.text_only + b.text_with_sentiment <= 1
        assert 0.10 <= b.sentiment_mean <= 0.40 and 0.5 <= b.popularity_sigma <= 1.1
        assert 0.15 <= b.drift_sd <= 0.6 and 4 <= b.drift_hours <= 24
        assert sum(b.lang_weights) == pytest.approx(1.0)
        assert 0.60 <= max(b.lang_weights) <= 0.95
        assert b.hashtags and set(b.hashtags) & set(SHARED_TAGS)


def test_statistics_vary_across_seeds() -> None:
    brands = [b for seed in range(20) for b in regime(seed).brands]
    rates = np.array([b.views_per_min for b in brands])
    assert rates.max() / rates.min() > 10  # an order of magnitude between brands
    for field in ("text_only", "posts_per_day", "drift_sd", "sentiment_mean"):
        assert len({round(getattr(b, field), 6) for b in brands}) > 50
    assert len({r.jitter_mean_s for r in map(regime, range(20))}) == 20
    assert {b.lang for b in brands} == {"en", "fr", "de"}


@pytest.mark.parametrize("name", SMALL)
def test_pages_without_views_send_none(name: str, sim_factory: SimFactory) -> None:
    sim = sim_factory(name, scale=1.0)
    brand_of = np.asarray(sim.posts.brand)[sim.events.post]
    platform_of = np.asarray(sim.posts.platform)[sim.events.post]
    views = sim.events.etype == VIEW
    pages = {b for b, has in zip(sim.posts.brand, sim.posts.has_views, strict=True) if not has}
    assert pages
    on_pages = np.isin(brand_of, sorted(pages))
    assert on_pages.any() and not (views & on_pages).any()
    assert (views & ~on_pages).any()
    assert set(platform_of[on_pages]) == {NO_VIEW_PLATFORM}


@pytest.mark.parametrize("seed", range(5))
def test_about_half_of_the_comments_lack_sentiment(seed: int, sim_factory: SimFactory) -> None:
    sim = sim_factory("small_flop", seed, scale=1.0)
    comments = sim.events.etype == COMMENT
    no_sentiment = np.isnan(sim.events.sentiment[comments])
    assert 0.3 <= no_sentiment.mean() <= 0.7
    assert (sim.events.text[comments][no_sentiment] >= 0).all()  # text instead


@pytest.mark.parametrize("seed", range(3))
def test_small_volumes_spanning_orders_of_magnitude(seed: int, sim_factory: SimFactory) -> None:
    sim = sim_factory("small_flop", seed, history=24, scale=1.0)
    ev = sim.events
    brand_of = np.asarray(sim.posts.brand)[ev.post]
    hour = (ev.ts_ms - sim.start_ms) // (60 * MINUTE_MS)
    per_hour = []
    for brand in sorted(set(brand_of)):
        mine = brand_of == brand
        if sim.posts.has_views[sim.posts.brand.index(brand)]:
            minutes = (ev.ts_ms.max() - ev.ts_ms.min()) / MINUTE_MS
            assert (mine & (ev.etype == VIEW)).sum() / minutes < 60  # a few dozen a minute at most
            comments, views = (
                (mine & (ev.etype == COMMENT)).sum(),
                (mine & (ev.etype == VIEW)).sum(),
            )
            assert comments <= 0.01 * views + 3 * np.sqrt(0.01 * views) + 1  # + Poisson noise
            assert (mine & (ev.etype == LIKE)).sum() > comments
        per_hour.append(np.bincount(hour[mine], minlength=int(hour.max()) + 1))
    busiest = np.concatenate(per_hour)
    assert busiest.max() >= 100 * max(np.percentile(busiest, 5), 1)  # hours: from ~1 to hundreds


def test_brands_post_a_few_times_a_day() -> None:
    sim = simulate("small_flop", 1, history_hours=96, tail_hours=0)
    created = np.asarray(sim.posts.created_ms)
    inside = (created >= sim.start_ms) & (created < sim.history_end_ms)
    brands = np.asarray(sim.posts.brand)[inside]
    per_day = [np.sum(brands == b) / 4 for b in set(sim.posts.brand)]
    assert max(per_day) <= 8 and np.mean(per_day) >= 0.5


def test_same_seed_same_everything_other_seed_differs() -> None:
    one, two = (simulate("hashtag_hijack", 4, history_hours=4, tail_hours=0.5) for _ in range(2))
    assert json_lines(one) == json_lines(two)
    assert one.labels == two.labels
    assert one.arrival_ms is not None and two.arrival_ms is not None
    assert np.array_equal(one.arrival_ms, two.arrival_ms)
    other = simulate("hashtag_hijack", 5, history_hours=4, tail_hours=0.5)
    assert json_lines(other) != json_lines(one)
    assert {b for b in one.posts.brand} != {
        b for b in other.posts.brand
    } or one.labels != other.labels


def test_events_arrive_jittered_in_arrival_order(sim_factory: SimFactory) -> None:
    sim = sim_factory("small_ratioed", scale=1.0)
    assert sim.arrival_ms is not None
    delay = sim.arrival_ms - sim.events.ts_ms
    assert (np.diff(sim.arrival_ms) >= 0).all() and (delay >= 0).all()
    assert (np.diff(sim.events.ts_ms) < 0).any()  # out of event-time order
    assert np.median(delay) < 5_000 and delay.max() < 180_000  # late by 2 min + a tail
    assert 0.002 < (delay > 10_000).mean() < 0.15 and (delay > 30_000).mean() < 0.03


def test_json_lines_miss_optional_fields_now_and_then(sim_factory: SimFactory) -> None:
    sim = sim_factory("hashtag_hijack", 2, scale=1.0)
    lines = json_lines(sim)
    objects = [json.loads(line) for line in lines]
    assert [o["event_id"] for o in objects] == [
        f"{sim.event_id_prefix}{i}" for i in range(len(lines))
    ]
    for member, share in (("platform", 0.06), ("hashtags", 0.04)):
        missing = np.mean([member not in o for o in objects])
        assert missing < share
    assert sim.omit is not None and sim.omit.any()
    texts = [o for o in objects if "text" in o]
    assert 0 <= np.mean(["lang" not in o for o in texts]) < 0.11
    decoder = EventDecoder(user_id_salt="test")
    for line in lines[:: max(1, len(lines) // 3000)]:
        assert decoder.decode(line.encode()).rejections == []


def test_a_day_of_small_accounts_is_modest() -> None:
    sim = simulate("small_flop", 0, history_hours=24, tail_hours=0)
    span_days = (sim.end_ms - sim.start_ms) / DAY_MS
    assert len(sim.events) / span_days < 150_000
