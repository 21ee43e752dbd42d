"""De-duplication of event ids within an event-time horizon, with bounded memory."""

from __future__ import annotations

from collections import deque
from itertools import chain, islice


class EventDeduplicator:
    """Remembers event ids for ``horizon_ms`` of event time (and at most ``max_size`` of them).

    An id recorded at ``ts`` is remembered at least while ``ts >= newest - horizon_ms``, where
    ``newest`` is the largest recorded event time; ids are forgotten in arrival order, so one may
    be kept a little longer when events arrive out of order. When more than ``max_size`` ids are
    within the horizon the oldest-recorded are forgotten early and counted in ``evicted_early``.

    >>> d = EventDeduplicator(horizon_ms=1_000)
    >>> d.seen("a", 0), d.seen("a", 10), d.seen("b", 700)
    (False, True, False)
    >>> d.seen("c", 1_600), len(d), d.seen("a", 1_600)
    (False, 2, False)
    """

    __slots__ = (
        "_ids",
        "_newest",
        "_order_ids",
        "_order_ts",
        "evicted_early",
        "horizon_ms",
        "max_size",
    )

    def __init__(self, horizon_ms: int, max_size: int = 1_000_000) -> None:
        if horizon_ms < 0 or max_size < 1:
            raise ValueError(
                f"need horizon_ms >= 0 and max_size >= 1, got {horizon_ms}, {max_size}"
            )
        self.horizon_ms = horizon_ms
        self.max_size = max_size
        self.evicted_early = 0
        self._ids: set[str] = set()
        self._order_ts: deque[int] = deque()  # arrival order (two deques: no tuple per id)
        self._order_ids: deque[str] = deque()
        self._newest: int | None = None

    def __len__(self) -> int:
        return len(self._ids)

    def seen(self, event_id: str, ts_ms: int) -> bool:
        """True if ``event_id`` was recorded before (a duplicate); otherwise record it."""
        ids = self._ids
        if event_id in ids:
            return True
        ids.add(event_id)
        order_ts, order_ids = self._order_ts, self._order_ids
        order_ts.append(ts_ms)
        order_ids.append(event_id)
        newest = self._newest
        if newest is None or ts_ms > newest:
            self._newest = newest = ts_ms
        cutoff = newest - self.horizon_ms
        while order_ts and order_ts[0] < cutoff:
            order_ts.popleft()
            ids.discard(order_ids.popleft())
        if len(ids) > self.max_size:
            order_ts.popleft()
            ids.discard(order_ids.popleft())
            self.evicted_early += 1
        return False

    def recorded(self, event_id: str) -> bool:
        """True if ``event_id`` is remembered now (a new event with it would be a duplicate)."""
        return event_id in self._ids

    def isdisjoint(self, event_ids: list[str]) -> bool:
        """True if none of ``event_ids`` is recorded."""
        return self._ids.isdisjoint(event_ids)

    def record_new(self, event_ids: list[str], ts_ms: list[int]) -> None:
        """Record ids known to be new (not recorded before, no repeats), exactly as calling
        :meth:`seen` on each in order would.

        >>> a, b = EventDeduplicator(1_000, max_size=3), EventDeduplicator(1_000, max_size=3)
        >>> ids, ts = ["a", "b", "c", "d", "e"], [0, 500, 1_200, 1_300, 2_600]
        >>> _ = [a.seen(i, t) for i, t in zip(ids, ts)]; b.record_new(ids, ts)
        >>> (sorted(a._ids), a.evicted_early) == (sorted(b._ids), b.evicted_early)
        True
        """
        if not event_ids:
            return
        ids, order_ts, order_ids = self._ids, self._order_ts, self._order_ids
        newest = self._newest
        top = max(ts_ms)
        last = top if newest is None or top > newest else newest
        cutoff = last - self.horizon_ms
        over = len(ids) + len(event_ids) - self.max_size
        if over > 0 and min(islice(chain(order_ts, ts_ms), over + 1)) < cutoff:
            self._replay(event_ids, ts_ms)  # early evictions and the horizon interleave
            return
        ids.update(event_ids)
        order_ts.extend(ts_ms)
        order_ids.extend(event_ids)
        if over <= 0:  # no early eviction: the horizon drops the same prefix as one by one
            while order_ts and order_ts[0] < cutoff:
                order_ts.popleft()
                ids.discard(order_ids.popleft())
        else:  # only early evictions, one per recorded id
            for _ in range(over):
                order_ts.popleft()
                ids.discard(order_ids.popleft())
            self.evicted_early += over
        self._newest = last

    def _replay(self, event_ids: list[str], ts_ms: list[int]) -> None:
        for event_id, ts in zip(event_ids, ts_ms, strict=True):
            self.seen(event_id, ts)
