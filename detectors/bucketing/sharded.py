"""Stage 1 offline: a file's events bucketed exactly as the streaming path buckets them.

Each event goes to the topic-partition its producer would send it to (the topic of its type, the
partition that Kafka's default partitioner gives its key, the post id: ``murmur2(key) % n``), and
so to its shard. Per shard, a :class:`~detectors.bucketing.reorder.ShardMerge` (the same one as
``stream_app/stage1/shards.py``) hands its bucketer the rows in merge order, and an
:class:`~detectors.bucketing.assembly.Assembly` turns the shards' summaries into brand buckets
in detection order.

How far a shard's merge may go is known when the input was scanned first
(:meth:`ShardedStage1.plan`): up to the smallest event time still to come in that shard (a merge
time is never below its event's time). Without
a plan, the merge waits for every topic-partition read so far until the end of the input, and a
topic-partition seen for the first time later can come too late for it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from detectors.bucketing.assembly import Assembly
from detectors.bucketing.bucketer import Bucketer
from detectors.bucketing.reorder import ShardMerge
from detectors.contract.brand_bucket import BrandBucket
from detectors.contract.config import WindowConfig
from detectors.contract.event_codes import NEGATIVE_BIT
from detectors.ingest.columns import EventColumns

END = 2**62


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 hash (``org.apache.kafka.common.utils.Utils.murmur2``)."""
    m, length = 0x5BD1E995, len(data)
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    for i in range(0, length - length % 4, 4):
        k = int.from_bytes(data[i : i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail, extra = length & ~3, length % 4
    if extra >= 3:
        h ^= data[tail + 2] << 16
    if extra >= 2:
        h ^= data[tail + 1] << 8
    if extra >= 1:
        h = ((h ^ data[tail]) * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    return h ^ (h >> 15)


def partition_of(key: str, partitions: int) -> int:
    """The partition of a keyed message (Kafka's default partitioner)."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


class Router:
    """Shard and topic index of every row (``topic_of_type``: topic index per event type)."""

    def __init__(self, partitions: int, topic_of_type: Sequence[int]) -> None:
        if partitions < 1:
            raise ValueError(f"need partitions >= 1, got {partitions}")
        self.partitions = partitions
        self.topic_of_type = np.asarray(topic_of_type, np.int64)
        self._memo: dict[str, int] = {}

    def shards(self, post_ids: list[str]) -> np.ndarray:
        """The shard of each post id."""
        memo, n = self._memo, self.partitions
        if n == 1:
            return np.zeros(len(post_ids), np.int64)
        for key in set(post_ids).difference(memo):
            memo[key] = partition_of(key, n)
        shard = np.fromiter(map(memo.__getitem__, post_ids), np.int64, len(post_ids))
        if len(memo) > 1_000_000:
            memo.clear()
        return shard

    def route(self, rows: EventColumns) -> tuple[np.ndarray, np.ndarray]:
        """Arrays of shard and topic index per row."""
        return self.shards(rows.post_id), self.topic_of_type[rows.code % NEGATIVE_BIT]


def by_source(shard: np.ndarray, topic: np.ndarray) -> list[tuple[int, int, np.ndarray]]:
    """The rows of each (shard, topic), in their order: ``(shard, topic, positions)``."""
    out = []
    for s, at in by_shard(shard * 64 + topic):
        out.append((s // 64, s % 64, at))
    return out


def by_shard(shard: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """The positions of each value of ``shard``, in their order."""
    if not len(shard):
        return []
    first = int(shard[0])
    if bool(np.all(shard == first)):
        return [(first, np.arange(len(shard)))]
    order = np.argsort(shard, kind="stable")
    ordered = shard[order]
    cuts = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    bounds = zip([0, *cuts.tolist()], [*cuts.tolist(), len(order)], strict=True)
    return [(int(ordered[lo]), order[lo:hi]) for lo, hi in bounds]


class Plan:
    """What a first pass over the input knows: per shard, a lower bound of the merge times still
    to come after each message (an event's merge time is never below its own time)."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self._parts: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        self.messages: dict[int, np.ndarray] = {}  # shard -> message numbers, ascending
        self.lowest: dict[int, np.ndarray] = {}  # shard -> min event time from there on

    def scan(self, messages: list[int], post_ids: list[str], times: list[int]) -> None:
        """The (possible) events of a run of messages: message number, post id, time."""
        shard = self.router.shards(post_ids)
        numbers, ts = np.asarray(messages, np.int64), np.asarray(times, np.int64)
        for s, at in by_shard(shard):
            self._parts.setdefault(s, []).append((numbers[at], ts[at]))

    def done(self) -> None:
        """End of the scan: the suffix minima."""
        for s, parts in self._parts.items():
            messages = np.concatenate([m for m, _ in parts])
            times = np.concatenate([t for _, t in parts])
            order = np.argsort(messages, kind="stable")
            self.messages[s] = messages[order]
            self.lowest[s] = np.minimum.accumulate(times[order][::-1])[::-1]
        self._parts = {}

    def limit(self, shard: int, next_message: int) -> int:
        """Merge times below this cannot come any more once messages before ``next_message``
        were read (END: the shard has nothing left)."""
        messages = self.messages.get(shard)
        if messages is None:
            return END
        at = int(np.searchsorted(messages, next_message))
        return END if at == len(messages) else int(self.lowest[shard][at])


class ShardedStage1:
    """Routing, per-shard merge and bucketing, and assembly of a whole input."""

    def __init__(
        self,
        window: WindowConfig,
        *,
        partitions: int,
        topic_of_type: Sequence[int],
        max_past_ms: int,
        dedup_horizon_ms: int,
    ) -> None:
        self.window = window
        self.router = Router(partitions, topic_of_type)
        self._bucketer_args = {"max_past_ms": max_past_ms, "dedup_horizon_ms": dedup_horizon_ms}
        self.merges: dict[int, ShardMerge] = {}
        self.bucketers: dict[int, Bucketer] = {}
        self.finished: set[int] = set()
        self.assembly = Assembly(window)
        self.scan: Plan | None = None

    def plan(self) -> Plan:
        """Start a first pass: :meth:`Plan.scan` every message's rows, then :meth:`Plan.done`."""
        self.scan = Plan(Router(self.router.partitions, self.router.topic_of_type.tolist()))
        return self.scan

    def shard(self, shard: int) -> tuple[ShardMerge, Bucketer]:
        """A shard's merge and bucketer, created on first use."""
        if shard not in self.merges:
            self.merges[shard] = ShardMerge(self.window.reorder_bound_ms)
            self.bucketers[shard] = Bucketer(self.window, **self._bucketer_args)
        return self.merges[shard], self.bucketers[shard]

    def add(self, rows: EventColumns, next_message: int) -> list[BrandBucket]:
        """Rows of the messages before ``next_message`` not given yet; the brand buckets that
        became complete."""
        shard, topic = self.router.route(rows)
        for s, at in by_shard(shard):
            whole = len(at) == len(rows)
            self.shard(s)[0].add_mixed(
                topic if whole else topic[at], rows if whole else rows.take(at)
            )
        if self.scan is not None:
            for s in self.scan.messages:
                self.shard(s)
        for s, merge in self.merges.items():
            if s in self.finished:
                continue
            limit = merge.limit() if self.scan is None else self.scan.limit(s, next_message)
            self._release(s, None if limit >= END else limit)
        return self.assembly.ready(self._through())

    def _release(self, shard: int, before: int | None) -> None:
        merge, bucketer = self.merges[shard], self.bucketers[shard]
        ready = merge.take(before)
        if len(ready):
            bucketer.add_columns(ready)
        if before is None:
            self.finished.add(shard)
            self.assembly.add(shard, bucketer.flush())
        elif len(ready):
            self.assembly.add(shard, bucketer.advance())

    def _through(self) -> int | None:
        marks = [b.closed_before_ms for s, b in self.bucketers.items() if s not in self.finished]
        return min(marks) if marks else None

    def finish(self) -> list[BrandBucket]:
        """End of input: every shard's remaining rows, every bucket closed."""
        for s in self.merges:
            if s not in self.finished:
                self._release(s, None)
        return self.assembly.ready(None)

    def counts(self) -> dict[str, int]:
        """The bucketers' outcome counts, summed."""
        total: dict[str, int] = {}
        for bucketer in self.bucketers.values():
            for outcome, n in bucketer.counts.items():
                total[outcome] = total.get(outcome, 0) + n
        return total
