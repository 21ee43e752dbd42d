"""RatioCusum / SentimentCusum: bounded scores, false-alarm rate on quiet data, detection of
shifts that no single window shows, forgetting, reset and compact pickling."""

from __future__ import annotations

import math
import pickle
import random

from hypothesis import given
from hypothesis import strategies as st

from detectors.detect.models.sequential import RatioCusum, SentimentCusum

WATCH = 0.6  # DetectionConfig().watch_score


def _poisson(rng: random.Random, mu: float) -> int:
    k, p, limit = 0, 1.0, math.exp(-mu)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def test_quiet_binomial_stream_rarely_reaches_watch() -> None:
    """At the baseline ratio, ~2 days of 30-s buckets (three rates) stay below watch."""
    for rate in (0.5, 3.0, 30.0):
        rng = random.Random(int(rate * 10))
        model, above = RatioCusum(), 0
        for _ in range(6_000):
            n = _poisson(rng, rate)
            k = sum(rng.random() < 0.1 for _ in range(n))
            above += model.step(k, n, 0.1, 1.0, 0.15) >= WATCH
        assert above == 0, rate


def test_mild_but_persistent_shift_builds_evidence() -> None:
    """One negative of three trials per bucket (x3 the baseline share): no single bucket is
    conclusive, the CUSUM reaches watch within ~15 minutes and keeps rising."""
    model = RatioCusum()
    scores = [model.step(1, 3, 0.1, 1.0, 0.15) for _ in range(60)]
    assert scores[0] == 0.0
    first = next(i for i, s in enumerate(scores) if s >= WATCH)
    assert 10 <= first <= 40
    assert scores[-1] > scores[first]


def test_dispersion_slows_the_evidence() -> None:
    calm, noisy = RatioCusum(), RatioCusum()
    for _ in range(10):
        calm.step(1, 3, 0.1, 1.0, 0.15)
        noisy.step(1, 3, 0.1, 3.0, 0.15)
    assert max(noisy.stats) < max(calm.stats) / 2


def test_run_needs_enough_negatives() -> None:
    model = RatioCusum(min_negative=5)
    scores = [model.step(1, 1, 0.02, 1.0, 0.15) for _ in range(4)]
    assert scores == [0.0] * 4  # overwhelming odds, but only four angry reactions
    assert model.step(1, 1, 0.02, 1.0, 0.15) > WATCH


def test_forget_halves_after_half_life_and_reset_clears() -> None:
    model = RatioCusum(half_life=120)
    for _ in range(10):
        model.step(2, 3, 0.1, 1.0, 0.15)
    before = max(model.stats)
    model.forget(120)
    assert math.isclose(max(model.stats), before / 2, rel_tol=1e-4)
    model.reset()
    assert max(model.stats) == 0.0 and model.run[0] == model.run[1] == 0.0


def test_sentiment_drop_builds_and_calm_does_not() -> None:
    calm, angry = SentimentCusum(), SentimentCusum()
    rng = random.Random(3)
    for _ in range(3_000):
        values = [rng.gauss(0.2, 0.4) for _ in range(_poisson(rng, 2.0))]
        assert calm.step(sum(values), len(values), 0.2, 0.16, 0.3) < WATCH
    scores = [angry.step(-0.9, 3, 0.2, 0.16, 0.3) for _ in range(10)]
    assert scores[0] == 0.0 and scores[-1] > 0.9


def test_score_one_previews_without_learning() -> None:
    model = RatioCusum()
    x = {"negative": 2, "total": 3, "baseline": 0.1, "scale": 0.15}
    for _ in range(5):
        model.learn_one(x)
    stats = list(model.stats)
    preview = model.score_one(x)
    assert list(model.stats) == stats
    assert math.isclose(preview, model.step(2, 3, 0.1, 1.0, 0.15), rel_tol=1e-5)


def test_pickles_small() -> None:
    model = RatioCusum()
    model.step(3, 4, 0.1, 1.5, 0.15)
    copy = pickle.loads(pickle.dumps(model))
    assert list(copy.stats) == list(model.stats) and copy.decay == model.decay
    assert len(pickle.dumps(model)) < 300


def test_reference_is_frozen_while_a_run_lasts() -> None:
    """A baseline that learns the episode (a fresh post's share 0.03 -> 0.12) does not weaken
    the test: the run is scored against the share in force when it began."""
    frozen, drifting = RatioCusum(), RatioCusum()
    frozen_scores, drifting_scores = [], []
    for i in range(12):
        p0 = 0.03 + 0.01 * i  # the learned baseline, dragged up by the episode
        frozen_scores.append(frozen.step(1, 2, p0, 1.5, 0.15))
        assert frozen.reference(0.5) == 0.03
        drifting_scores.append(drifting.step(1, 2, p0, 1.5, 0.15))
        drifting.ref = math.nan  # the behaviour before: always the current baseline
    assert frozen_scores[-1] > drifting_scores[-1]
    assert frozen_scores[-1] >= WATCH > drifting_scores[-1]


def test_reference_follows_the_baseline_between_runs() -> None:
    model = SentimentCusum()
    assert model.reference(-0.2) == -0.2  # no run: the current baseline (negative is valid)
    model.step(-1.8, 3, 0.2, 0.16, 0.3)
    assert model.reference(-0.2) == 0.2
    model.reset()
    assert model.reference(0.1) == 0.1


def test_state_pickled_before_the_reference_restores_without_a_run() -> None:
    model = RatioCusum()
    model.step(3, 4, 0.1, 1.5, 0.15)
    old = model.__getstate__()[:-1]  # as written by a version without ``ref``
    copy = RatioCusum.__new__(RatioCusum)
    copy.__setstate__(old)
    assert math.isnan(copy.ref) and copy.reference(0.2) == 0.2


@given(
    st.lists(
        st.tuples(
            st.floats(0, 500, allow_nan=False),
            st.floats(0, 500, allow_nan=False),
            st.floats(0, 1, allow_nan=False),
            st.floats(0, 50, allow_nan=False),
        ),
        max_size=30,
    )
)
def test_scores_bounded_for_any_input(rows: list[tuple[float, float, float, float]]) -> None:
    ratio, sentiment = RatioCusum(), SentimentCusum()
    for k, n, p0, disp in rows:
        r = ratio.step(min(k, n), n, p0, disp, 0.15)
        m = sentiment.step(-k / 100, n, p0 - 0.5, disp / 10, 0.3)
        assert 0.0 <= r <= 1.0 and 0.0 <= m <= 1.0
        assert all(s >= 0.0 and math.isfinite(s) for s in (*ratio.stats, *sentiment.stats))
