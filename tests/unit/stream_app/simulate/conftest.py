"""Small, fast simulations shared by the simulator tests."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pytest

from stream_app.simulate.scenarios import Simulation, simulate


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
