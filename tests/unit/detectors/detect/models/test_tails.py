"""The tail probabilities of the count-aware tests, against scipy and against simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from detectors.detect.models._tails import binomial_log10_sf, wilson_lower_bound
from detectors.detect.models.ratio_test import RatioTest


@settings(max_examples=400, deadline=None)
@given(
    n=st.integers(1, 500),
    p=st.floats(0.001, 0.999),
    k_share=st.floats(0.0, 1.0),
)
def test_binomial_tail_equals_scipy(n: int, p: float, k_share: float) -> None:
    k = max(1, round(k_share * n))
    expected = -math.log10(max(float(binom.sf(k - 1, n, p)), 1e-300))
    got = binomial_log10_sf(k, n, p)
    if expected < 290:
        assert math.isclose(got, expected, rel_tol=1e-7, abs_tol=1e-9)
    else:
        assert got >= 290


@settings(max_examples=200, deadline=None)
@given(
    n=st.floats(1.0, 400.0), p=st.floats(0.005, 0.95), a=st.floats(0.0, 1.0), b=st.floats(0.0, 1.0)
)
def test_non_integer_tail_is_monotone_in_k(n: float, p: float, a: float, b: float) -> None:
    lo, hi = sorted((a * n, b * n))
    assert binomial_log10_sf(lo, n, p) <= binomial_log10_sf(hi, n, p) + 1e-9


def test_ratio_test_is_calibrated_at_small_counts() -> None:
    """Under the baseline itself (5% negatives, 10-30 trials a bucket), a watch-level score
    (0.6) is rare: the exact tail is not fooled by a few negatives in a small bucket, which the
    normal approximation would call significant."""
    rng = np.random.default_rng(7)
    model = RatioTest(min_total=10)
    for _ in range(300):
        model.learn_one({"negative": int(rng.binomial(40, 0.05)), "total": 40})
    totals = rng.integers(10, 31, size=200_000)
    hits = rng.binomial(totals, 0.05)
    alarms = sum(
        model.score_one({"negative": int(k), "total": int(n)}) >= 0.6
        for k, n in zip(hits, totals, strict=True)
    )
    assert alarms / len(totals) < 1e-4
    # ... while the evidence of a real pile-on in a bucket of that size is not missed
    assert model.score_one({"negative": 8, "total": 12}) >= 0.8


@pytest.mark.parametrize(
    ("k", "n", "lower"),
    [
        (3, 4, 0.3006),  # 3 angry out of 4: could well be 30%
        (0, 10, 0.0),
        (10, 10, 0.7225),
        (50, 100, 0.4038),
        (1, 1, 0.2065),
    ],
)
def test_wilson_lower_bound_against_known_values(k: int, n: int, lower: float) -> None:
    assert wilson_lower_bound(k, n) == pytest.approx(lower, abs=1e-4)


def test_three_angry_out_of_four_is_weak_evidence_but_300_of_400_is_strong() -> None:
    assert wilson_lower_bound(3, 4) < 0.31
    assert wilson_lower_bound(300, 400) > 0.7


def test_wilson_without_trials() -> None:
    assert wilson_lower_bound(0, 0) == 0.0


@given(st.integers(0, 10_000), st.integers(1, 10_000))
def test_wilson_lower_bound_is_below_the_ratio(k: int, n: int) -> None:
    k = min(k, n)
    assert 0.0 <= wilson_lower_bound(k, n) <= k / n + 1e-12
