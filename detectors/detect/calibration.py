"""Map raw test statistics and model scores to calibrated scores in [0, 1], and combine them.

Two kinds of calibration:

* analytic: a tail probability (``-log10 p``) and an effect size, each mapped linearly onto [0, 1]
  between a "nothing to see" and a "beyond doubt" point; a test scores high only when both the
  evidence (significance) and the size of the deviation are large;
* empirical: :class:`QuantileCalibrator` maps an uncalibrated score (e.g. HalfSpaceTrees) to its
  rank among recently seen scores (an exponentially-forgetting histogram).
"""

from __future__ import annotations

from array import array


def clip01(x: float) -> float:
    """Clamp to [0, 1].

    >>> clip01(1.7), clip01(-2.0), clip01(0.25)
    (1.0, 0.0, 0.25)
    """
    return 0.0 if x <= 0.0 else 1.0 if x >= 1.0 else float(x)


def tail_score(log10_p: float, lo: float = 1.3, hi: float = 6.0) -> float:
    """Significance score: 0 at ``p >= 10**-lo`` (default 0.05), 1 at ``p <= 10**-hi``.

    >>> tail_score(1.0), tail_score(6.5), round(tail_score(3.65), 2)
    (0.0, 1.0, 0.5)
    """
    return clip01((log10_p - lo) / (hi - lo))


def effect_score(deviation: float, scale: float) -> float:
    """Effect-size score: 0 for no deviation (or the wrong direction), 1 at ``deviation >= scale``.

    >>> effect_score(0.05, 0.1), effect_score(-0.3, 0.1), effect_score(0.4, 0.1)
    (0.5, 0.0, 1.0)
    """
    if scale <= 0:
        return 1.0 if deviation > 0 else 0.0
    return clip01(deviation / scale)


def evidence_score(log10_p: float, deviation: float, scale: float) -> float:
    """Significant and large: the geometric mean of :func:`tail_score` and :func:`effect_score`.

    >>> evidence_score(8.0, 1.0, 0.5)
    1.0
    >>> evidence_score(8.0, 0.0, 0.5)
    0.0
    """
    sig = tail_score(log10_p)
    eff = effect_score(deviation, scale)
    return float((sig * eff) ** 0.5)


def noisy_or(scores: list[float]) -> float:
    """Combine independent evidences: ``1 - prod(1 - s)``.

    >>> round(noisy_or([0.5, 0.5]), 2)
    0.75
    >>> noisy_or([])
    0.0
    """
    rest = 1.0
    for s in scores:
        rest *= 1.0 - (0.0 if s <= 0.0 else 1.0 if s >= 1.0 else float(s))  # clip01(s)
    return 1.0 - rest


class QuantileCalibrator:
    """Rank of a raw score among recent raw scores (exponentially-forgetting histogram on [0, 1]).

    Parameters
    ----------
    bins
        Number of histogram bins over [0, 1].
    decay
        Forgetting factor applied at each ``learn_one`` (1.0 = remember everything).
    grace_period
        Observations before :meth:`score_one` returns anything but 0.

    >>> cal = QuantileCalibrator(bins=10, grace_period=5)
    >>> for v in [0.1, 0.2, 0.2, 0.3, 0.1, 0.2]:
    ...     cal.learn_one(v)
    >>> cal.score_one(0.95)
    1.0
    >>> cal.score_one(0.05)
    0.0
    """

    def __init__(self, bins: int = 32, decay: float = 0.999, grace_period: int = 50) -> None:
        self.bins = bins
        self.decay = decay
        self.grace_period = grace_period
        self.n = 0
        self._hist = array("d", [0.0] * bins)

    def _bin(self, raw: float) -> int:
        return min(self.bins - 1, max(0, int(clip01(raw) * self.bins)))

    def learn_one(self, raw: float) -> None:
        """Add one raw score."""
        if self.decay < 1.0:
            for i in range(self.bins):
                self._hist[i] *= self.decay
        self._hist[self._bin(raw)] += 1.0
        self.n += 1

    def score_one(self, raw: float) -> float:
        """The share of remembered scores strictly below ``raw``'s bin (0 during grace)."""
        if self.n < self.grace_period:
            return 0.0
        total = sum(self._hist)
        if total <= 0:
            return 0.0
        below = sum(self._hist[: self._bin(raw)])
        return clip01(below / total)
