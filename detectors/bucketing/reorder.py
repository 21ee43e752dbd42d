"""Stage 1's event order: a deterministic function of each topic-partition's events in offset order.

A shard (input partition number *p*) reads partition *p* of every input topic. Each
topic-partition keeps its own clock, the largest event time read from it so far, and every event
gets a *merge time* from that clock alone, when it is read:

* ``ts > clock - reorder_ms`` (on time, the clock before it): its own time, ``ts``;
* otherwise (out of order by more than ``reorder_ms``): the clock, so the bucketer sees it exactly
  when its partition's clock stood there, and classifies it by that clock: an amendment while its
  bucket is within grace, else late.

The bucketer receives the shard's events sorted by ``(merge time, topic index, offset)``. A
topic-partition's later events never have a merge time below ``clock - reorder_ms``, so every row
below ``min(clock) - reorder_ms`` over the topic-partitions that can still deliver anything can
go (:meth:`ShardMerge.take`), and the concatenation of what goes, however the input was fetched
and chunked, is that one sorted sequence. Nothing depends on when a chunk was fetched.

>>> merge = ShardMerge(reorder_ms=10)
>>> rows = lambda *ts: EventColumns.from_events(
...     [Event(event_id=str(t), type="like", ts_ms=t, brand="b", post_id="p") for t in ts],
...     offsets=range(len(ts)))
>>> merge.add(0, rows(100, 95, 80, 120))  # 80 is 20 behind its clock: merged at 100
>>> merge.clocks
{0: 120}
>>> merge.add(1, rows(90, 130))
>>> ready = merge.take(merge.limit())  # below min(120, 130) - 10 = 110
>>> ready.ts_ms.tolist(), ready.offset.tolist(), len(merge)
([90, 95, 100, 80], [0, 1, 0, 2], 2)
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from detectors.ingest.columns import EventColumns
from detectors.ingest.events import Event  # noqa: F401  (the doctest)

NO_CLOCK = -(2**62)


def merge_times(ts: np.ndarray, clock: int, reorder_ms: int) -> tuple[np.ndarray, int]:
    """The merge time of each row of one topic-partition in offset order, and the clock after.

    >>> s, clock = merge_times(np.array([100, 95, 80, 120]), NO_CLOCK, 10)
    >>> s.tolist(), clock
    ([100, 95, 100, 120], 120)
    """
    if not len(ts):
        return ts.copy(), clock
    before = np.maximum.accumulate(np.concatenate(([clock], ts[:-1])))
    on_time = ts > before - reorder_ms
    merged: np.ndarray = np.where(on_time, ts, before)
    return merged, max(clock, int(ts.max()))


class ShardMerge:
    """One shard's topic-partitions: their clocks and the rows waiting for their merge turn."""

    def __init__(self, reorder_ms: int) -> None:
        if reorder_ms < 0:
            raise ValueError(f"need reorder_ms >= 0, got {reorder_ms}")
        self.reorder_ms = reorder_ms
        self.clocks: dict[int, int] = {}  # topic index -> largest event time read
        # (topic index of each row, rows, merge time of each row)
        self.chunks: list[tuple[np.ndarray, EventColumns, np.ndarray]] = []

    def __len__(self) -> int:
        return sum(len(rows) for _, rows, _ in self.chunks)

    def add(self, topic: int, rows: EventColumns) -> None:
        """Rows of topic-partition ``topic`` of this shard, in offset order (``rows.offset``)."""
        if len(rows):
            self.add_mixed(np.full(len(rows), topic, np.int64), rows)

    def add_mixed(self, topics: np.ndarray, rows: EventColumns) -> None:
        """Rows of several topic-partitions (``topics``: each row's), each one's in offset order."""
        if not len(rows):
            return
        clocks, ts = self.clocks, rows.ts_ms
        first = int(topics[0])
        if bool(np.all(topics == first)):
            merged, clocks[first] = merge_times(ts, clocks.get(first, NO_CLOCK), self.reorder_ms)
        else:
            merged = np.empty_like(ts)
            for topic in np.unique(topics).tolist():
                at = np.flatnonzero(topics == topic)
                merged[at], clocks[topic] = merge_times(
                    ts[at], clocks.get(topic, NO_CLOCK), self.reorder_ms
                )
        self.chunks.append((topics, rows, merged))

    def limit(self, topics: Iterable[int] | None = None) -> int:
        """Rows merged before this time can go, when ``topics`` (default: every one read so
        far) are the topic-partitions that can still deliver rows; one never read holds all."""
        chosen = self.clocks.keys() if topics is None else topics
        clocks = [self.clocks.get(t, NO_CLOCK) for t in chosen]
        return min(clocks) - self.reorder_ms if clocks else 2**62

    def take(self, before: int | None) -> EventColumns:
        """Remove and return the rows merged before ``before`` (None: all), sorted by
        ``(merge time, topic, offset)``."""
        ready: list[tuple[np.ndarray, EventColumns, np.ndarray]] = []
        kept: list[tuple[np.ndarray, EventColumns, np.ndarray]] = []
        for topics, rows, merged in self.chunks:
            if before is None or int(merged.max()) < before:
                ready.append((topics, rows, merged))
            elif int(merged.min()) >= before:
                kept.append((topics, rows, merged))
            else:
                due = merged < before
                now, later = np.flatnonzero(due), np.flatnonzero(~due)
                ready.append((topics[now], rows.take(now), merged[now]))
                kept.append((topics[later], rows.take(later), merged[later]))
        self.chunks = kept
        if not ready:
            return EventColumns.empty()
        rows = EventColumns.concat([r for _, r, _ in ready])
        merged = np.concatenate([m for _, _, m in ready])
        topics = np.concatenate([t for t, _, _ in ready])
        order = np.lexsort((rows.offset, topics, merged))
        if bool(np.all(order[1:] > order[:-1])):
            return rows
        return rows.take(order)

    def oldest_offsets(self) -> dict[int, int]:
        """Per topic index, the lowest offset still waiting."""
        lowest: dict[int, int] = {}
        for topics, rows, _ in self.chunks:
            for topic in np.unique(topics).tolist():
                offset = int(rows.offset[topics == topic].min())
                if offset < lowest.get(topic, offset + 1):
                    lowest[topic] = offset
        return lowest
