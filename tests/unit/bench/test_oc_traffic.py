"""The operating-characteristics benchmark (bench/oc_*.py): traffic generator, statistics, runs."""

from __future__ import annotations

import doctest
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import oc_eval  # noqa: E402
import oc_report  # noqa: E402
import oc_runs  # noqa: E402
import oc_traffic  # noqa: E402
from oc_traffic import (  # noqa: E402
    DAY_MS,
    HOUR_MS,
    Counts,
    Latent,
    Profile,
    Shift,
    brand_buckets,
    draw,
    latent,
)

SIZE = 30_000
START = oc_runs.START_MS
STEADY = {"level_sd": 0.0, "share_sd": 0.0, "dispersion": math.inf}


def _run(
    profile: Profile, days: float, seed: int = 1, shift: Shift | None = None
) -> tuple[Latent, Counts]:
    rng = np.random.default_rng(seed)
    lat = latent(profile, START, int(days * DAY_MS // SIZE), SIZE, rng)
    return lat, draw(profile, lat, rng, shift)


@pytest.mark.parametrize("module", [oc_traffic, oc_report, oc_runs, oc_eval])
def test_doctests(module: ModuleType) -> None:
    assert doctest.testmod(module).failed == 0


@pytest.mark.parametrize("rate", [0.1, 10.0])
def test_quiet_traffic_has_the_configured_daily_mean_rate(rate: float) -> None:
    days = 200 if rate < 1 else 10  # ~29,000 interactions at 0.1/min
    _, c = _run(Profile(rate=rate, share=0.07, engagement=0.05, **STEADY), days)
    per_min = c.interactions.sum() / (days * 1440)
    assert per_min == pytest.approx(rate, rel=0.03)


def test_wandering_traffic_keeps_the_rate_and_share_in_expectation() -> None:
    p = Profile(rate=10.0, share=0.07, engagement=0.05)  # default wander and dispersion
    _, c = _run(p, 40, seed=3)
    assert c.interactions.sum() / (40 * 1440) == pytest.approx(10.0, rel=0.12)
    assert c.negative.sum() / c.interactions.sum() == pytest.approx(0.07, rel=0.12)


def test_nights_are_quiet_and_afternoons_busy() -> None:
    lat, c = _run(Profile(rate=10.0, share=0.07, engagement=0.05, **STEADY), 5)
    hour = (lat.start_ms % DAY_MS) // HOUR_MS
    night = c.interactions[hour == 3].mean()
    afternoon = c.interactions[hour == 15].mean()
    assert night < 0.2 * afternoon


def test_counts_add_up() -> None:
    _, c = _run(Profile(rate=30.0, share=0.3, engagement=0.05), 1)
    assert np.array_equal(c.likes + c.comments + c.reactions, c.interactions)
    assert np.array_equal(c.negative_comments + c.negative_reactions, c.negative)
    assert np.all(c.negative_comments <= c.comments)
    assert np.all(c.negative_reactions + c.positive_reactions == c.reactions)
    assert np.all(np.abs(c.sentiment_sum) <= c.comments + 1e-9)
    neg_only = (c.negative_comments == c.comments) & (c.comments > 0)
    assert np.all(c.sentiment_sum[neg_only] <= -0.3 * c.comments[neg_only] + 1e-9)


@pytest.mark.parametrize("factor", [2.0, 4.0, 8.0])
def test_a_step_shift_multiplies_the_negative_share(factor: float) -> None:
    p = Profile(rate=100.0, share=0.08, engagement=0.05, **STEADY)
    onset = START + DAY_MS
    lat, c = _run(p, 2, shift=Shift(factor, "step", onset))
    before, after = lat.start_ms < onset, lat.start_ms >= onset
    share = [c.negative[m].sum() / c.interactions[m].sum() for m in (before, after)]
    assert share[1] / share[0] == pytest.approx(factor, rel=0.05)
    # total interactions held: the shifted day has the calm day's volume (same rhythm)
    assert c.interactions[after].sum() / c.interactions[before].sum() == pytest.approx(1, rel=0.03)
    # the comments' mean sentiment drops with it
    mean = [c.sentiment_sum[m].sum() / c.comments[m].sum() for m in (before, after)]
    assert mean[1] < mean[0] - 0.1


def test_a_ramp_reaches_its_factor_after_the_ramp_and_is_half_way_in_its_middle() -> None:
    p = Profile(rate=100.0, share=0.08, engagement=0.05, **STEADY)
    onset = START + 10 * HOUR_MS
    shift = Shift(4.0, "ramp", onset, ramp_ms=3 * HOUR_MS)
    lat, c = _run(p, 1, shift=shift)
    t = lat.start_ms

    def share(lo: int, hi: int) -> float:
        m = (t >= lo) & (t < hi)
        return float(c.negative[m].sum() / c.interactions[m].sum())

    calm = share(START, onset)
    assert share(onset + 80 * 60_000, onset + 100 * 60_000) / calm == pytest.approx(2.5, rel=0.1)
    assert share(onset + 3 * HOUR_MS, onset + 9 * HOUR_MS) / calm == pytest.approx(4.0, rel=0.05)


def test_the_share_is_capped_below_one() -> None:
    p = Profile(rate=10.0, share=0.5, engagement=0.05, **STEADY)
    _, c = _run(p, 0.5, shift=Shift(8.0, "step", START))
    assert c.negative.sum() / c.interactions.sum() == pytest.approx(oc_traffic.MAX_SHARE, abs=0.01)


def test_brand_buckets_skip_empty_buckets_and_carry_the_counts() -> None:
    _, c = _run(Profile(rate=0.1, share=0.07, engagement=0.5), 1)
    buckets = list(brand_buckets("b", c, SIZE))
    nonempty = int(np.count_nonzero(c.interactions + c.views))
    assert 0 < len(buckets) == nonempty < len(c.start_ms)
    s = buckets[0].summaries[0]
    assert (s.level, s.entity, s.end_ms - s.start_ms, s.has_views) == ("brand", "b", SIZE, True)
    total = sum(b.summaries[0].events for b in buckets)
    assert total == int(c.interactions.sum() + c.views.sum())


def test_poisson_ci_covers_the_observation() -> None:
    for k in (0, 1, 5, 40):
        lo, hi = oc_report.poisson_ci(k)
        assert lo <= k <= hi
    assert oc_report.poisson_ci(10) == pytest.approx((4.795, 18.390), abs=1e-3)


def test_a_tiny_grid_runs_and_finds_a_large_step_at_a_high_rate() -> None:
    args = oc_eval.parse_args(
        ["--rates", "100", "--factors", "8", "--shapes", "step", "--entities", "1", "--days",
         "2", "--warmup-days", "1", "--repeats", "1", "--episode-hours", "1"]
    )  # fmt: skip
    (task,) = oc_eval.tasks(args)
    res = oc_runs.run_entity(task)
    (ep,) = res["episodes"]
    assert (ep["factor"], ep["shape"], ep["rate"]) == (8.0, "step", 100.0)
    assert ep["delay_watch_min"] is not None and 0 < ep["delay_watch_min"] <= 60
    assert res["quiet"]["entity_days"] == 2


def test_unknown_settings_are_refused() -> None:
    with pytest.raises(SystemExit):
        oc_runs.parse_sets(["no_such_knob=1"])
