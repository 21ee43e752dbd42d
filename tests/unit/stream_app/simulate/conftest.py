"""Small, fast simulations shared by the simulator tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pytest

from stream_app.simulate.columns import SimulatedEvents
from stream_app.simulate.episodes import Episode
from stream_app.simulate.model import HOUR_MS
from stream_app.simulate.scenarios import DEFAULT_START_MS, SCENARIOS, Simulation, simulate
from stream_app.simulate.small_model import SmallTrafficModel
from stream_app.simulate.small_regime import draw_regime


@cache
def _small(name: str, seed: int, history: float, tail: float, scale: float) -> Simulation:
    return simulate(name, seed, history_hours=history, tail_hours=tail, scale=scale)


@pytest.fixture
def sim_factory() -> Callable[..., Simulation]:
    """``sim_factory(name, seed=0, history=6, tail=1, scale=0.3)``: a cached small simulation."""

    def make(
        name: str, seed: int = 0, history: float = 6.0, tail: float = 1.0, scale: float = 0.3
    ) -> Simulation:
        return _small(name, seed, history, tail, scale)

    return make


@dataclass
class SmallWorld:
    """A small-account scenario taken apart: its model, episodes, baseline and injected events."""

    model: SmallTrafficModel
    episodes: list[Episode]
    baseline: SimulatedEvents
    injected: list[SimulatedEvents]


@cache
def _world(name: str, seed: int, history: float) -> SmallWorld:
    # The steps of ``simulate`` for a small-account scenario, keeping what it merges.
    spec = SCENARIOS[name]
    assert spec.small is not None
    rng_plan, rng_base, rng_episodes, rng_regime = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)
    )
    history_end = int(DEFAULT_START_MS + history * HOUR_MS)
    regime = draw_regime(rng_regime)
    episodes = spec.small(rng_plan, history_end, regime.brands)
    end = max(e.end_ms for e in episodes) + HOUR_MS
    model = SmallTrafficModel(rng_plan, DEFAULT_START_MS, end, regime)
    for episode in episodes:
        episode.prepare(model, rng_episodes)
    baseline = model.baseline(rng_base)
    return SmallWorld(model, episodes, baseline, [e.inject(model, rng_episodes) for e in episodes])


@pytest.fixture
def world_factory() -> Callable[..., SmallWorld]:
    """``world_factory(name, seed=0, history=6)``: a small-account scenario taken apart (cached)."""

    def make(name: str, seed: int = 0, history: float = 6.0) -> SmallWorld:
        return _world(name, seed, history)

    return make
