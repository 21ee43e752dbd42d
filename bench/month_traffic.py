"""A month of low-rate traffic for many brands: new posts every day, hashtags that come and go.

Built on the simulator (``stream_app.simulate``): its ``TrafficModel`` already publishes a
brand's posts every day of the span (``posts_per_day``, here 8-16, thinned by the daily rhythm)
with a decay of attention, and its episodes inject crises and viral posts. A brand's views are
shared among its live posts, so more posts a day means more distinct entities, not more events.
What it does not do is let hashtags come and go: a post draws its tags from the brand's fixed
list. So every post's tags are redrawn here: the brand's own tag, sometimes one of two evergreen
tags, and up to two *trending* tags of the day it was published: each brand starts one new
trending tag a day, live for ``TREND_DAYS`` days. Distinct posts and hashtags therefore keep
arriving all month, while the number *live* at any time is steady, which is what state expiry
has to bound.

The event rate is deliberately low (``scale``): what the soak measures is distinct entities over
time, not events, and a month must run in minutes on two cores. At such a rate nearly every
event is alone in its 30-s bucket, so stage 2's work (and the changelog records written, one per
entity and bucket) grows with events, not with entities: the rate decides the run time. Episodes
(negative pile-ons and viral posts) are absolute in size, so they still alert against the quiet
baseline.

>>> trending_tags("acme", 3)
('acmetrend1', 'acmetrend2', 'acmetrend3')
"""

from __future__ import annotations

import datetime as dt

import msgspec
import numpy as np

from stream_app.simulate import Simulation
from stream_app.simulate.columns import SimulatedEvents
from stream_app.simulate.episodes import Episode, PileOn, Viral
from stream_app.simulate.model import DAY_MS, HOUR_MS, BrandProfile, TrafficModel

TREND_DAYS = 3  # a trending tag is used on posts published over this many days
NAMES = (
    "acme", "northwind", "globex", "lumiere", "initech", "umbrella", "hooli", "stark",
    "wayne", "wonka", "tyrell", "cyberdyne", "soylent", "oscorp", "vandelay", "duff",
    "krusty", "piedpiper", "dunder", "aperture", "gringotts", "monarch", "massive", "sirius",
)  # fmt: skip
EVERGREEN = ("news", "behindthescenes", "deals", "community", "howto", "team")


def trending_tags(brand: str, day: int) -> tuple[str, ...]:
    """The brand's trending tags live on ``day`` (0-based): those started on the last
    ``TREND_DAYS`` days (one a day)."""
    return tuple(f"{brand}trend{d}" for d in range(max(day - TREND_DAYS + 1, 0), day + 1))


