"""Signals of one entity per design.md section 2, from one bucket summary or a rolling window.

Ratios come with count-aware Wilson 95% bounds so that 3 angry reactions out of 4 do not look
like a 75% certainty.
"""

from __future__ import annotations

import math
from collections import deque

import msgspec

from detectors.summary import BucketSummary

# Count fields kept per bucket by RollingWindow, in this order.
WINDOW_FIELDS = (
    "views",
    "likes",
    "comments",
    "shares",
    "reactions",
    "negative",
    "sentiment_count",
    "events",
)
_EVENTS = WINDOW_FIELDS.index("events")
_SENT = len(WINDOW_FIELDS)  # row index of the sentiment sum (micro-units)
_VIEWED = _SENT + 1  # row index of "this bucket reported views" (0/1)
_SCALE = 1_000_000


def wilson_lower_bound(k: float, n: float, z: float = 1.96) -> float:
    """Lower bound of the Wilson score interval of ``k`` successes in ``n`` trials (0 if n=0).

    >>> round(wilson_lower_bound(3, 4), 4), round(wilson_lower_bound(75, 100), 4)
    (0.3006, 0.657)
    >>> wilson_lower_bound(0, 0)
    0.0
    """
    if n <= 0:
        return 0.0
    p = k / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, (centre - margin) / (1 + z2 / n))


def wilson_upper_bound(k: float, n: float, z: float = 1.96) -> float:
    """Upper bound of the Wilson score interval (1 if n=0).

    >>> round(wilson_upper_bound(3, 4), 4), round(wilson_upper_bound(0, 10), 4)
    (0.9544, 0.2775)
    """
    if n <= 0:
        return 1.0
    p = k / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return min(1.0, (centre + margin) / (1 + z2 / n))


class Signals(msgspec.Struct, frozen=True, kw_only=True):
    """Signals of one entity; ``None`` where the data cannot say (no views, no sentiment, ...)."""

    views: int
    likes: int
    comments: int
    shares: int
    reactions: int
    events: int
    negative: int
    engagement_rate: float | None
    negative_ratio: float | None
    negative_ratio_lower: float
    negative_ratio_upper: float
    mean_sentiment: float | None
    velocity: float | None = None
    authors: int = 0
    author_concentration: float | None = None
    distinct_author_share: float | None = None

    @classmethod
    def from_counts(
        cls,
        counts: dict[str, int],
        sentiment_sum: float,
        *,
        has_views: bool,
        authors: int = 0,
        author_events: int = 0,
        velocity: float | None = None,
    ) -> Signals:
        """Signals from totals of :data:`WINDOW_FIELDS` (shared by bucket and window)."""
        views, likes = counts["views"], counts["likes"]
        comments, shares = counts["comments"], counts["shares"]
        negative, n_sent = counts["negative"], counts["sentiment_count"]
        trials = negative + likes
        concentration = share = None
        if authors > 0 and author_events > 0:
            concentration = author_events / authors
            share = min(1.0, authors / author_events)
        return cls(
            views=views,
            likes=likes,
            comments=comments,
            shares=shares,
            reactions=counts["reactions"],
            events=counts["events"],
            negative=negative,
            engagement_rate=(likes + comments + shares) / views if has_views and views else None,
            negative_ratio=negative / trials if trials else None,
            negative_ratio_lower=wilson_lower_bound(negative, trials),
            negative_ratio_upper=wilson_upper_bound(negative, trials),
            mean_sentiment=sentiment_sum / n_sent if n_sent else None,
            velocity=velocity,
            authors=authors,
            author_concentration=concentration,
            distinct_author_share=share,
        )

    @classmethod
    def from_summary(cls, s: BucketSummary) -> Signals:
        """Signals of a single bucket (no velocity).

        >>> s = BucketSummary(level="post", entity="p", brand="b", start_ms=0, end_ms=60,
        ...                   views=100, likes=1, comments=4, negative=3, sentiment_sum=-1.2,
        ...                   sentiment_count=4, events=105, has_views=True, authors=5,
        ...                   author_events=5)
        >>> x = Signals.from_summary(s)
        >>> x.engagement_rate, x.negative_ratio, round(x.negative_ratio_lower, 3), x.mean_sentiment
        (0.05, 0.75, 0.301, -0.3)
        """
        counts = {f: getattr(s, f) for f in WINDOW_FIELDS}
        return cls.from_counts(
            counts,
            s.sentiment_sum,
            has_views=s.has_views,
            authors=s.authors,
            author_events=s.author_events,
        )


