"""Synthetic bucket summaries of one brand for the operating-characteristics benchmark.

One entity (a brand) per run, at the level the detection engine reads: a
:class:`~detectors.contract.summary.BucketSummary` per 30 s bucket, no events, no ingest. The
model, per bucket ``i`` (all rates per entity, drawn once per entity by :func:`draw_profile`):

* expected interactions ``mu_i = rate x bucket minutes x rhythm(t_i) x drift_i x lift_i``:
  ``rate`` is the *daily mean* interactions per minute (the benchmark's base rate), ``rhythm``
  the simulator's daily shape (nights ~10% of the afternoon peak, an evening bump; no weekly
  factor) scaled to mean 1 over a day, ``drift`` a slow log AR(1) level wander (sd
  ``level_sd``, correlation time ``drift_hours``), ``lift`` 1 except during a shift;
* views ~ Poisson(``g_i mu_i / engagement``), ``g_i`` a per-bucket burst ~ Gamma(mean 1,
  shape ``dispersion``), engagement 3-10% per entity; interactions ``N_i`` ~ Binomial(views,
  engagement), so ``N_i`` is negative binomial (variance ``mu + mu^2 / dispersion``);
* negatives ``~ Binomial(N_i, share_i)``, ``share_i`` = the entity's calm negative share (5-10%)
  x a slow logit wander (sd ``share_sd``) x the shift's multiplier (capped at ``MAX_SHARE``);
  a negative is a negative comment (40%, sentiment ~ U(-0.95, -0.3)) or an angry reaction;
* the rest are likes (70%), calm comments (15%, sentiment ~ U(-0.25, 0.95), mean 0.35) and
  positive reactions (15%); every comment carries a sentiment.

The engine's ratio test sees ``negative / (negative + likes)`` (``trials = negative + likes``,
``detectors/detect/scoring.py``), which a shift of the negative share of interactions moves
monotonically; the sentiment test sees the comments' mean drop as negative comments replace
calm ones. A shift keeps total interactions (times ``lift``): negatives replace calm
interactions.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from detectors.contract.brand_bucket import BrandBucket
from detectors.contract.summary import BucketSummary

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
MAX_SHARE = 0.95  # a shifted negative share is capped here
NEG_COMMENT = 0.4  # share of negatives that are comments (the rest: angry reactions)
CALM_SPLIT = (0.70, 0.15, 0.15)  # calm interactions: likes, comments, positive reactions
CALM_SENT = (-0.25, 0.95)  # calm comment sentiment, uniform (above the -0.3 threshold)
NEG_SENT = (-0.95, -0.3)  # negative comment sentiment, uniform (at or below it)
Shape = Literal["step", "ramp"]


def rhythm(t_ms: np.ndarray) -> np.ndarray:
    """Daily activity multiplier with mean 1 over a day (the simulator's daily shape, from
    ``stream_app/simulate/model.py``, without its weekly factor).

    >>> t = np.arange(0, DAY_MS, 30_000)
    >>> round(float(rhythm(t).mean()), 6), round(float(rhythm(t).min() / rhythm(t).max()), 2)
    (1.0, 0.1)
    """
    return _daily(t_ms) / _DAILY_MEAN


def _daily(t_ms: np.ndarray) -> np.ndarray:
    hour = (t_ms % DAY_MS) / HOUR_MS
    daily = 0.55 - 0.45 * np.cos(2 * np.pi * (hour - 3.5) / 24.0)
    return np.asarray(daily + 0.2 * np.exp(-(((hour - 20.0) / 1.5) ** 2)))


_DAILY_MEAN = float(_daily(np.arange(0, DAY_MS, 30_000)).mean())


@dataclass(frozen=True)
class Profile:
    """One entity's traffic statistics."""

    rate: float  # daily mean interactions per minute
    share: float  # calm negative share of interactions
    engagement: float  # interactions per view
    dispersion: float = 50.0  # negative binomial shape per bucket (inf: Poisson)
    level_sd: float = 0.25  # sd of the log level wander
    share_sd: float = 0.1  # sd of the logit wander of the negative share
    drift_hours: float = 12.0  # correlation time of both wanders