def brand_profiles(n: int, rng: np.random.Generator) -> tuple[BrandProfile, ...]:
    """``n`` brands (names cycle with a number past the 24 built in) of varied size and habits."""
    profiles = []
    for i in range(n):
        name = NAMES[i % len(NAMES)] + (str(i // len(NAMES)) if i >= len(NAMES) else "")
        profiles.append(
            BrandProfile(
                name,
                views_per_min=float(rng.lognormal(np.log(40.0), 0.4)),
                posts_per_day=float(rng.uniform(8.0, 16.0)),
                half_life_min=float(rng.uniform(240.0, 480.0)),
                platforms=("tiktok", "instagram", "youtube"),
                hashtags=tuple(str(t) for t in rng.choice(EVERGREEN, size=2, replace=False)),
                weekend_factor=float(rng.uniform(0.8, 1.4)),
            )
        )
    return tuple(profiles)


def episodes(model: TrafficModel, days: int, rng: np.random.Generator) -> list[Episode]:
    """A negative pile-on every ~3 days and a viral post every ~4 days, in the afternoon or
    evening, on random brands (none on day 0: the brands are still warming up). Both peak at
    100-200 views a minute, whatever the baseline: a viral post's factor is set from its brand's
    level."""
    brands = sorted(model.brands)
    out: list[Episode] = []
    for day in range(1, days):
        at = model.start_ms + day * DAY_MS + int(rng.uniform(13, 19) * HOUR_MS)
        if day % 3 == 1:
            brand = brands[int(rng.integers(len(brands)))]
            out.append(PileOn(brand, at, peak_views_per_min=float(rng.uniform(100, 200))))
        if day % 4 == 2:
            brand = brands[int(rng.integers(len(brands)))]
            factor = float(rng.uniform(100, 200)) / model.brand_scale(brand)
            out.append(Viral(brand, at + 2 * HOUR_MS, factor=factor))
    return out


def retag(model: TrafficModel, rng: np.random.Generator) -> None:
    """Redraw every post's hashtags: brand tag, maybe an evergreen one, trending tags of its day."""
    posts = model.posts
    for i in range(len(posts)):
        brand = posts.brand[i]
        day = max((posts.created_ms[i] - model.start_ms) // DAY_MS, 0)
        tags = [brand]
        evergreen = model.brands[brand].hashtags
        if rng.random() < 0.5:
            tags.append(str(rng.choice(evergreen)))
        live = trending_tags(brand, int(day))
        take = int(rng.integers(0, min(2, len(live)) + 1))
        tags.extend(str(t) for t in rng.choice(live, size=take, replace=False))
        posts.hashtags[i] = tuple(tags)


def month(
    days: int = 30,
    n_brands: int = 20,
    seed: int = 21,
    scale: float = 0.05,
    start_ms: int | None = None,
) -> Simulation:
    """The events of ``days`` days, sorted by time, starting at a UTC midnight (by default the
    one ``days + 1`` days ago, so the month ends a day before now and no event is in the
    future for the worker's clock)."""
    if start_ms is None:
        today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        start_ms = int(today.timestamp() * 1000) - (days + 1) * DAY_MS
    rng_plan, rng_base, rng_episodes = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)
    )
    brands = brand_profiles(n_brands, rng_plan)
    end_ms = start_ms + days * DAY_MS
    model = TrafficModel(rng_plan, start_ms, end_ms, brands, scale=scale)
    plan = episodes(model, days, rng_plan)
    for episode in plan:
        episode.prepare(model, rng_episodes)
    retag(model, rng_plan)
    parts = [model.baseline(rng_base)]
    parts.extend(episode.inject(model, rng_episodes) for episode in plan)
    events = SimulatedEvents.concat(parts)
    events = events.take((events.ts_ms >= start_ms) & (events.ts_ms < end_ms)).sorted()
    labels = [
        msgspec.structs.replace(e.label(model, f"month-{seed}-e{i}"), scenario="month", seed=seed)
        for i, e in enumerate(plan)
    ]
    return Simulation("month", seed, start_ms, start_ms, end_ms, model.posts, events, labels)


def day_bounds(sim: Simulation, days: int) -> list[int]:
    """Row index at which each day starts, plus the end: rows ``b[d]:b[d+1]`` are day ``d``."""
    edges = sim.start_ms + np.arange(days + 1, dtype=np.int64) * DAY_MS
    return [int(i) for i in np.searchsorted(sim.events.ts_ms, edges, side="left")]


def summary(sim: Simulation, days: int) -> dict[str, object]:
    """Events, posts and hashtags in total and per day (what the soak's entity counts follow)."""
    bounds = day_bounds(sim, days)
    post_ids = sim.events.post
    per_day_posts, per_day_tags, ever_posts, ever_tags = [], [], [], []
    posts_seen: set[int] = set()
    tags_seen: set[str] = set()
    for d in range(days):
        seen = np.unique(post_ids[bounds[d] : bounds[d + 1]]).tolist()
        tags = {f"{sim.posts.brand[p]}#{t}" for p in seen for t in sim.posts.hashtags[p]}
        posts_seen.update(seen)
        tags_seen.update(tags)
        per_day_posts.append(len(seen))
        per_day_tags.append(len(tags))
        ever_posts.append(len(posts_seen))
        ever_tags.append(len(tags_seen))
    return {
        "events": len(sim.events),
        "events_per_day": [bounds[d + 1] - bounds[d] for d in range(days)],
        "posts": len(np.unique(post_ids)),
        "posts_active_per_day": per_day_posts,
        "hashtags_active_per_day": per_day_tags,
        "posts_seen_by_day": ever_posts,  # what would be tracked without expiry
        "hashtags_seen_by_day": ever_tags,
        "episodes": [
            (lb.kind, lb.entity, round((lb.onset_ms - sim.start_ms) / DAY_MS, 2))
            for lb in sim.labels
        ],
    }
