"""Univariate volume detector: value surprise -> short evidence -> record-relative score.

The stack, per value ``x`` (score with the state before ``x``, then learn ``x``):

1. **Surprise**: ``-log density`` of ``x`` under a decaying histogram of past values
   (:class:`~detectors.series.volume_histogram.DecayingHistogram`). Values that recur (daily
   spikes, a busy plateau) stop being surprising; values never seen before are.
2. **Evidence**: a short exponentially weighted mean of the surprise, so one odd value counts
   less than a run of them.
3. **Calibration**: the evidence above its long-run mean, as a fraction ``r`` of the largest
   evidence seen so far (a slowly decaying record). ``score = 1 - (1 - threshold) ** (r /
   record_fraction)``: 0 for ordinary values, ``threshold`` when the evidence reaches
   ``record_fraction`` of the record, towards 1 beyond it.
4. **Debounce**: after a score at or above ``threshold`` the next ``cooldown`` values score 0,
   so a long anomaly fires once rather than on every row.

For count data (every value so far a non-negative integer) the bin width never drops below
``count_floor * sqrt(mean)``, a Poisson-like noise floor: small counts cannot look surprising
just because each integer got its own bin.

Per-instance state is a few floats and ``bins`` float32 counts (well under 1.5 KB pickled).
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any

from river import base

from detectors.series.volume_histogram import DecayingHistogram


class VolumeDetector(base.AnomalyDetector):
    """Streaming anomaly score in [0, 1] for one univariate series (volume, counts, metrics).

    Features: ``value`` (float); ``t`` (epoch ms) is accepted and ignored.

    Parameters
    ----------
    bins
        Histogram bins (even).
    hist_alpha
        Decay of the value histogram per value (memory ~ ``1 / hist_alpha`` values).
    prior
        Pseudo-count per bin (relative to one fresh value): caps the surprise of unseen values.
    short_alpha
        Smoothing of the surprise into short-term evidence.
    long_alpha
        Smoothing of the long-run mean surprise (after ``long_warmup`` values).
    long_warmup
        Values over which the long-run mean is a plain average.
    record_decay
        Per-value decay of the record evidence towards the long-run mean.
    min_record
        Floor of the record above the long-run mean, in nats.
    record_fraction
        Fraction of the record at which the score equals ``threshold``.
    threshold
        Alert level of the score; also the level that starts the debounce.
    cooldown
        Values scored 0 after a score at or above ``threshold``.
    grace_period
        Values learned before the detector scores anything but 0.
    count_floor
        Minimum bin width in units of ``sqrt(mean)`` while the series looks like counts.
    count_alpha
        Smoothing of the mean used by the count floor.
    far_ratio
        A bin holding at most ``far_ratio`` prior counts is empty; the surprise of a value in
        an empty bin grows with ``log(1 + distance)`` to the nearest non-empty bin.

    Examples
    --------
    >>> import random
    >>> rng = random.Random(7)
    >>> model = VolumeDetector()
    >>> for i in range(400):
    ...     x = {"value": 50.0 + rng.gauss(0.0, 2.0)}
    ...     _ = model.score_one(x)
    ...     model.learn_one(x)
    >>> model.score_one({"value": 51.0}) < 0.5
    True
    >>> model.score_one({"value": 120.0}) > 0.9
    True
    """

    def __init__(
        self,
        bins: int = 48,
        hist_alpha: float = 0.001,
        prior: float = 0.01,
        short_alpha: float = 0.5,
        long_alpha: float = 0.0005,
        long_warmup: int = 500,
        record_decay: float = 0.99995,
        min_record: float = 1.0,
        record_fraction: float = 0.8,
        threshold: float = 0.8,
        cooldown: int = 30,
        grace_period: int = 150,
        count_floor: float = 0.25,
        count_alpha: float = 0.01,
        far_ratio: float = 1.0,
    ) -> None:
        self.bins = bins
        self.hist_alpha = hist_alpha
        self.prior = prior
        self.short_alpha = short_alpha
        self.long_alpha = long_alpha
        self.long_warmup = long_warmup
        self.record_decay = record_decay
        self.min_record = min_record
        self.record_fraction = record_fraction
        self.threshold = threshold
        self.cooldown = cooldown
        self.grace_period = grace_period
        self.count_floor = count_floor
        self.count_alpha = count_alpha
        self.far_ratio = far_ratio
        self._hist = DecayingHistogram(
            bins=bins, alpha=hist_alpha, prior=prior, far_ratio=far_ratio
        )
        self._n = 0  # values learned
        self._short = 0.0  # short-term evidence (EW mean surprise)
        self._mean = 0.0  # long-run mean surprise
        self._record = -1.0  # record evidence; < 0 until the grace period ends
        self._cool = 0  # values still to be silenced
        self._level = 0.0  # EW mean of the values (count floor)
        self._counts = True  # every value so far a non-negative integer

    # -- scoring -------------------------------------------------------------------------------

    def _surprise(self, x: float) -> float:
        return -self._hist.log_density(x)

    def _calibrated(self, short: float) -> float:
        record = self._record if self._record >= 0 else max(short, self._mean + self.min_record)
        r = max(0.0, short - self._mean) / max(record - self._mean, 1e-3)
        return 1.0 - float((1.0 - self.threshold) ** (r / self.record_fraction))

    def _raw_score(self, x: float) -> tuple[float, float, float]:
        """(score ignoring the debounce, surprise of ``x``, new short-term evidence)."""
        if self._hist.empty:
            return 0.0, 0.0, self._short
        surprise = self._surprise(x)
        short = self._short + self.short_alpha * (surprise - self._short)
        if self._n < self.grace_period:
            return 0.0, surprise, short
        return self._calibrated(short), surprise, short

    def score_one(self, x: dict[Hashable, Any]) -> float:
        """Anomaly score of ``x["value"]`` in [0, 1] given the values learned so far."""
        value = float(x["value"])
        if not math.isfinite(value) or self._cool > 0:
            return 0.0
        return self._raw_score(value)[0]

    # -- learning ------------------------------------------------------------------------------

    def learn_one(self, x: dict[Hashable, Any]) -> None:
        """Update the evidence, the record, the debounce and the histogram with ``x``."""
        value = float(x["value"])
        if not math.isfinite(value):
            return
        score, surprise, short = self._raw_score(value)
        if not self._hist.empty:
            if self._n >= self.grace_period:
                if self._record < 0:
                    self._record = max(short, self._mean + self.min_record)
                else:
                    decayed = self._mean + (self._record - self._mean) * self.record_decay
                    self._record = max(short, decayed)
            if self._cool > 0:
                self._cool -= 1
            elif score >= self.threshold:
                self._cool = self.cooldown
            self._short = short
            a = self.long_alpha if self._n >= self.long_warmup else 1.0 / (self._n + 1)
            self._mean += a * (surprise - self._mean)
        self._learn_value(value)

    def _learn_value(self, value: float) -> None:
        self._n += 1
        a = max(self.count_alpha, 1.0 / self._n)
        self._level += a * (value - self._level)
        self._counts = self._counts and value >= 0.0 and value == math.floor(value)
        self._hist.add(value)
        if self._counts and self.count_floor > 0.0:
            self._hist.widen_to(self.count_floor * math.sqrt(max(self._level, 1.0)))
