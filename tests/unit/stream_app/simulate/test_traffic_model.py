"""The baseline traffic model: determinism, type ratios, daily rhythm, realistic attributes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from stream_app.simulate.columns import COMMENT, LIKE, REACTION, SHARE, VIEW, SimulatedEvents
from stream_app.simulate.model import HOUR_MS, rhythm
from stream_app.simulate.scenarios import Simulation, simulate
from stream_app.simulate.texts import TEXT_LANG

SimFactory = Callable[..., Simulation]


def _same(a: SimulatedEvents, b: SimulatedEvents) -> bool:
    return all(
        np.array_equal(getattr(a, f), getattr(b, f), equal_nan=f == "sentiment")
        for f in SimulatedEvents._FIELDS
    )


def test_same_seed_gives_identical_events_and_labels() -> None:
    one = simulate("pile_on", 7, history_hours=3, tail_hours=0.5, scale=0.2)
    two = simulate("pile_on", 7, history_hours=3, tail_hours=0.5, scale=0.2)
    assert _same(one.events, two.events)
    assert one.labels == two.labels
    assert one.posts.post_id == two.posts.post_id


def test_different_seeds_differ() -> None:
    one = simulate("pile_on", 1, history_hours=3, tail_hours=0.5, scale=0.2)
    two = simulate("pile_on", 2, history_hours=3, tail_hours=0.5, scale=0.2)
    assert len(one.events) != len(two.events) or not _same(one.events, two.events)


def test_events_sorted_and_inside_the_simulated_span(sim_factory: SimFactory) -> None:
    sim = sim_factory("seasonal_quiet")
    ts = sim.events.ts_ms
    assert np.all(np.diff(ts) >= 0)
    assert ts[0] >= sim.start_ms and ts[-1] < sim.end_ms


def test_views_far_above_likes_above_comments_above_shares(sim_factory: SimFactory) -> None:
    counts = np.bincount(sim_factory("seasonal_quiet").events.etype, minlength=5)
    assert counts[VIEW] > 10 * counts[LIKE]
    assert counts[LIKE] > 2 * counts[COMMENT]
    assert counts[COMMENT] > 2 * counts[SHARE] > 0
    assert counts[REACTION] > 0


def test_daily_rhythm_has_quiet_nights() -> None:
    sim = simulate("seasonal_quiet", 3, history_hours=48, tail_hours=0, scale=0.2)
    hour = (sim.events.ts_ms % (24 * HOUR_MS)) // HOUR_MS
    per_hour = np.bincount(hour, minlength=24)
    night = per_hour[1:6].mean()
    afternoon = per_hour[13:18].mean()
    assert night < 0.35 * afternoon


def test_rhythm_weekend_factor_applies_on_saturday() -> None:
    saturday_noon = np.array([2 * 86_400_000 + 12 * HOUR_MS])  # 1970-01-03 was a Saturday
    assert rhythm(saturday_noon, 1.5)[0] == rhythm(saturday_noon, 1.0)[0] * 1.5


def test_healthy_baseline_has_a_few_percent_negative(sim_factory: SimFactory) -> None:
    ev = sim_factory("seasonal_quiet").events
    negative = ev.negative_mask()
    reactions = ev.etype == REACTION
    assert 0.05 < negative[reactions].mean() < 0.3
    likes = (ev.etype == LIKE).sum()
    ratio = negative.sum() / (negative.sum() + likes)
    assert 0.01 < ratio < 0.12


def test_comments_carry_sentiment_usually_and_sometimes_only_text(
    sim_factory: SimFactory,
) -> None:
    ev = sim_factory("seasonal_quiet").events
    comments = ev.etype == COMMENT
    has_sentiment = ~np.isnan(ev.sentiment[comments])
    text_only = (ev.text[comments] >= 0) & ~has_sentiment
    assert 0.7 < has_sentiment.mean() < 0.95
    assert text_only.sum() > 0 and np.all(ev.text[comments][~has_sentiment] >= 0)
    langs = set(TEXT_LANG[ev.text[ev.text >= 0]].tolist())
    assert langs == {0, 1, 2}


def test_users_come_from_a_large_skewed_population(sim_factory: SimFactory) -> None:
    users = sim_factory("seasonal_quiet").events.user
    users = users[users >= 0]
    _, counts = np.unique(users, return_counts=True)
    assert counts.size > 0.2 * users.size
    assert counts.max() < 0.05 * users.size
    assert counts.max() > 20 * np.median(counts)
