"""The scenario library: baseline history, then episodes, all deterministic for a seed.

Two regimes: the default one (four established brands, :mod:`stream_app.simulate.model`) and
the small-account regime (6-9 small brands drawn per seed, arrival jitter, missing fields:
:mod:`stream_app.simulate.small_regime`, scenarios in :mod:`stream_app.simulate.small_scenarios`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import msgspec
import numpy as np

from stream_app.simulate.columns import SimulatedEvents
from stream_app.simulate.episodes import (
    BotRaid,
    CampaignLaunch,
    Episode,
    Label,
    PileOn,
    SlowBurn,
    Viral,
)
from stream_app.simulate.model import (
    DEFAULT_BRANDS,
    HOUR_MS,
    MINUTE_MS,
    BrandProfile,
    PostTable,
    TrafficModel,
)
from stream_app.simulate.small_model import SmallTrafficModel
from stream_app.simulate.small_regime import SmallRegime, draw_regime
from stream_app.simulate.small_scenarios import SMALL_SCENARIOS, SmallBuilder

# Monday 2024-03-04 12:00 UTC: with whole days of history, episodes start at midday.
DEFAULT_START_MS = int(dt.datetime(2024, 3, 4, 12, tzinfo=dt.UTC).timestamp() * 1000)

Builder = Callable[[np.random.Generator, int, tuple[str, ...]], list[Episode]]


@dataclass(frozen=True)
class ScenarioSpec:
    """A named scenario: how much history, which episodes after it, how long a quiet tail.

    ``small``: a scenario of the small-account regime, built from the drawn brands' profiles
    (``build`` is then unused).
    """

    name: str
    description: str
    build: Builder
    history_hours: float = 48.0
    tail_hours: float = 2.0
    small: SmallBuilder | None = None


@dataclass
class Simulation:
    """The output of one scenario run: events in arrival order, their posts, ground truth.

    Without ``arrival_ms`` events arrive in event-time order. With it (the small-account regime)
    they are ordered by their arrival time, ``arrival_ms[i] >= events.ts_ms[i]``; ``omit`` holds
    per event the ``OMIT_*`` bits (:mod:`stream_app.simulate.small_regime`) of the optional
    members its JSON leaves out.
    """

    scenario: str
    seed: int
    start_ms: int
    history_end_ms: int
    end_ms: int
    posts: PostTable
    events: SimulatedEvents
    labels: list[Label]
    arrival_ms: np.ndarray | None = None
    omit: np.ndarray | None = None

    @property
    def event_id_prefix(self) -> str:
        """Event ids are ``<prefix><row>``: unique per scenario and seed."""
        return f"{self.scenario}-{self.seed}-"


def _minutes(rng: np.random.Generator, lo: float, hi: float) -> int:
    return int(rng.uniform(lo, hi) * MINUTE_MS)


def _pile_on(rng: np.random.Generator, t0: int, brands: tuple[str, ...]) -> list[Episode]:
    a, b = rng.permutation(len(brands))[:2]
    return [
        PileOn(brands[a], t0 + _minutes(rng, 20, 60), peak_views_per_min=rng.uniform(80, 160)),
        PileOn(brands[b], t0 + _minutes(rng, 240, 360), peak_views_per_min=rng.uniform(80, 160)),
    ]


def _slow_burn(rng: np.random.Generator, t0: int, brands: tuple[str, ...]) -> list[Episode]:
    brand = brands[int(rng.integers(len(brands)))]
    return [SlowBurn(brand, t0 + _minutes(rng, 0, 60), intensity=rng.uniform(0.8, 1.3))]


def _viral(rng: np.random.Generator, t0: int, brands: tuple[str, ...]) -> list[Episode]:
    a, b = rng.permutation(len(brands))[:2]
    return [
        Viral(brands[a], t0 + _minutes(rng, 20, 60), factor=rng.uniform(10, 50)),
        Viral(brands[b], t0 + _minutes(rng, 300, 420), factor=rng.uniform(10, 50)),
    ]


def _bot_raid(rng: np.random.Generator, t0: int, brands: tuple[str, ...]) -> list[Episode]:
    a, b = rng.permutation(len(brands))[:2]
    return [
        BotRaid(
            brands[a],
            t0 + _minutes(rng, 20, 60),
            bots=int(rng.integers(3, 12)),
            comments_per_min=rng.uniform(15, 40),
        ),
        BotRaid(
            brands[b],
            t0 + _minutes(rng, 240, 360),
            bots=int(rng.integers(3, 12)),
            comments_per_min=rng.uniform(15, 40),
            bot_offset=1000,
        ),
    ]


def _campaign(rng: np.random.Generator, t0: int, brands: tuple[str, ...]) -> list[Episode]:
    brand = brands[int(rng.integers(len(brands)))]
    tag = f"{brand}{['spring', 'launch', 'drop'][int(rng.integers(3))]}"
    return [CampaignLaunch(brand, t0 + _minutes(rng, 20, 60), tag=tag, n_posts=4)]


def _quiet(rng: np.random.Generator, t0: int, brands: tuple[str, ...]) -> list[Episode]:
    return []


def _no_views(rng: np.random.Generator, t0: int, brands: tuple[str, ...]) -> list[Episode]:
    brand = brands[int(rng.integers(len(brands)))]
    return [
        PileOn(
            brand,
            t0 + _minutes(rng, 20, 90),
            peak_views_per_min=rng.uniform(80, 160),
            has_views=False,
            description="negative pile-on on a post whose platform reports no views",
        )
    ]


def _demo(rng: np.random.Generator, t0: int, brands: tuple[str, ...]) -> list[Episode]:
    a, b = rng.permutation(len(brands))[:2]
    return [
        Viral(brands[a], t0 + 10 * MINUTE_MS, factor=30.0, rise_min=8.0),
        PileOn(brands[b], t0 + 30 * MINUTE_MS, peak_views_per_min=140.0, rise_min=6.0),
    ]


SCENARIOS: dict[str, ScenarioSpec] = {
    s.name: s
    for s in (
        ScenarioSpec("pile_on", "two negative pile-ons on single posts", _pile_on),
        ScenarioSpec("slow_burn", "a brand crisis building over hours", _slow_burn, tail_hours=3),
        ScenarioSpec("viral", "two positive viral posts (x10-50, healthy)", _viral),
        ScenarioSpec("bot_raid", "two bot raids: negative comments from few authors", _bot_raid),
        ScenarioSpec("campaign_launch", "a planned launch with a new hashtag", _campaign),
        ScenarioSpec(
            "seasonal_quiet",
            "a week of seasonal traffic with quiet nights and no episode",
            _quiet,
            tail_hours=120.0,
        ),
        ScenarioSpec("no_views", "a pile-on on a post with no view events", _no_views),
        ScenarioSpec(
            "demo", "3 days of baseline, then a viral post and a crisis", _demo, 72.0, 3.0
        ),
        *(
            ScenarioSpec(name, text, _quiet, tail_hours=tail, small=build)
            for name, text, build, tail in SMALL_SCENARIOS
        ),
    )
}


def simulate(
    name: str,
    seed: int = 0,
    *,
    start_ms: int = DEFAULT_START_MS,
    history_hours: float | None = None,
    tail_hours: float | None = None,
    scale: float = 1.0,
    brands: tuple[BrandProfile, ...] = DEFAULT_BRANDS,
) -> Simulation:
    """Generate one scenario: events and ground-truth labels, deterministic for a seed.

    ``brands`` applies to the default regime; small-account scenarios draw their own.
    """
    try:
        spec = SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}") from None
    # spawn(4) starts with the same three children as spawn(3): the default regime is unchanged.
    seeds = np.random.SeedSequence(seed).spawn(4)
    rng_plan, rng_base, rng_episodes, rng_regime = (np.random.default_rng(s) for s in seeds)
    history = spec.history_hours if history_hours is None else history_hours
    tail = spec.tail_hours if tail_hours is None else tail_hours
    history_end = int(start_ms + history * HOUR_MS)
    regime: SmallRegime | None = None
    if spec.small is not None:
        regime = draw_regime(rng_regime)
        episodes = spec.small(rng_plan, history_end, regime.brands)
    else:
        episodes = spec.build(rng_plan, history_end, tuple(b.name for b in brands))
    end = max([history_end, *(e.end_ms for e in episodes)]) + int(tail * HOUR_MS)
    if regime is None:
        model = TrafficModel(rng_plan, start_ms, end, brands, scale=scale)
    else:
        model = SmallTrafficModel(rng_plan, start_ms, end, regime, scale=scale)
    for episode in episodes:
        episode.prepare(model, rng_episodes)
    parts = [model.baseline(rng_base)]
    parts.extend(episode.inject(model, rng_episodes) for episode in episodes)
    events = SimulatedEvents.concat(parts)
    for episode in episodes:
        events = episode.rework(model, events, rng_episodes)
    events = events.take((events.ts_ms >= start_ms) & (events.ts_ms < end)).sorted()
    labels = [
        msgspec.structs.replace(e.label(model, f"{name}-{seed}-e{i}"), scenario=name, seed=seed)
        for i, e in enumerate(episodes)
    ]
    sim = Simulation(name, seed, int(start_ms), history_end, end, model.posts, events, labels)
    if regime is not None:
        sim.events, sim.arrival_ms, sim.omit = regime.deliver(rng_regime, events)
    return sim