def draw_profile(rate: float, rng: np.random.Generator, **fixed: float) -> Profile:
    """An entity at ``rate`` interactions/min: calm negative share U(0.05, 0.10), engagement
    U(0.03, 0.10); ``fixed`` sets any other :class:`Profile` field."""
    share = float(rng.uniform(0.05, 0.10))
    engagement = float(rng.uniform(0.03, 0.10))
    return Profile(rate=rate, share=share, engagement=engagement, **fixed)


@dataclass(frozen=True)
class Shift:
    """A negative-share shift: ``factor`` x the calm share from ``onset_ms``, reached at once
    (``step``) or linearly over ``ramp_ms`` (``ramp``), with interactions x ``lift``."""

    factor: float
    shape: Shape
    onset_ms: int
    ramp_ms: int = 3 * HOUR_MS
    lift: float = 1.0

    def multiplier(self, t_ms: np.ndarray) -> np.ndarray:
        """The share multiplier at bucket starts ``t_ms`` (1 before the onset).

        >>> s = Shift(4.0, "ramp", onset_ms=0, ramp_ms=100)
        >>> s.multiplier(np.array([-30, 0, 50, 100, 200])).tolist()
        [1.0, 1.0, 2.5, 4.0, 4.0]
        """
        since = t_ms - self.onset_ms
        if self.shape == "step":
            progress = (since >= 0).astype(float)
        else:
            progress = np.clip(since / self.ramp_ms, 0.0, 1.0)
        return np.asarray(1.0 + (self.factor - 1.0) * progress)


@dataclass(frozen=True)
class Latent:
    """The slow state of a run, bucket by bucket: expected interactions and calm share."""

    start_ms: np.ndarray  # bucket starts
    mu: np.ndarray  # expected interactions per bucket
    share: np.ndarray  # calm negative share per bucket

    def window(self, first: int, n: int) -> Latent:
        """Buckets ``first`` to ``first + n`` (exclusive)."""
        sl = slice(first, first + n)
        return Latent(self.start_ms[sl], self.mu[sl], self.share[sl])


def _ar1(n: int, sd: float, corr_buckets: float, rng: np.random.Generator) -> np.ndarray:
    """A stationary AR(1) series with marginal sd ``sd`` (zeros when ``sd`` is 0)."""
    if sd <= 0.0:
        return np.zeros(n)
    phi = math.exp(-1.0 / corr_buckets)
    noise = rng.normal(0.0, sd * math.sqrt(1.0 - phi * phi), n)
    out = np.empty(n)
    x = rng.normal(0.0, sd)
    for i in range(n):  # a plain loop: n is at most ~10^5 buckets
        x = phi * x + noise[i]
        out[i] = x
    return out


def latent(
    profile: Profile, start_ms: int, n: int, size_ms: int, rng: np.random.Generator
) -> Latent:
    """The slow state of ``n`` buckets of ``size_ms`` from ``start_ms``."""
    t = start_ms + size_ms * np.arange(n, dtype=np.int64)
    corr = profile.drift_hours * HOUR_MS / size_ms
    level = np.exp(_ar1(n, profile.level_sd, corr, rng) - profile.level_sd**2 / 2)
    mu = profile.rate * (size_ms / MINUTE_MS) * rhythm(t) * level
    logit = math.log(profile.share / (1.0 - profile.share)) + _ar1(n, profile.share_sd, corr, rng)
    return Latent(t, mu, 1.0 / (1.0 + np.exp(-logit)))


