"""The event-time watermark of one input shard, hardened against bogus timestamps.

The watermark is the largest event time accepted so far. Relative to it an event is

* ``future`` when ``ts > watermark + max_future_ms``: rejected, and it does not move the watermark;
* ``late`` when its bucket has closed (``bucket end + grace_ms <= watermark``), or the bucketer
  already flushed it: counted and dropped, never mixed into a later bucket;
* an *amendment* (accepted, :attr:`Watermark.is_amendment`) when its bucket was already emitted
  (``bucket end + emit_after_ms <= watermark``) but is still within grace: a bucket is first
  emitted ``emit_after_ms`` after its end and amended by the events that arrive later, up to
  ``grace_ms`` (early firing with late amendments; ``emit_after_ms = grace_ms``: no amendments);
* ``too_old`` when late by more than ``max_past_ms`` (``ts < watermark - max_past_ms``): a late
  event so old that its timestamp is suspicious. Events within grace are never ``too_old``.

The very first event sets the watermark, so a bogus first timestamp would poison it: the
:class:`~detectors.bucketing.bucketer.Bucketer` therefore holds its first few events and anchors the
watermark on their median (see its docstring); this class only does the arithmetic.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Verdict = Literal["accepted", "late", "future", "too_old"]

_NEVER = -(2**62)
NO_WATERMARK = _NEVER
"""The watermark before any event, in :meth:`Watermark.classify_rows`."""


def first_open_start(watermark_ms: int, size_ms: int, grace_ms: int) -> int:
    """The earliest bucket start still open at ``watermark_ms``: bucket ``[s, s + size_ms)``
    closes once the watermark reaches ``s + size_ms + grace_ms``; events before it are late.

    >>> first_open_start(210_000, 60_000, 30_000), first_open_start(209_999, 60_000, 30_000)
    (180000, 120000)
    """
    edge = watermark_ms - size_ms - grace_ms
    return edge - edge % size_ms + size_ms


class Watermark:
    """Watermark with future/late/too-old classification for tumbling buckets.

    >>> wm = Watermark(
    ...     size_ms=60_000, grace_ms=30_000, max_future_ms=300_000, max_past_ms=3_600_000
    ... )
    >>> wm.classify(1_000_000), wm.value
    ('accepted', None)
    >>> wm.observe(1_000_000); wm.value
    1000000
    >>> wm.classify(9_000_000), wm.classify(1_000_000 - 4_000_000), wm.classify(900_000)
    ('future', 'too_old', 'late')
    >>> wm.classify(960_000), wm.open_from
    ('accepted', 960000)

    With ``emit_after_ms``, buckets are emitted earlier and amended until grace:

    >>> wm = Watermark(size_ms=60_000, grace_ms=30_000, max_future_ms=300_000,
    ...                max_past_ms=3_600_000, emit_after_ms=1_000)
    >>> wm.observe(121_000); wm.emitted_from, wm.open_from
    (120000, 60000)
    >>> wm.classify(119_000), wm.is_amendment(119_000), wm.is_amendment(121_500)
    ('accepted', True, False)
    """

    __slots__ = (
        "_bump_at",
        "emit_after_ms",
        "emitted_from",
        "grace_ms",
        "max_future_ms",
        "max_past_ms",
        "open_from",
        "size_ms",
        "value",
    )

    def __init__(
        self,
        *,
        size_ms: int,
        grace_ms: int,
        max_future_ms: int,
        max_past_ms: int,
        emit_after_ms: int | None = None,
    ) -> None:
        if size_ms <= 0 or grace_ms < 0 or max_future_ms < 0 or max_past_ms < 0:
            raise ValueError(
                "need size_ms > 0 and grace_ms, max_future_ms, max_past_ms >= 0, got "
                f"{size_ms}, {grace_ms}, {max_future_ms}, {max_past_ms}"
            )
        if emit_after_ms is not None and emit_after_ms < 0:
            raise ValueError(f"need emit_after_ms >= 0, got {emit_after_ms}")
        self.size_ms = size_ms
        self.grace_ms = grace_ms
        # never later than grace: a bucket is emitted at the latest when it closes
        self.emit_after_ms = grace_ms if emit_after_ms is None else min(emit_after_ms, grace_ms)
        self.max_future_ms = max_future_ms
        self.max_past_ms = max_past_ms
        self.value: int | None = None
        self.open_from = _NEVER  # earliest bucket start still open; events before it are late
        self.emitted_from = _NEVER  # earliest bucket start not yet emitted (>= open_from)
        self._bump_at = _NEVER  # the watermark at which open_from or emitted_from moves next

    def classify(self, ts_ms: int) -> Verdict:
        """Judge an event time without changing anything (before any watermark: accepted)."""
        value = self.value
        if value is None:
            return "accepted" if ts_ms >= self.open_from else "late"
        if ts_ms > value + self.max_future_ms:
            return "future"
        if ts_ms < self.open_from:
            return "too_old" if ts_ms < value - self.max_past_ms else "late"
        return "accepted"

    def is_amendment(self, ts_ms: int) -> bool:
        """True when an accepted event's bucket was already emitted: the event amends it."""
        return ts_ms < self.emitted_from

    @property
    def next_change_at(self) -> int:
        """The smallest event time whose observation moves :attr:`open_from` or
        :attr:`emitted_from` (every time before the first observation)."""
        return self._bump_at

    def observe(self, ts_ms: int) -> None:
        """Advance to an accepted event time (never backwards)."""
        value = self.value
        if value is None or ts_ms > value:
            self.value = ts_ms
            if ts_ms >= self._bump_at:
                self._recompute()

    def raise_to(self, ts_ms: int) -> None:
        """Advance without an event (e.g. an idle shard told the time by its peers)."""
        self.observe(ts_ms)

    def close_before(self, end_ms: int) -> None:
        """Treat every bucket starting before ``end_ms`` as closed (after a flush)."""
        if end_ms > self.open_from:
            self.open_from = end_ms
        if end_ms > self.emitted_from:
            self.emitted_from = end_ms

    def _recompute(self) -> None:
        assert self.value is not None
        size, grace = self.size_ms, self.grace_ms
        emit = self.emit_after_ms
        self.open_from = max(self.open_from, first_open_start(self.value, size, grace))
        self.emitted_from = max(self.emitted_from, first_open_start(self.value, size, emit))
        self._bump_at = min(self.open_from + size + grace, self.emitted_from + size + emit)

    def classify_rows(self, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Judge new events in arrival order as if each were classified, then observed if
        accepted: the watermark before each (:data:`NO_WATERMARK` before any) and which are
        future and which late. A future or late row does not move the watermark, so rows after
        one are judged again without it (one pass per such row above the running maximum).
        Nothing changes; :meth:`observe` the largest accepted time afterwards.

        >>> wm = Watermark(size_ms=10, grace_ms=0, max_future_ms=100, max_past_ms=1_000)
        >>> before, future, late = wm.classify_rows(np.array([50, 500, 55, 49, 60]))
        >>> before.tolist()[1:], future.tolist(), late.tolist()
        ([50, 50, 55, 55], [False, True, False, False, False], [False, False, False, True, False])
        """
        start = _NEVER if self.value is None else self.value
        excluded = np.zeros(len(ts), bool)
        while True:
            eff = np.where(excluded, _NEVER, ts) if excluded.any() else ts
            before = np.maximum.accumulate(np.concatenate(([start], eff[:-1])))
            known = before != _NEVER
            future = known & (ts > before + self.max_future_ms)
            open_from = np.where(
                known,
                np.maximum(self.open_from, _first_open_starts(before, self.size_ms, self.grace_ms)),
                self.open_from,
            )
            late = ~future & (ts < open_from)
            wrong = (future | late) & ~excluded & (ts > before)
            if not wrong.any():
                return before, future, late
            excluded[int(np.argmax(wrong))] = True

    def emitted_from_at(self, watermarks: np.ndarray) -> np.ndarray:
        """:attr:`emitted_from` once the watermark has reached each of ``watermarks``."""
        starts: np.ndarray = np.maximum(
            self.emitted_from, _first_open_starts(watermarks, self.size_ms, self.emit_after_ms)
        )
        return starts


def _first_open_starts(watermarks: np.ndarray, size_ms: int, grace_ms: int) -> np.ndarray:
    """:func:`first_open_start` of each watermark."""
    edge: np.ndarray = watermarks - size_ms - grace_ms
    starts: np.ndarray = edge - edge % size_ms + size_ms
    return starts
