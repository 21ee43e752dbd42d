"""One generic contract applied to every per-entity detector (River ``AnomalyDetector``)."""

from __future__ import annotations

import copy
import pickle
import random
from collections.abc import Callable
from typing import Any

import pytest
from river import base

from detectors.detect.models.author_concentration import AuthorConcentration
from detectors.detect.models.count_surprise import CountSurprise
from detectors.detect.models.ratio_test import RatioTest
from detectors.detect.models.sentiment_shift import SentimentShift

Sample = Callable[[random.Random, int], dict[str, Any]]


def _ratio(rng: random.Random, i: int) -> dict[str, Any]:
    n = rng.randint(0, 80)
    return {"negative": sum(rng.random() < 0.08 for _ in range(n)), "total": n}


def _sentiment(rng: random.Random, i: int) -> dict[str, Any]:
    count = rng.randint(0, 40)
    return {"sum": sum(rng.gauss(0.15, 0.4) for _ in range(count)), "count": count}


def _count(rng: random.Random, i: int) -> dict[str, Any]:
    return {"count": rng.randint(5, 40), "t": 1_700_000_000_000 + i * 60_000}


def _authors(rng: random.Random, i: int) -> dict[str, Any]:
    events = rng.randint(0, 60)
    return {"events": events, "authors": max(0, events - rng.randint(0, 2))}


def _spike(kind: str) -> dict[str, Any]:
    return {
        "ratio": {"negative": 70, "total": 100},
        "sentiment": {"sum": -20.0, "count": 40},
        "count": {"count": 500, "t": 1_700_000_000_000 + 300 * 60_000},
        "authors": {"events": 60, "authors": 5},
    }[kind]


DETECTORS: list[tuple[str, Callable[[], base.AnomalyDetector], Sample]] = [
    ("ratio", RatioTest, _ratio),
    ("sentiment", SentimentShift, _sentiment),
    ("count", CountSurprise, _count),
    ("authors", AuthorConcentration, _authors),
]
IDS = [name for name, _, _ in DETECTORS]


def _train(model: base.AnomalyDetector, sample: Sample, seed: int, n: int = 200) -> None:
    rng = random.Random(seed)
    for i in range(n):
        assert model.learn_one(sample(rng, i)) is None


@pytest.mark.parametrize(("name", "factory", "sample"), DETECTORS, ids=IDS)
def test_is_a_river_anomaly_detector(name: str, factory: Any, sample: Sample) -> None:
    model = factory()
    assert isinstance(model, base.AnomalyDetector)
    assert "grace_period" in model._get_params()
    clone = model.clone()  # every knob is a constructor parameter
    assert clone._get_params() == model._get_params()


@pytest.mark.parametrize(("name", "factory", "sample"), DETECTORS, ids=IDS)
def test_score_before_learn_is_valid(name: str, factory: Any, sample: Sample) -> None:
    model = factory()
    for x in (sample(random.Random(0), 0), _spike(name)):
        score = model.score_one(x)
        assert isinstance(score, float)
        assert 0.0 <= score <= 1.0


@pytest.mark.parametrize(("name", "factory", "sample"), DETECTORS, ids=IDS)
def test_scores_in_unit_interval_and_spike_scores_high(
    name: str, factory: Any, sample: Sample
) -> None:
    model = factory()
    _train(model, sample, seed=1)
    rng = random.Random(2)
    for i in range(200, 260):
        assert 0.0 <= model.score_one(sample(rng, i)) <= 1.0
    assert model.score_one(_spike(name)) > 0.9


@pytest.mark.parametrize(("name", "factory", "sample"), DETECTORS, ids=IDS)
def test_pickle_round_trip_keeps_behaviour(name: str, factory: Any, sample: Sample) -> None:
    model = factory()
    _train(model, sample, seed=3)
    restored = pickle.loads(pickle.dumps(model))
    rng_a, rng_b = random.Random(4), random.Random(4)
    for i in range(50):
        xa, xb = sample(rng_a, 300 + i), sample(rng_b, 300 + i)
        assert model.score_one(xa) == restored.score_one(xb)
        model.learn_one(xa)
        restored.learn_one(xb)
    assert model.score_one(_spike(name)) == restored.score_one(_spike(name))


@pytest.mark.parametrize(("name", "factory", "sample"), DETECTORS, ids=IDS)
def test_inputs_not_mutated(name: str, factory: Any, sample: Sample) -> None:
    model = factory()
    rng = random.Random(5)
    for i in range(100):
        x = sample(rng, i)
        before = copy.deepcopy(x)
        model.score_one(x)
        model.learn_one(x)
        assert x == before


@pytest.mark.parametrize(("name", "factory", "sample"), DETECTORS, ids=IDS)
def test_deterministic_under_seed(name: str, factory: Any, sample: Sample) -> None:
    a, b = factory(), factory()
    _train(a, sample, seed=6)
    _train(b, sample, seed=6)
    rng = random.Random(7)
    xs = [sample(rng, 400 + i) for i in range(30)] + [_spike(name)]
    assert [a.score_one(x) for x in xs] == [b.score_one(x) for x in xs]


@pytest.mark.parametrize(("name", "factory", "sample"), DETECTORS, ids=IDS)
def test_small_state(name: str, factory: Any, sample: Sample) -> None:
    model = factory()
    _train(model, sample, seed=8)
    assert len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)) < 1024