@dataclass(frozen=True)
class Counts:
    """Per-bucket count columns (what a summary carries)."""

    start_ms: np.ndarray
    interactions: np.ndarray
    likes: np.ndarray
    comments: np.ndarray
    reactions: np.ndarray
    negative: np.ndarray
    negative_comments: np.ndarray
    negative_reactions: np.ndarray
    positive_reactions: np.ndarray
    sentiment_sum: np.ndarray
    views: np.ndarray


def _uniform_sum(
    n: np.ndarray, bounds: tuple[float, float], rng: np.random.Generator
) -> np.ndarray:
    """Sums of ``n`` U(lo, hi) draws per bucket (normal approximation, clipped to the range)."""
    lo, hi = bounds
    mean, var = (lo + hi) / 2, (hi - lo) ** 2 / 12
    total = rng.normal(n * mean, np.sqrt(n * var))
    return np.clip(total, n * lo, n * hi)


def draw(
    profile: Profile, lat: Latent, rng: np.random.Generator, shift: Shift | None = None
) -> Counts:
    """Counts of the buckets of ``lat``, with ``shift`` applied if given."""
    mu, share = lat.mu, lat.share
    if shift is not None:
        share = np.minimum(share * shift.multiplier(lat.start_ms), MAX_SHARE)
        if shift.lift != 1.0:
            mu = np.where(lat.start_ms >= shift.onset_ms, mu * shift.lift, mu)
    if not math.isinf(profile.dispersion):
        mu = rng.gamma(profile.dispersion, mu / profile.dispersion)
    views = rng.poisson(mu / profile.engagement)
    n = rng.binomial(views, profile.engagement)  # so n ~ Poisson(mu) given the burst
    neg = rng.binomial(n, share)
    calm = n - neg
    neg_c = rng.binomial(neg, NEG_COMMENT)
    likes = rng.binomial(calm, CALM_SPLIT[0])
    calm_c = rng.binomial(calm - likes, CALM_SPLIT[1] / (CALM_SPLIT[1] + CALM_SPLIT[2]))
    pos_r = calm - likes - calm_c
    sent = _uniform_sum(calm_c, CALM_SENT, rng) + _uniform_sum(neg_c, NEG_SENT, rng)
    return Counts(
        start_ms=lat.start_ms,
        interactions=n,
        likes=likes,
        comments=neg_c + calm_c,
        reactions=(neg - neg_c) + pos_r,
        negative=neg,
        negative_comments=neg_c,
        negative_reactions=neg - neg_c,
        positive_reactions=pos_r,
        sentiment_sum=np.round(sent, 6),
        views=views,
    )


def brand_buckets(brand: str, counts: Counts, size_ms: int) -> Iterator[BrandBucket]:
    """One :class:`BrandBucket` per bucket with an event (views included), holding the brand's
    summary; a bucket without events is skipped, as the bucketer sends nothing for it (the
    engine fills the gap at the next bucket)."""
    cols = zip(
        counts.start_ms.tolist(),
        counts.interactions.tolist(),
        counts.likes.tolist(),
        counts.comments.tolist(),
        counts.reactions.tolist(),
        counts.negative.tolist(),
        counts.negative_comments.tolist(),
        counts.negative_reactions.tolist(),
        counts.positive_reactions.tolist(),
        counts.sentiment_sum.tolist(),
        counts.views.tolist(),
        strict=True,
    )
    for start, n, likes, comments, reactions, neg, neg_c, neg_r, pos_r, sent, views in cols:
        if n == 0 and views == 0:
            continue
        end = start + size_ms
        summary = BucketSummary(
            level="brand",
            entity=brand,
            brand=brand,
            start_ms=start,
            end_ms=end,
            views=views,
            likes=likes,
            comments=comments,
            reactions=reactions,
            negative=neg,
            negative_comments=neg_c,
            negative_reactions=neg_r,
            positive_reactions=pos_r,
            sentiment_sum=sent if comments else 0.0,
            sentiment_count=comments,
            events=views + n,
            has_views=True,
        )
        yield BrandBucket(brand=brand, start_ms=start, end_ms=end, summaries=[summary])
