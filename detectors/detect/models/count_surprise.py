"""Count-surprise test: is this bucket's count far above the seasonal expectation?
Quasi-Poisson upper tail (dispersion learned) plus a minimum lift."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from river import base

from detectors.detect.baseline import SeasonalBaseline, shrink
from detectors.detect.calibration import evidence_score
from detectors.detect.models._tails import poisson_log10_sf


class CountSurprise(base.AnomalyDetector):
    """Upward volume anomaly of a count series against an hour-of-week seasonal baseline.

    Features: ``count``, ``t`` (bucket start, epoch ms) and optionally ``prior`` (an expected
    count borrowed from the parent entity for cold start).

    Parameters
    ----------
    alpha
        Smoothing of the baseline level per bucket.
    season_alpha
        Smoothing of the seasonal factors.
    min_count
        Volume floor: smaller counts never score.
    min_lift
        Count / expected ratio that counts as "large".
    prior_buckets
        Weight (in buckets) of the parent's expectation while the own baseline is young.
    grace_period
        Learned buckets before scoring when no ``prior`` is given.

    Examples
    --------
    >>> model = CountSurprise()
    >>> for i in range(100):
    ...     model.learn_one({"count": 20, "t": i * 60_000})
    >>> model.score_one({"count": 24, "t": 100 * 60_000})
    0.0
    >>> model.score_one({"count": 200, "t": 100 * 60_000}) > 0.9
    True
    """

    def __init__(
        self,
        alpha: float = 0.02,
        season_alpha: float = 0.01,
        min_count: int = 30,
        min_lift: float = 3.0,
        prior_buckets: float = 30.0,
        grace_period: int = 10,
    ) -> None:
        self.alpha = alpha
        self.season_alpha = season_alpha
        self.min_count = min_count
        self.min_lift = min_lift
        self.prior_buckets = prior_buckets
        self.grace_period = grace_period
        self.baseline_ = SeasonalBaseline(alpha=alpha, season_alpha=season_alpha)

    def expected(self, x: dict[Hashable, Any]) -> float | None:
        """The expected count of the bucket at ``x["t"]`` (None when nothing is known yet)."""
        return self.expected_at(int(x["t"]), x.get("prior"))

    def expected_at(self, t_ms: int, prior: float | None = None) -> float | None:
        """:meth:`expected` on plain arguments (the engine's hot path)."""
        own = self.baseline_.expected(t_ms)
        if prior is not None:
            return shrink(own, float(self.baseline_.n), float(prior), self.prior_buckets)
        if self.baseline_.n < self.grace_period:
            return None
        return own

    def learn_one(self, x: dict[Hashable, Any]) -> None:
        self.baseline_.learn_one(float(x["count"]), int(x["t"]))

    def skip(self, buckets: int, first_t_ms: int, size_ms: int) -> None:
        """Learn ``buckets`` empty buckets."""
        self.baseline_.skip(buckets, first_t_ms, size_ms)

    def reanchor(self, x: dict[Hashable, Any]) -> None:
        """Accept the current count as the new level (a persistent shift)."""
        self.baseline_.reanchor(float(x["count"]), int(x["t"]))

    def score_one(self, x: dict[Hashable, Any]) -> float:
        return self.score(float(x["count"]), self.expected(x))

    def score(self, count: float, mu: float | None) -> float:
        """:meth:`score_one` of ``count`` given its :meth:`expected` count ``mu``."""
        if mu is None or count < self.min_count:
            return 0.0
        mu = max(mu, 0.5)
        phi = max(1.0, self.baseline_.disp)
        log10_p = poisson_log10_sf(count / phi, mu / phi)
        deviation = count / (mu + 1.0) - 1.0
        return evidence_score(log10_p, deviation, self.min_lift - 1.0)
