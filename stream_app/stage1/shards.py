"""Stage 1 bucketing: one bucketer per input partition ("shard"), partial brand buckets out.

Tracks, per input topic-partition, the lowest offset of any event in a still-open bucket, so that
offsets are committed only once every bucket they feed has been produced (at-least-once).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

import numpy as np
from aiokafka import AIOKafkaProducer, TopicPartition

from detectors.bucketing.bucketer import OUTCOME_INDEX, Bucketer
from detectors.bucketing.reorder import ShardMerge
from detectors.contract.brand_bucket import group_by_brand
from detectors.ingest.columns import EventColumns
from stream_app.bucket_messages import PartialBucket, ShardMark, encode
from stream_app.failpoints import failpoint
from stream_app.metrics import EngineMetrics
from stream_app.settings import Settings

MARK_HEARTBEAT_S = 2.0
_ACCEPTED, _PENDING = OUTCOME_INDEX["accepted"], OUTCOME_INDEX["pending"]

log = logging.getLogger(__name__)
LATE_LOG_EVERY_S = 60.0  # at most one warning about late events per shard and minute


class ShardState:
    """One shard: its bucketer, its merge of the shard's topic-partitions and the open-bucket
    offsets per partition."""

    def __init__(self, settings: Settings) -> None:
        self.bucketer = Bucketer(
            settings.windows,
            max_past_ms=settings.ingest.max_past_ms,
            dedup_horizon_ms=settings.ingest.dedup_horizon_ms,
        )
        self.merge = ShardMerge(settings.windows.reorder_bound_ms)
        self.open_offsets: dict[TopicPartition, dict[int, int]] = defaultdict(dict)
        self.closed_ms = -1
        self.amended = 0  # the bucketer's amended count already reported
        self.ingested_at_s = 0.0
        self.marked_at_s = 0.0
        self.busy = False  # what the last mark said
        self.late_logged_at = -1e18  # monotonic time of the last warning about late events
        self.late_unlogged = 0  # late events since that warning


class BucketingSink:
    """Feeds decoded events to per-shard bucketers and produces closed buckets and marks.

    The topic-partitions of a shard (one per input topic) are fetched at different speeds, so
    during a backlog one may be hours of event time ahead of another. Events wait in the shard's
    :class:`~detectors.bucketing.reorder.ShardMerge` and reach the bucketer in merge order (each
    topic-partition's own clock decides an event's merge time), once no topic-partition that
    still has input can deliver anything before them: what the bucketer sees does not depend on
    how the input was fetched.
    """

    def __init__(self, settings: Settings, metrics: EngineMetrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self.size_ms = settings.windows.size_ms
        self.shards: dict[int, ShardState] = {}
        self.positions: dict[TopicPartition, int] = {}
        self.tp_time: dict[TopicPartition, int] = {}
        self.idle_raise: dict[int, int] = {}
        self.busy: set[int] = set()  # shards whose partitions still have input to read
        self.sources: dict[TopicPartition, int] = {}
        self.source_tp: list[TopicPartition] = []
        self.topic_index = {t: settings.topics.inputs.index(t) for t in settings.topics.inputs}
        self.reorder_ms = settings.windows.reorder_bound_ms

    def shard(self, partition: int) -> ShardState:
        """The state of a shard, created on first use."""
        state = self.shards.get(partition)
        if state is None:
            state = self.shards[partition] = ShardState(self.settings)
        return state

    def source(self, tp: TopicPartition) -> int:
        """A small integer naming ``tp`` in the ``source`` column of event batches."""
        found = self.sources.get(tp)
        if found is None:
            found = self.sources[tp] = len(self.source_tp)
            self.source_tp.append(tp)
        return found

    def accept(self, tp: TopicPartition, batch: EventColumns, end: int) -> None:
        """Buffer the valid events of one fetched batch of ``tp`` (their ``source`` column is
        set here); ``end`` is the next offset to read."""
        if len(batch):
            batch.source = np.full(len(batch), self.source(tp), np.int64)
            state = self.shard(tp.partition)
            topic = self.topic_index[tp.topic]
            state.merge.add(topic, batch)
            self.tp_time[tp] = state.merge.clocks[topic]
            state.ingested_at_s = time.time()
        self.positions[tp] = end

    def release(self, safe_ms: dict[int, int | None]) -> None:
        """Move waiting events into the bucketers: those merged before ``safe - reorder_ms``
        (``safe``: the oldest clock of the shard's topic-partitions with input; None: all)."""
        for partition, state in self.shards.items():
            if not len(state.merge):
                continue
            safe = safe_ms.get(partition)
            ready = state.merge.take(None if safe is None else safe - self.reorder_ms)
            if not len(ready):
                continue
            outcomes = state.bucketer.add_columns(ready)
            self._track_open(state, ready, outcomes)
            counts = state.bucketer.take_counts()
            amended, state.amended = state.bucketer.amended - state.amended, state.bucketer.amended
            if amended:
                self.metrics.amended.inc(amended)
            if counts["late"]:
                self.metrics.late.inc(counts["late"])
                self._warn_late(partition, state, counts["late"])
            if counts["duplicate"]:
                self.metrics.duplicates.inc(counts["duplicate"])
            for bound in ("future", "too_old"):
                if counts[bound]:
                    self.metrics.out_of_bounds.labels(bound=bound).inc(counts[bound])

    def _warn_late(self, partition: int, state: ShardState, late: int) -> None:
        """Say it in the log too (at most every ``LATE_LOG_EVERY_S`` per shard): late events are
        lost to detection, and an operator should see it without a dashboard."""
        state.late_unlogged += late
        now = time.monotonic()
        if now - state.late_logged_at < LATE_LOG_EVERY_S:
            return
        log.warning(
            "shard %d: %d events dropped as late (older than the watermark minus grace) since "
            "the last warning; crisiswatch_events_late_total counts them",
            partition,
            state.late_unlogged,
        )
        state.late_logged_at, state.late_unlogged = now, 0

    def _track_open(self, state: ShardState, rows: EventColumns, outcomes: np.ndarray) -> None:
        """Remember, per partition and bucket, the lowest offset of a row counted in it."""
        counted = (outcomes == _ACCEPTED) | (outcomes == _PENDING)
        if not counted.any():
            return
        ts, source, offset = rows.ts_ms[counted], rows.source[counted], rows.offset[counted]
        bucket = ts // self.size_ms
        key = bucket * len(self.source_tp) + source
        order = np.lexsort((offset, key))
        key, offset = key[order], offset[order]
        first = np.concatenate(([True], key[1:] != key[:-1]))
        n_sources = len(self.source_tp)
        for k, low in zip(key[first].tolist(), offset[first].tolist(), strict=True):
            start = (k // n_sources) * self.size_ms
            open_offsets = state.open_offsets[self.source_tp[k % n_sources]]
            if low < open_offsets.get(start, low + 1):  # a row released later may be older
                open_offsets[start] = low

    def watermarks(self) -> dict[int, int]:
        """The event-time watermark of every shard that has one."""
        marks = {p: s.bucketer.watermark_ms for p, s in self.shards.items()}
        return {p: w for p, w in marks.items() if w is not None}

    def mark_busy(self, partitions: set[int]) -> None:
        """The shards that still have input to read (their marks say so until they do not)."""
        self.busy = set(partitions)

    def raise_idle(self, partitions: set[int], to_ms: int) -> None:
        """Move idle shards' watermarks up to ``to_ms`` at the next emit (they had no data)."""
        for partition in partitions:
            self.shard(partition)
            self.idle_raise[partition] = to_ms

    async def emit(self, producer: AIOKafkaProducer) -> None:
        """Produce every closed bucket as partial brand buckets, then each shard's mark."""
        topic = self.settings.topics.buckets
        raises, self.idle_raise = self.idle_raise, {}
        for shard_id, state in self.shards.items():
            summaries = state.bucketer.advance(raises.get(shard_id))
            if summaries:
                for sent, bucket in enumerate(group_by_brand(summaries)):
                    if sent:
                        failpoint("mid_flush")  # some partials of this flush out, not all
                    message = PartialBucket(
                        shard=shard_id,
                        brand=bucket.brand,
                        start_ms=bucket.start_ms,
                        end_ms=bucket.end_ms,
                        summaries=bucket.summaries,
                        ingested_at_s=state.ingested_at_s,
                        revision=bucket.revision,
                    )
                    await producer.send(topic, value=encode(message), key=bucket.brand.encode())
                for summary in summaries:
                    self.metrics.buckets.labels(level=summary.level).inc()
            closed = state.bucketer.closed_before_ms
            if state.bucketer.pending == 0:
                still_open = state.bucketer.open_starts
                for offsets in state.open_offsets.values():
                    for start in [s for s in offsets if s not in still_open]:
                        del offsets[start]
            now = time.time()
            busy = shard_id in self.busy or bool(len(state.merge))
            if (
                closed > state.closed_ms
                or busy != state.busy
                or now - state.marked_at_s >= MARK_HEARTBEAT_S
            ):
                state.closed_ms = max(closed, state.closed_ms)
                state.marked_at_s, state.busy = now, busy
                mark = encode(ShardMark(shard=shard_id, closed_ms=state.closed_ms, busy=busy))
                for partition in range(self.settings.kafka.partitions):
                    await producer.send(topic, value=mark, partition=partition)
            self._report_watermark(state)

    def _report_watermark(self, state: ShardState) -> None:
        watermark = state.bucketer.watermark_ms
        if watermark is not None and watermark > 0:
            self.metrics.watermark.set(watermark / 1000)
            delay = max(0, watermark - max(state.closed_ms, 0)) / 1000
            self.metrics.watermark_delay.set(delay)

    def commit_offsets(self) -> dict[TopicPartition, int]:
        """Offsets safe to commit: before the oldest event still buffered or in an open bucket."""
        lowest: dict[TopicPartition, int] = {}
        inputs = self.settings.topics.inputs
        for shard, state in self.shards.items():
            for topic, offset in state.merge.oldest_offsets().items():
                tp = TopicPartition(inputs[topic], shard)
                if offset < lowest.get(tp, offset + 1):
                    lowest[tp] = offset
            for tp, offsets in state.open_offsets.items():
                if offsets:
                    oldest = min(offsets.values())
                    if oldest < lowest.get(tp, oldest + 1):
                        lowest[tp] = oldest
        return {tp: lowest.get(tp, position) for tp, position in self.positions.items()}

    def buffered(self) -> int:
        """Events waiting for the other partitions of their shard to catch up."""
        return sum(len(state.merge) for state in self.shards.values())

    def revoke(self, partitions: set[int]) -> None:
        """Drop shards moved to another worker (it re-reads their uncommitted events)."""
        for partition in partitions:
            self.shards.pop(partition, None)
        self.positions = {
            tp: o for tp, o in self.positions.items() if tp.partition not in partitions
        }
        self.tp_time = {tp: t for tp, t in self.tp_time.items() if tp.partition not in partitions}
