"""Stage 1 bucketing: one bucketer per input partition ("shard"), partial brand buckets out.

Tracks, per input topic-partition, the lowest offset of any event in a still-open bucket, so that
offsets are committed only once every bucket they feed has been produced (at-least-once).
"""

from __future__ import annotations

import time
from collections import defaultdict

from aiokafka import AIOKafkaProducer, TopicPartition

from detectors.brand_bucket import group_by_brand
from detectors.bucketer import Bucketer
from detectors.events import Event
from stream_app.bucket_messages import PartialBucket, ShardMark, encode
from stream_app.metrics import EngineMetrics
from stream_app.settings import Settings


MARK_HEARTBEAT_S = 2.0


class ShardState:
    """The bucketer of one shard and the open-bucket offsets of its topic-partitions."""

    def __init__(self, settings: Settings) -> None:
        self.bucketer = Bucketer(
            settings.windows,
            max_past_ms=settings.ingest.max_past_ms,
            dedup_horizon_ms=settings.ingest.dedup_horizon_ms,
        )
        self.open_offsets: dict[TopicPartition, dict[int, int]] = defaultdict(dict)
        self.closed_ms = -1
        self.ingested_at_s = 0.0
        self.marked_at_s = 0.0


class BucketingSink:
    """Feeds decoded events to per-shard bucketers and produces closed buckets and marks."""

    def __init__(self, settings: Settings, metrics: EngineMetrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self.size_ms = settings.windows.size_ms
        self.shards: dict[int, ShardState] = {}
        self.positions: dict[TopicPartition, int] = {}

    def shard(self, partition: int) -> ShardState:
        """The state of a shard, created on first use."""
        state = self.shards.get(partition)
        if state is None:
            state = self.shards[partition] = ShardState(self.settings)
        return state

    def accept(self, tp: TopicPartition, events: list[Event], offsets: list[int], end: int) -> None:
        """Bucket the events of one fetched batch of ``tp``; ``end`` is the next offset to read."""
        state = self.shard(tp.partition)
        open_offsets = state.open_offsets[tp]
        size = self.size_ms
        bucketer = state.bucketer
        for event, offset in zip(events, offsets, strict=True):
            outcome = bucketer.add(event)
            if outcome == "accepted" or outcome == "pending":
                start = event.ts_ms - event.ts_ms % size
                if start not in open_offsets:
                    open_offsets[start] = offset
        counts = bucketer.take_counts()
        self.metrics.late.inc(counts["late"])
        self.metrics.duplicates.inc(counts["duplicate"])
        for bound in ("future", "too_old"):
            if counts[bound]:
                self.metrics.out_of_bounds.labels(bound=bound).inc(counts[bound])
        if events:
            state.ingested_at_s = time.time()
        self.positions[tp] = end

    async def emit(self, producer: AIOKafkaProducer) -> None:
        """Produce every closed bucket as partial brand buckets, then each shard's mark."""
        topic = self.settings.topics.buckets
        for shard_id, state in self.shards.items():
            summaries = state.bucketer.advance()
            if summaries:
                for bucket in group_by_brand(summaries):
                    message = PartialBucket(
                        shard=shard_id,
                        brand=bucket.brand,
                        start_ms=bucket.start_ms,
                        end_ms=bucket.end_ms,
                        summaries=bucket.summaries,
                        ingested_at_s=state.ingested_at_s,
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
            if closed > state.closed_ms or now - state.marked_at_s >= MARK_HEARTBEAT_S:
                state.closed_ms = max(closed, state.closed_ms)
                state.marked_at_s = now
                mark = encode(ShardMark(shard=shard_id, closed_ms=state.closed_ms))
                for partition in range(self.settings.kafka.partitions):
                    await producer.send(topic, value=mark, partition=partition)
            self._report_watermark(state)

    def _report_watermark(self, state: ShardState) -> None:
        watermark = state.bucketer.watermark_ms
        if watermark > 0:
            self.metrics.watermark.set(watermark / 1000)
            delay = max(0, watermark - max(state.closed_ms, 0)) / 1000
            self.metrics.watermark_delay.set(delay)

    def commit_offsets(self) -> dict[TopicPartition, int]:
        """Offsets safe to commit: before the oldest event of any still-open bucket."""
        safe: dict[TopicPartition, int] = {}
        for tp, position in self.positions.items():
            open_offsets = self.shard(tp.partition).open_offsets.get(tp, {})
            safe[tp] = min(open_offsets.values(), default=position)
        return safe

    def revoke(self, partitions: set[int]) -> None:
        """Drop shards moved to another worker (it re-reads their uncommitted events)."""
        for partition in partitions:
            self.shards.pop(partition, None)
        self.positions = {tp: o for tp, o in self.positions.items() if tp.partition not in partitions}
