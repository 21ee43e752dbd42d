"""A brand's launch curve: how busy its new posts usually are, by age.

A post's first minutes are its busiest, and posts differ widely in popularity. The curve keeps,
per log2-spaced band of a launching post's age in buckets, an exponentially weighted mean and
variance of ``log1p(events)``; the *usual maximum* of a launch at some age is the mean plus
``z`` standard deviations (back on the count scale). A launch above it is out of the ordinary.
"""

from __future__ import annotations

import math
from array import array

from detectors.detect.slots import SlotPickle

LAUNCH_BANDS = 6  # ages in buckets: 0, 1-2, 3-6, 7-14, 15-30, 31 and more
PRIOR_VAR = 0.25  # log-scale variance assumed before the spread is learned (sd 0.5)


def launch_band(age: int) -> int:
    """The band of a launching post's age in buckets (log2-spaced: launches decay fast first).

    >>> [launch_band(age) for age in (0, 1, 2, 3, 7, 15, 31, 500)]
    [0, 1, 1, 2, 3, 4, 5, 5]
    """
    return min((age + 1).bit_length() - 1, LAUNCH_BANDS - 1)


class LaunchCurve(SlotPickle):
    """Typical events per bucket of launching posts by age band, with their spread.

    Parameters
    ----------
    alpha
        Weight of one launch in a band (the per-bucket rate is ``alpha`` / the band's width, so
        each launch weighs about ``alpha`` in every band it passes).
    z
        Standard deviations (log scale) above the mean that still count as a usual launch.
    clip
        Values are winsorised at this many standard deviations above the mean (a viral launch
        barely moves the curve, yet every launch teaches: launches are what it is about).

    Examples
    --------
    >>> curve = LaunchCurve()
    >>> curve.usual_max(0) is None
    True
    >>> for _ in range(20):
    ...     curve.learn_one(0, 100.0)
    ...     curve.learn_one(0, 25.0)
    >>> 100 < curve.usual_max(0) < 400
    True
    >>> curve.learn_one(0, 100_000.0)  # one viral launch
    >>> curve.usual_max(0) < 600
    True
    """

    __slots__ = ("alpha", "clip", "mean", "var", "z")

    def __init__(self, alpha: float = 0.2, z: float = 2.0, clip: float = 3.0) -> None:
        self.alpha = alpha
        self.z = z
        self.clip = clip
        self.mean = array("f", [-1.0] * LAUNCH_BANDS)  # of log1p(events); -1: nothing seen
        self.var = array("f", [PRIOR_VAR] * LAUNCH_BANDS)

    def usual_max(self, age: int) -> float | None:
        """The most events a usual launch has at ``age`` buckets (None: no launch seen yet)."""
        band = launch_band(age)
        mean = self.mean[band]
        if mean < 0:
            return None
        return math.expm1(mean + self.z * math.sqrt(self.var[band]))

    def learn_one(self, age: int, events: float) -> None:
        """Learn one bucket of a launching post ``age`` buckets old."""
        band = launch_band(age)
        x, mean = math.log1p(max(0.0, events)), self.mean[band]
        if mean < 0:
            self.mean[band] = x
            return
        x = min(x, mean + self.clip * math.sqrt(self.var[band]))
        rate = self.alpha / 2**band
        d = x - mean
        self.mean[band] = mean + rate * d
        self.var[band] = (1.0 - rate) * (self.var[band] + rate * d * d)
