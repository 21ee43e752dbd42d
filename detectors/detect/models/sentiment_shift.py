"""Sentiment-shift test: has the mean comment sentiment dropped significantly and materially
below the entity's own (shrunk) baseline?"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any

from river import base

from detectors.detect.baseline import EWMean
from detectors.detect.calibration import evidence_score
from detectors.detect.models._tails import normal_log10_sf


class SentimentShift(base.AnomalyDetector):
    """One-sided test of a drop in mean sentiment, from per-bucket sums and counts.

    Features: ``sum`` and ``count`` of scored comments, optionally ``prior`` (the parent's
    baseline mean).

    Parameters
    ----------
    alpha
        Forgetting per bucket of the baseline.
    prior_mean
        Mean sentiment assumed before any evidence.
    prior_weight
        Pseudo-comments given to the prior.
    prior_var
        Per-comment variance assumed before any evidence.
    min_count
        Volume floor: fewer scored comments never score.
    min_shift
        Drop of the mean (its 95% lower bound) that counts as "large".
    grace_period
        Learned buckets before any score.

    Examples
    --------
    >>> model = SentimentShift()
    >>> for _ in range(60):
    ...     model.learn_one({"sum": 6.0, "count": 20})
    >>> model.score_one({"sum": 5.0, "count": 20})
    0.0
    >>> model.score_one({"sum": -12.0, "count": 30}) > 0.9
    True
    """

    look_cost = 0.0  # states pickled before this parameter existed

    def __init__(
        self,
        alpha: float = 0.01,
        prior_mean: float = 0.1,
        prior_weight: float = 30.0,
        prior_var: float = 0.16,
        min_count: int = 10,
        min_shift: float = 0.3,
        grace_period: int = 0,
        look_cost: float = 0.0,
    ) -> None:
        self.alpha = alpha
        self.prior_mean = prior_mean
        self.prior_weight = prior_weight
        self.prior_var = prior_var
        self.min_count = min_count
        self.min_shift = min_shift
        self.look_cost = look_cost
        self.grace_period = grace_period
        self.baseline_ = EWMean(alpha=alpha, prior_var=prior_var)

    def _prior(self, x: dict[Hashable, Any]) -> float:
        prior = x.get("prior")
        return self.prior_mean if prior is None else float(prior)

    def expected(self, x: dict[Hashable, Any] | None = None) -> float:
        """The baseline mean sentiment."""
        return self.baseline_.mean(self._prior(x or {}), self.prior_weight)

    def baseline(self, prior: float | None = None) -> float:
        """:meth:`expected` with the parent's ``prior`` given directly (no feature dict)."""
        return self.baseline_.mean(
            self.prior_mean if prior is None else float(prior), self.prior_weight
        )

    def learn_one(self, x: dict[Hashable, Any]) -> None:
        self.learn(float(x["sum"]), float(x["count"]), x.get("prior"))

    def learn(self, total: float, count: float, prior: float | None = None) -> None:
        """:meth:`learn_one` on plain arguments (the engine's hot path)."""
        self.baseline_.learn_one(
            total, count, self.prior_mean if prior is None else float(prior), self.prior_weight
        )

    def skip(self, buckets: int) -> None:
        """Account for ``buckets`` buckets without any comment."""
        self.baseline_.skip(buckets)

    def score_one(self, x: dict[Hashable, Any]) -> float:
        return self.score(float(x["sum"]), float(x["count"]), x.get("prior"))

    def score(self, total: float, count: float, prior: float | None = None) -> float:
        """:meth:`score_one` on plain arguments (the engine's hot path)."""
        if count < self.min_count or self.baseline_.n < self.grace_period:
            return 0.0
        mean = total / count
        se = math.sqrt(max(self.baseline_.var, 0.01) / count)
        drop = self.baseline(prior) - mean
        deviation = drop - 1.96 * se
        return evidence_score(
            normal_log10_sf(drop / se) - self.look_cost, deviation, self.min_shift
        )