class RollingWindow:
    """Totals over the last ``size_buckets`` buckets of one entity, O(1) per update.

    Push summaries in increasing ``start_ms``; buckets without a summary count as zero. State is
    a few small int tuples (no sketches): distinct-author signals come from the latest bucket,
    since distinct counts do not add up across buckets.

    >>> w = RollingWindow(3)
    >>> mk = lambda t, n: BucketSummary(level="brand", entity="a", brand="a", start_ms=t * 60,
    ...                                 end_ms=t * 60 + 60, likes=n, events=n)
    >>> for t, n in [(0, 10), (1, 10), (2, 40)]:
    ...     w.push(mk(t, n))
    >>> w.totals()["events"], w.signals().velocity
    (60, 3.0)
    >>> w.push(mk(5, 10)); w.totals()["events"], w.signals().velocity
    (10, 10.0)
    """

    __slots__ = ("_buckets", "_latest", "_totals", "size_buckets")

    def __init__(self, size_buckets: int) -> None:
        if size_buckets < 1:
            raise ValueError(f"size_buckets must be >= 1, got {size_buckets}")
        self.size_buckets = size_buckets
        self._buckets: deque[tuple[int, int, tuple[int, ...]]] = deque()  # (start, end, counts)
        self._totals = [0] * (_VIEWED + 1)
        self._latest: BucketSummary | None = None

    def push(self, s: BucketSummary) -> None:
        """Add the next bucket (older or equal ``start_ms`` than the latest: ``ValueError``)."""
        if self._latest is not None and s.start_ms <= self._latest.start_ms:
            raise ValueError(f"bucket {s.start_ms} is not after {self._latest.start_ms}")
        sentiment = round(s.sentiment_sum * _SCALE)
        row = (*(getattr(s, f) for f in WINDOW_FIELDS), sentiment, int(s.has_views))
        self._buckets.append((s.start_ms, s.end_ms, row))
        for i, v in enumerate(row):
            self._totals[i] += v
        self._latest = s
        horizon = s.start_ms - (self.size_buckets - 1) * (s.end_ms - s.start_ms)
        while self._buckets[0][0] < horizon:
            _, _, old = self._buckets.popleft()
            for i, v in enumerate(old):
                self._totals[i] -= v

    @property
    def has_views(self) -> bool:
        """True when some bucket in the window reported views."""
        return self._totals[_VIEWED] > 0

    def __len__(self) -> int:
        return len(self._buckets)

    def totals(self) -> dict[str, int]:
        """Summed counts over the window."""
        return dict(zip(WINDOW_FIELDS, self._totals, strict=False))

    def velocity(self) -> float | None:
        """Relative change of the latest bucket's events against the mean of the previous
        ``size_buckets - 1`` buckets (missing ones are zero; the mean is floored at one event);
        ``None`` before any bucket or with a window of one bucket."""
        if self._latest is None or self.size_buckets < 2:
            return None
        current = self._latest.events
        previous = self._totals[_EVENTS] - current
        mean_prev = previous / (self.size_buckets - 1)
        return (current - mean_prev) / max(mean_prev, 1.0)

    def signals(self) -> Signals:
        """Signals over the window, with velocity and the latest bucket's author figures."""
        latest = self._latest
        return Signals.from_counts(
            self.totals(),
            self._totals[_SENT] / _SCALE,
            has_views=self.has_views,
            authors=latest.authors if latest else 0,
            author_events=latest.author_events if latest else 0,
            velocity=self.velocity(),
        )
