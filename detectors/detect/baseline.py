"""Online baselines: a seasonal (hour-of-day x weekday/weekend) count baseline, an EW ratio and an
EW mean, each with a learned dispersion, cold-start shrinkage toward a parent and re-anchoring.

They are plain, small objects (a few hundred bytes pickled) that the per-entity detectors in
:mod:`detectors.detect.models` compose. Time is event time in epoch milliseconds; nothing reads a
clock.
"""

from __future__ import annotations

import functools
import math
from array import array

from detectors.detect.slots import SlotPickle

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
SLOTS = 48  # 24 hours of the day x (weekday, weekend)


@functools.lru_cache(maxsize=4096)  # every entity of a brand bucket asks for the same start
def season_slot(t_ms: int) -> int:
    """The seasonal slot of an instant: hour of day (UTC), +24 on Saturdays and Sundays.

    >>> season_slot(0)  # 1970-01-01 00:00 UTC, a Thursday
    0
    >>> season_slot(2 * 86_400_000 + 13 * 3_600_000)  # Saturday 13:00
    37
    """
    hour = (t_ms // HOUR_MS) % 24
    weekday = (t_ms // DAY_MS + 3) % 7  # Monday = 0
    return int(hour + (24 if weekday >= 5 else 0))


def shrink(own: float, own_weight: float, prior: float, prior_weight: float) -> float:
    """Weighted blend of an entity's own estimate and its parent's (cold-start shrinkage).

    >>> shrink(0.5, 0.0, 0.1, 10.0)
    0.1
    >>> round(shrink(0.5, 30.0, 0.1, 10.0), 3)
    0.4
    """
    total = own_weight + prior_weight
    if total <= 0:
        return prior
    return (own * own_weight + prior * prior_weight) / total


class SeasonalBaseline(SlotPickle):
    """Expected count per bucket: an EW level times a per-slot seasonal factor.

    Parameters
    ----------
    alpha
        Smoothing of the deseasonalised level per bucket (after a running-mean start).
    season_alpha
        Smoothing of the seasonal factor of the slot being observed.
    max_gap_steps
        Empty buckets learned one by one after a gap; beyond that the level decays in closed form.

    >>> b = SeasonalBaseline()
    >>> for i in range(200):
    ...     b.learn_one(10.0, i * 60_000)
    >>> round(b.expected(200 * 60_000), 1)
    10.0
    """

    __slots__ = ("alpha", "disp", "factors", "level", "max_gap_steps", "n", "season_alpha")

    def __init__(
        self, alpha: float = 0.02, season_alpha: float = 0.01, max_gap_steps: int = 60
    ) -> None:
        self.alpha = alpha
        self.season_alpha = season_alpha
        self.max_gap_steps = max_gap_steps
        self.level = 0.0
        self.disp = 1.0  # EW mean of squared Pearson residuals (quasi-Poisson dispersion)
        self.n = 0
        self.factors = array("f", [1.0] * SLOTS)

    def expected(self, t_ms: int) -> float:
        """The expected count of the bucket starting at ``t_ms``."""
        expected = self.level * self.factors[season_slot(t_ms)]
        return expected if expected > 0.0 else 0.0  # max(0.0, expected)

    def learn_one(self, value: float, t_ms: int) -> None:
        """Learn the count of one bucket."""
        slot = season_slot(t_ms)
        factor = float(self.factors[slot])
        level, n, alpha = self.level, self.n, self.alpha
        expected = level * factor
        a = 1.0 / (n + 1)
        if not a > alpha:  # max(alpha, 1 / (n + 1))
            a = alpha
        if n >= 10 and expected > 0.5:
            resid = (value - expected) ** 2 / expected
            self.disp += alpha * ((50.0 if resid > 50.0 else resid) - self.disp)  # min(resid, 50)
        level += a * (value / factor - level)
        self.level = level
        if n >= 30 and level > 1e-6:
            target = value / level  # min(20.0, max(0.05, value / level))
            target = target if target > 0.05 else 0.05
            target = target if target < 20.0 else 20.0
            self.factors[slot] = factor + self.season_alpha * (target - factor)
        self.n = n + 1

    def skip(self, buckets: int, first_t_ms: int, size_ms: int) -> None:
        """Learn ``buckets`` empty buckets starting at ``first_t_ms`` (a gap in the stream)."""
        steps = min(buckets, self.max_gap_steps)
        for i in range(steps):
            self.learn_one(0.0, first_t_ms + i * size_ms)
        rest = buckets - steps
        if rest > 0:
            self.level *= (1.0 - self.alpha) ** rest
            self.n += rest

    def reanchor(self, value: float, t_ms: int) -> None:
        """Accept a persistent level shift: move the level to the current deseasonalised value."""
        self.level = value / float(self.factors[season_slot(t_ms)])


class EWRatio(SlotPickle):
    """Count-weighted exponentially-weighted ratio ``k / n`` with a learned dispersion.

    >>> r = EWRatio(alpha=0.05)
    >>> for _ in range(100):
    ...     r.learn_one(10, 100)
    >>> round(r.ratio(prior=0.5, prior_weight=20.0), 3)
    0.104
    """

    __slots__ = ("alpha", "clip", "disp", "n", "s_k", "s_n")

    def __init__(self, alpha: float = 0.01, clip: float = 2.0) -> None:
        self.alpha = alpha
        self.clip = clip
        self.s_k = 0.0
        self.s_n = 0.0
        self.disp = 1.5  # variance inflation over the binomial (beta-binomial-like)
        self.n = 0

    def ratio(self, prior: float, prior_weight: float) -> float:
        """The baseline ratio, shrunk toward ``prior`` with ``prior_weight`` pseudo-counts."""
        return (self.s_k + prior * prior_weight) / (self.s_n + prior_weight)

    def learn_one(self, k: float, n: float, prior: float = 0.1, prior_weight: float = 20.0) -> None:
        """Learn one bucket with ``k`` hits out of ``n``, winsorised at ``clip`` standard
        deviations above the current baseline (a slow drift cannot drag the baseline along)."""
        alpha, s_k, s_n = self.alpha, self.s_k, self.s_n
        p = (s_k + prior * prior_weight) / (s_n + prior_weight)  # self.ratio(prior, prior_weight)
        p = p if p > 0.01 else 0.01  # min(0.99, max(0.01, p))
        p = p if p < 0.99 else 0.99
        if n >= 5:
            resid = (k - n * p) ** 2 / (n * p * (1 - p))
            resid = 0.5 if resid < 0.5 else resid  # min(max(resid, 0.5), 30.0)
            self.disp += alpha * ((30.0 if resid > 30.0 else resid) - self.disp)
        if self.n >= 10 and n > 0:
            bound = n * p + self.clip * math.sqrt(n * p * (1 - p) * self.disp)
            if bound < k:  # min(k, bound)
                k = bound
        decay = 1.0 - alpha
        self.s_k = s_k * decay + k
        self.s_n = s_n * decay + n
        self.n += 1

    def skip(self, buckets: int) -> None:
        """Forget as ``buckets`` empty buckets would."""
        decay = (1.0 - self.alpha) ** buckets
        self.s_k *= decay
        self.s_n *= decay
        self.n += buckets

    @property
    def weight(self) -> float:
        """The effective number of trials remembered."""
        return self.s_n


class EWMean(SlotPickle):
    """Count-weighted EW mean of a per-item quantity (e.g. comment sentiment) and its item variance.

    >>> m = EWMean(alpha=0.05, prior_var=0.16)
    >>> for _ in range(50):
    ...     m.learn_one(total=2.0, count=10)
    >>> round(m.mean(prior=0.0, prior_weight=10.0), 3)
    0.19
    """

    __slots__ = ("alpha", "clip", "n", "s_w", "s_x", "var")

    def __init__(self, alpha: float = 0.01, prior_var: float = 0.16, clip: float = 2.0) -> None:
        self.alpha = alpha
        self.clip = clip
        self.s_w = 0.0
        self.s_x = 0.0
        self.var = prior_var
        self.n = 0

    def mean(self, prior: float, prior_weight: float) -> float:
        """The baseline mean, shrunk toward ``prior``."""
        return (self.s_x + prior * prior_weight) / (self.s_w + prior_weight)

    def learn_one(
        self, total: float, count: float, prior: float = 0.0, prior_weight: float = 20.0
    ) -> None:
        """Learn one bucket: ``count`` items summing to ``total``."""
        if count <= 0:
            return
        mu = self.mean(prior, prior_weight)
        if count >= 3:
            item_var = count * (total / count - mu) ** 2  # var(bucket mean) * count
            self.var += self.alpha * (min(max(item_var, 0.01), 1.0) - self.var)
        if self.n >= 10:  # winsorise the bucket mean at ``clip`` standard errors
            half = self.clip * math.sqrt(self.var / count)
            total = count * min(mu + half, max(mu - half, total / count))
        decay = 1.0 - self.alpha
        self.s_x = self.s_x * decay + total
        self.s_w = self.s_w * decay + count
        self.n += 1

    def skip(self, buckets: int) -> None:
        """Forget as ``buckets`` empty buckets would."""
        decay = (1.0 - self.alpha) ** buckets
        self.s_x *= decay
        self.s_w *= decay
        self.n += buckets

    @property
    def sd(self) -> float:
        """The per-item standard deviation."""
        return math.sqrt(self.var)
