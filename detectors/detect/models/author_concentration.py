"""Author-concentration test (bot raids): more repeated authors than usual, i.e. many events
from few distinct accounts. Counts ``repeats = author_events - distinct authors`` in a bucket and
tests them against the entity's usual repeat rate (Poisson upper tail plus a minimum excess)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from river import base

from detectors.detect.baseline import EWRatio
from detectors.detect.calibration import evidence_score
from detectors.detect.models._tails import poisson_log10_sf


class AuthorConcentration(base.AnomalyDetector):
    """Scores an excess of repeated authors in one bucket.

    Features: ``events`` (events that carried an author) and ``authors`` (distinct authors);
    ``authors == 0`` means unknown and scores 0.

    Parameters
    ----------
    alpha
        Forgetting per bucket of the baseline repeat rate.
    prior_repeat
        Repeat rate (repeats per event) assumed before any evidence.
    prior_weight
        Pseudo-events given to the prior.
    min_events
        Volume floor.
    min_excess
        Excess repeats per event that count as "large" (1 - the distinct-author share
        of the surge, roughly).
    max_share
        A distinct-author share (authors / events) at or below this is concentrated whatever
        the baseline (score 1 above the volume floor).
    grace_period
        Learned buckets before any score (the prior covers cold start).

    Examples
    --------
    >>> model = AuthorConcentration()
    >>> for _ in range(30):
    ...     model.learn_one({"events": 50, "authors": 48})
    >>> model.score_one({"events": 60, "authors": 57})
    0.0
    >>> model.score_one({"events": 40, "authors": 12}) > 0.9
    True
    """

    def __init__(
        self,
        alpha: float = 0.02,
        prior_repeat: float = 0.05,
        prior_weight: float = 50.0,
        min_events: int = 15,
        min_excess: float = 0.3,
        max_share: float = 0.3,
        grace_period: int = 0,
    ) -> None:
        self.alpha = alpha
        self.prior_repeat = prior_repeat
        self.prior_weight = prior_weight
        self.min_events = min_events
        self.min_excess = min_excess
        self.max_share = max_share
        self.grace_period = grace_period
        self.baseline_ = EWRatio(alpha=alpha)

    def expected(self) -> float:
        """The baseline repeat rate (repeats per event with an author)."""
        return self.baseline_.ratio(self.prior_repeat, self.prior_weight)

    def learn_one(self, x: dict[Hashable, Any]) -> None:
        self.learn(float(x["events"]), float(x["authors"]))

    def learn(self, events: float, authors: float) -> None:
        """:meth:`learn_one` on plain arguments (the engine's hot path)."""
        if events <= 0 or authors <= 0:
            return
        self.baseline_.learn_one(
            max(0.0, events - authors), events, self.prior_repeat, self.prior_weight
        )

    def score_one(self, x: dict[Hashable, Any]) -> float:
        return self.score(float(x["events"]), float(x["authors"]))

    def score(self, events: float, authors: float) -> float:
        """:meth:`score_one` on plain arguments (the engine's hot path)."""
        if authors <= 0 or events < self.min_events or self.baseline_.n < self.grace_period:
            return 0.0
        if authors / events <= self.max_share:
            return 1.0
        repeats = max(0.0, events - authors)
        mu = events * min(0.9, max(0.01, self.expected()))
        deviation = (repeats - mu) / events
        return evidence_score(poisson_log10_sf(repeats, mu), deviation, self.min_excess)
