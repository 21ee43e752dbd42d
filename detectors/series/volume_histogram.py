"""A compact, exponentially decaying histogram over an adaptive value range.

The range starts narrow around the first value and doubles (merging neighbouring bins) whenever
a value falls outside it, so it never needs the series' min/max in advance. Counts decay
lazily: each new value is added with a weight that grows by ``1 / (1 - alpha)`` per value,
which is the same as multiplying every older count by ``1 - alpha``; the weights are rescaled
when they grow large. State is a few floats plus ``bins`` float32 counts.
"""

from __future__ import annotations

import math
from array import array

_RESCALE_AT = 1e6


class DecayingHistogram:
    """Exponentially decaying histogram with a range that grows by doubling.

    >>> h = DecayingHistogram(bins=8, alpha=0.01)
    >>> for v in [1.0, 2.0, 1.0, 2.0, 1.5]:
    ...     h.add(v)
    >>> h.log_density(1.0) > h.log_density(50.0)
    True
    """

    __slots__ = ("_alpha", "_counts", "_inc", "_prior", "_total", "far_ratio", "lo", "width")

    def __init__(
        self, bins: int = 48, alpha: float = 0.001, prior: float = 0.01, far_ratio: float = 0.0
    ) -> None:
        if bins < 2 or bins % 2:
            raise ValueError("bins must be an even number >= 2")
        self._alpha = alpha
        self._prior = prior
        self.far_ratio = far_ratio  # bins with count <= far_ratio * prior count as empty
        self._counts = array("f", bytes(4 * bins))
        self._inc = 1.0
        self._total = 0.0
        self.lo = 0.0
        self.width = 0.0  # 0 until the first value

    @property
    def bins(self) -> int:
        """Number of bins."""
        return len(self._counts)

    @property
    def empty(self) -> bool:
        """True before the first value."""
        return self.width == 0.0

    def log_density(self, x: float) -> float:
        """Log of the smoothed density at ``x``.

        An empty or out-of-range bin gets the prior, lowered by ``log(1 + d)`` where ``d`` is
        its distance in bins to the nearest non-empty bin: far-out values are rarer still.
        """
        counts = self._counts
        n = len(counts)
        i = math.floor((x - self.lo) / self.width) if self.width else -1
        c = counts[i] if 0 <= i < n else 0.0
        p = self._prior * self._inc
        out = math.log((c + p) / (self._total + p * n) / self.width)
        if c <= p * self.far_ratio and self._total > 0.0:
            out -= math.log1p(self._distance(i))
        return out

    def _distance(self, i: int) -> int:
        floor = self._prior * self._inc * self.far_ratio
        best = len(self._counts) * 4
        for k, c in enumerate(self._counts):
            if c > floor:
                best = min(best, abs(k - i))
        return best

    def widen_to(self, min_width: float) -> None:
        """Merge bins (doubling the width, range kept from ``lo``) until ``width >= min_width``."""
        while 0.0 < self.width < min_width:
            self._double(up=True)

    def add(self, x: float, first_width: float = 1e-9) -> None:
        """Add one value (decaying the older ones)."""
        if not math.isfinite(x):
            return
        n = len(self._counts)
        if self.width == 0.0:
            self.width = max(abs(x) * 1e-3, first_width)
            self.lo = x - self.width * (n // 2)
        while x >= self.lo + n * self.width:
            self._double(up=True)
        while x < self.lo:
            self._double(up=False)
        i = min(n - 1, math.floor((x - self.lo) / self.width))
        self._inc /= 1.0 - self._alpha
        self._counts[i] += self._inc
        self._total += self._inc
        if self._inc > _RESCALE_AT:
            scale = self._inc
            for k in range(n):
                self._counts[k] /= scale
            self._total /= scale
            self._inc = 1.0

    def _double(self, up: bool) -> None:
        c = self._counts
        half = len(c) // 2
        merged = [c[2 * k] + c[2 * k + 1] for k in range(half)]
        zeros = [0.0] * half
        self._counts = array("f", merged + zeros if up else zeros + merged)
        if not up:
            self.lo -= len(c) * self.width
        self.width *= 2.0
