"""Negative-ratio test: is ``negative / (negative + likes)`` significantly and materially above
the entity's own (shrunk) baseline ratio? Overdispersed-binomial tail plus a Wilson bound."""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any

from river import base

from detectors.detect.baseline import EWRatio
from detectors.detect.calibration import evidence_score
from detectors.detect.models._tails import (
    binomial_log10_sf,
    normal_log10_sf,
    wilson_lower_bound,
)


class RatioTest(base.AnomalyDetector):
    """Count-aware test of a hit ratio against a learned baseline.

    Features: ``negative`` (hits), ``total`` (trials) and optionally ``prior`` (the parent's
    baseline ratio, used for cold start instead of ``prior_ratio``).

    Parameters
    ----------
    alpha
        Forgetting per bucket of the baseline.
    prior_ratio
        Baseline ratio assumed before any evidence (when no parent ``prior`` is given).
    prior_weight
        Pseudo-trials given to the prior (shrinkage strength).
    min_total
        Volume floor: fewer trials never score.
    min_delta
        Absolute deviation of the Wilson lower bound above the baseline that counts as "large".
    relative_lift
        ... or, if larger, this multiple of the baseline.
    grace_period
        Learned buckets before any score (the prior already covers cold start).

    Examples
    --------
    >>> model = RatioTest()
    >>> for _ in range(60):
    ...     model.learn_one({"negative": 5, "total": 100})
    >>> model.score_one({"negative": 6, "total": 100})
    0.0
    >>> model.score_one({"negative": 3, "total": 4})  # 3 angry out of 4: below the floor
    0.0
    >>> model.score_one({"negative": 60, "total": 100}) > 0.9
    True
    """

    look_cost = 0.0  # states pickled before this parameter existed

    def __init__(
        self,
        alpha: float = 0.01,
        prior_ratio: float = 0.1,
        prior_weight: float = 50.0,
        min_total: int = 20,
        min_delta: float = 0.15,
        relative_lift: float = 1.0,
        grace_period: int = 0,
        look_cost: float = 0.0,
    ) -> None:
        self.alpha = alpha
        self.prior_ratio = prior_ratio
        self.prior_weight = prior_weight
        self.min_total = min_total
        self.min_delta = min_delta
        self.relative_lift = relative_lift
        self.look_cost = look_cost
        self.grace_period = grace_period
        self.baseline_ = EWRatio(alpha=alpha)

    def _prior(self, x: dict[Hashable, Any]) -> float:
        prior = x.get("prior")
        return self.prior_ratio if prior is None else float(prior)

    def expected(self, x: dict[Hashable, Any] | None = None) -> float:
        """The baseline ratio (own evidence shrunk toward the prior)."""
        return self.baseline_.ratio(self._prior(x or {}), self.prior_weight)

    def baseline(self, prior: float | None = None) -> float:
        """:meth:`expected` with the parent's ``prior`` given directly (no feature dict)."""
        return self.baseline_.ratio(
            self.prior_ratio if prior is None else float(prior), self.prior_weight
        )

    def learn_one(self, x: dict[Hashable, Any]) -> None:
        self.learn(float(x["negative"]), float(x["total"]), x.get("prior"))

    def learn(self, negative: float, total: float, prior: float | None = None) -> None:
        """:meth:`learn_one` on plain arguments (the engine's hot path)."""
        self.baseline_.learn_one(
            negative, total, self.prior_ratio if prior is None else float(prior), self.prior_weight
        )

    def skip(self, buckets: int) -> None:
        """Account for ``buckets`` buckets without any trial."""
        self.baseline_.skip(buckets)

    def score_one(self, x: dict[Hashable, Any]) -> float:
        return self.score(float(x["negative"]), float(x["total"]), x.get("prior"))

    def score(self, k: float, n: float, prior: float | None = None) -> float:
        """:meth:`score_one` on plain arguments (the engine's hot path)."""
        if n < self.min_total or self.baseline_.n < self.grace_period:
            return 0.0
        p0 = min(0.95, max(0.005, self.baseline(prior)))
        deviation = wilson_lower_bound(k, n) - p0
        if deviation <= 0.0:
            return 0.0  # no effect: the score is 0 whatever the tail says
        disp = max(1.0, self.baseline_.disp)
        scale = max(self.min_delta, self.relative_lift * p0)
        return evidence_score(_log10_sf(k / disp, n / disp, p0) - self.look_cost, deviation, scale)


def _log10_sf(k: float, n: float, p: float) -> float:
    """Upper tail of the (dispersion-scaled) hit count: exact binomial for small counts, where the
    normal approximation is overconfident, the continuity-corrected normal beyond."""
    if n <= 500:
        return binomial_log10_sf(k, n, p)
    return normal_log10_sf((k - n * p - 0.5) / math.sqrt(n * p * (1 - p)))
