"""Stage 1, ingest: batch consumption of the raw topics, decode, dead-letter, hand-off to bucketing.

Runs as a ``mode.Service`` inside the Faust app of every worker, with a plain aiokafka consumer
group (docs/architecture.md: no per-message Faust stream on the firehose). Offsets are committed
only after everything derived from the consumed messages has been produced (at-least-once).

Over 300 lines: the consumer loop, its commit discipline and the dead-letter hand-off share one
service's state; the pure parts live in detectors/ingest and stage1/deadletter.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.consumer.subscription_state import ConsumerRebalanceListener
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from mode import Service

from detectors.contract.event_codes import NEGATIVE_BIT, TYPE_NAMES
from detectors.ingest.columns import EventColumns
from detectors.ingest.decode import ColumnDecoder
from detectors.ingest.events import Rejection
from detectors.ingest.wire import UserHasher
from stream_app.kafka import client_kwargs, fetched_log_ends
from stream_app.metrics import EngineMetrics
from stream_app.settings import Settings
from stream_app.stage1.deadletter import encode_dead_letters
from stream_app.stage1.fresh_limits import INF, FreshLimits
from stream_app.stage1.lean_records import LeanConsumer, LeanRecord, install, lean_values
from stream_app.stage1.redact import redact_user_ids

log = logging.getLogger(__name__)


class EventSink(Protocol):
    """Where decoded events go (the bucketing stage); it produces what is complete."""

    @property
    def tp_time(self) -> Mapping[TopicPartition, int]:
        """Newest event time accepted per input topic-partition (absent: nothing yet)."""

    def release(self, safe_ms: dict[int, int | None]) -> None:
        """Pass buffered events with ``ts <= safe`` on to bucketing, per shard (None: all)."""

    def watermarks(self) -> dict[int, int]:
        """Event-time watermark per shard (input partition number)."""

    def raise_idle(self, partitions: set[int], to_ms: int) -> None:
        """Advance shards that have no data to ``to_ms``."""

    def accept(self, tp: TopicPartition, batch: EventColumns, end: int) -> None:
        """Take the valid events of one fetched batch (with their offsets) and the next offset."""

    async def emit(self, producer: AIOKafkaProducer) -> None:
        """Produce everything that is complete (e.g. closed buckets)."""

    def mark_busy(self, partitions: set[int]) -> None:
        """The shards whose partitions still have input to read."""

    def commit_offsets(self) -> dict[TopicPartition, int]:
        """Offsets that are safe to commit (everything before them has been produced)."""

    def revoke(self, partitions: set[int]) -> None:
        """Forget state of input partitions this worker no longer owns."""


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, service: IngestService) -> None:
        self.service = service

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self.service.on_revoked(revoked)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        await self.service.on_assigned(assigned)


class IngestService(Service):
    """Consume the input topics in batches, validate, count, dead-letter, forward to a sink."""

    def __init__(
        self,
        settings: Settings,
        bootstrap: str,
        metrics: EngineMetrics,
        sink: EventSink | None = None,
        **kwargs: Any,
    ) -> None:
        self.settings = settings
        self.bootstrap = bootstrap
        self.metrics = metrics
        self.sink = sink
        self.decoder = ColumnDecoder(
            user_id_salt=settings.ingest.user_id_salt,
            max_message_bytes=settings.ingest.max_message_bytes,
            max_batch_events=settings.ingest.max_batch_events,
            negative_threshold=settings.detection.negative_threshold,
            keep_text=settings.app.include_text_in_alerts,
        )
        self._hash_user = UserHasher(settings.ingest.user_id_salt)
        self.consumer: LeanConsumer | None = None
        self.producer: AIOKafkaProducer | None = None
        self.assigned: set[TopicPartition] = set()
        self.positions: dict[TopicPartition, int] = {}
        self.shard_active_at: dict[int, float] = {}
        self.data_at: dict[TopicPartition, float] = {}
        self.fresh = FreshLimits()
        self.paused: set[TopicPartition] = set()
        self.consuming = False
        self._stopping = False
        self._loop_done: asyncio.Event | None = None
        self.brand_counts: Counter[str] = Counter()
        self.type_counts: Counter[str] = Counter()
        self.fetches = 0  # getmany calls that returned records
        self.paused_fetches = 0  # of those, fetched while some partition was paused
        super().__init__(**kwargs)

    async def on_start(self) -> None:
        """Connect the consumer and the producer (the cluster was awaited by the worker)."""
        kafka = self.settings.kafka
        common = client_kwargs(kafka, self.bootstrap)
        self.producer = AIOKafkaProducer(**common, linger_ms=5, enable_idempotence=False)
        await self.producer.start()
        install()
        self.consumer = AIOKafkaConsumer(
            **common,
            value_deserializer=lean_values,  # (offset, value) records: see lean_records
            group_id=self.settings.ingest.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            partition_assignment_strategy=(RangePartitionAssignor,),
            session_timeout_ms=kafka.session_timeout_ms,
            heartbeat_interval_ms=max(500, kafka.session_timeout_ms // 5),
            rebalance_timeout_ms=kafka.session_timeout_ms,
            fetch_max_wait_ms=kafka.fetch_max_wait_ms,
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        self.consumer.subscribe(self.settings.topics.inputs, listener=_Rebalance(self))
        await self.consumer.start()

    async def on_stop(self) -> None:
        """Let the consume loop finish its batch, produce what is complete, commit, close."""
        self._stopping = True
        if self._loop_done is not None:
            try:
                await asyncio.wait_for(self._loop_done.wait(), timeout=10)
            except TimeoutError:
                log.warning("ingest loop did not finish its batch within 10 s")
        self.consuming = False
        if self.consumer is not None:
            try:
                await self._emit_and_commit()
            except Exception:
                log.exception("final commit failed; the batch will be re-read (at-least-once)")
            await self.consumer.stop()
        if self.producer is not None:
            await self.producer.stop()

    async def on_revoked(self, revoked: list[TopicPartition]) -> None:
        """Before partitions move away: emit and commit what was done, drop their state."""
        try:
            await self._emit_and_commit()
        except Exception:
            log.exception("commit on revoke failed; the new owner re-reads (at-least-once)")
        if self.sink is not None:
            self.sink.revoke({tp.partition for tp in revoked})
        self.fresh.forget({tp.partition for tp in revoked})
        self.assigned -= set(revoked)

    async def on_assigned(self, assigned: list[TopicPartition]) -> None:
        """After a rebalance: start every partition from its committed offset, checked.

        A committed offset beyond the partition's log end means the broker lost data (a
        memory-only broker restarted, a topic re-created); such a partition is read from its start
        again, with a warning, instead of skipping whatever the new log holds below that offset.
        The log end is the high watermark of a fetch (:func:`fetched_log_ends`), not only
        ``end_offsets``: Tansu answers ListOffsets with the start of its last record batch.
        """
        self.assigned = set(assigned)
        for tp in assigned:
            self.positions.pop(tp, None)
        if self.consumer is not None and assigned:
            ends = await self.consumer.end_offsets(assigned)
            suspects: dict[TopicPartition, int] = {}
            for tp in assigned:
                committed = await self.consumer.committed(tp)
                if committed is not None and committed > ends.get(tp, committed):
                    suspects[tp] = committed
            if suspects:
                kafka = self.settings.kafka
                ends = await fetched_log_ends(
                    kafka, self.bootstrap, suspects, kafka.fetch_max_wait_ms
                )
            for tp, committed in suspects.items():
                if committed > ends.get(tp, committed):
                    log.warning(
                        "%s[%d]: committed offset %d is beyond the log end %d (the broker lost "
                        "data); reading the partition from its start",
                        tp.topic,
                        tp.partition,
                        committed,
                        ends[tp],
                    )
                    await self.consumer.seek_to_beginning(tp)
                    self.metrics.offset_resets.inc()
        self.metrics.rebalances.inc()
        log.info("ingest assigned %d partitions", len(assigned))

    @Service.task
    async def _consume(self) -> None:
        assert self.consumer is not None
        max_records = self.settings.ingest.max_records
        self._loop_done = asyncio.Event()
        try:
            while not self._stopping:
                batches = await self.consumer.getmany(timeout_ms=200, max_records=max_records)
                self.consuming = True
                if batches:
                    self.fetches += 1
                    self.paused_fetches += bool(self.paused)
                for tp, records in batches.items():
                    await self._process(tp, records)
                self._update_lag()
                await self._align()
                await self._emit_and_commit(bool(batches))
        finally:
            self._loop_done.set()

    async def _process(self, tp: TopicPartition, records: list[LeanRecord]) -> None:
        if not records:
            return
        end = records[-1][0] + 1
        self.positions[tp] = end
        self.data_at[tp] = time.monotonic()
        skew_ms = self.settings.ingest.max_clock_skew_ms
        offsets, values = zip(*records, strict=True)
        result = self.decoder.decode_many(
            values,
            offsets=offsets,
            not_after_ms=int(time.time() * 1000) + skew_ms if skew_ms else None,
        )
        batch = result.columns
        if len(batch):
            kinds = np.bincount(batch.code % NEGATIVE_BIT, minlength=len(TYPE_NAMES)).tolist()
            for event_type, count in zip(TYPE_NAMES, kinds, strict=True):
                if count:
                    self.metrics.events.labels(topic=tp.topic, type=event_type).inc(count)
                    self.type_counts[event_type] += count
            self.brand_counts.update(batch.brand)
        reasons: Counter[str] = Counter()
        for position, rejections in result.rejections:
            reasons.update(rejection.reason for rejection in rejections)
            await self._deadletter(tp, records[position], rejections)
        for reason, count in reasons.items():
            self.metrics.rejected.labels(reason=reason).inc(count)
        if self.sink is not None:
            self.sink.accept(tp, batch, end)

    async def _deadletter(
        self, tp: TopicPartition, record: LeanRecord, rejections: list[Rejection]
    ) -> None:
        assert self.producer is not None
        offset, value = record
        letters = encode_dead_letters(
            rejections,
            topic=tp.topic,
            partition=tp.partition,
            offset=offset,
            payload=value or b"",
            redact=self._redact,
        )
        for key, value in letters:
            await self.producer.send(self.settings.topics.deadletter, value=value, key=key)

    def _redact(self, payload: bytes) -> tuple[bytes, int]:
        return redact_user_ids(payload, self._hash_user)

    async def _emit_and_commit(self, consumed: bool = True) -> None:
        if self.producer is None or self.consumer is None:
            return
        if self.sink is not None:
            await self.sink.emit(self.producer)
        if not consumed:
            return
        await self.producer.flush()
        assignment = self.consumer.assignment()
        if not assignment:
            return
        if self.sink is None:
            await self.consumer.commit()
            return
        safe = {tp: o for tp, o in self.sink.commit_offsets().items() if tp in assignment}
        if safe:
            await self.consumer.commit(safe)

    async def _align(self) -> None:
        """Release buffered events in event-time order; pause partitions running ahead.

        Per shard, events are released up to the oldest newest-event-time of its partitions that
        still have input (a k-way merge). A partition more than ``max_skew_ms`` of event time
        ahead of that, or a shard that far ahead of the slowest shard, is paused. A shard with
        nothing to read for ``idle_shard_ms`` has its watermark raised to the newest one.

        A partition read to its high watermark and quiet for ``idle_partition_ms`` has no input,
        but only for events read before its last poll (:mod:`stream_app.stage1.fresh_limits`):
        a high watermark from a fetch before the merge read its neighbours' newer data (an event
        loop stall, the process suspended, a response already on its way) is no evidence that
        the partition is at its end now, so the release waits for a newer poll. Events that
        still arrive behind their shard's watermark are dropped and counted as late.
        """
        if self.sink is None or self.consumer is None:
            return
        now = time.monotonic()
        assignment = self.consumer.assignment()
        by_shard: dict[int, list[TopicPartition]] = {}
        for tp in assignment:
            by_shard.setdefault(tp.partition, []).append(tp)
        quiet_s = self.settings.ingest.idle_partition_ms / 1000
        has_input = {
            tp: tp in self.paused
            or now - self.data_at.get(tp, -1e18) < quiet_s
            or await self._has_input(tp)
            for tp in assignment
        }
        tp_time = self.sink.tp_time
        now_ms = int(time.time() * 1000)  # the clock of aiokafka's poll timestamps
        safe: dict[int, int | None] = {}  # the merge's limit from the partitions with input
        release: dict[int, int | None] = {}  # that limit as far as the polls are fresh
        for p, tps in by_shard.items():
            limits = [tp_time.get(tp, -1) for tp in tps if has_input[tp]]
            limit = min(limits) if limits else None
            safe[p] = limit
            read_to = max((tp_time.get(tp, -1) for tp in tps), default=-1)
            polled = min((self._polled_ms(tp) for tp in tps if not has_input[tp]), default=INF)
            fresh = self.fresh.limit(p, now_ms, INF if limit is None else limit, read_to, polled)
            release[p] = None if fresh == INF else int(max(fresh, -1))
            if release[p] is not None:
                self.shard_active_at[p] = now
        self.sink.release(release)
        self.sink.mark_busy({p for p, limit in release.items() if limit is not None})
        marks = self.sink.watermarks()
        skew = self.settings.ingest.max_skew_ms
        behind = [marks[p] for p, limit in safe.items() if limit is not None and p in marks]
        floor = min(behind) if behind else None
        pause: list[TopicPartition] = []
        for tp in assignment:
            limit = safe.get(tp.partition)
            ahead_in_shard = limit is not None and tp_time.get(tp, -1) > limit + skew
            mark = marks.get(tp.partition)
            ahead_of_shards = floor is not None and mark is not None and mark > floor + skew
            if ahead_in_shard or ahead_of_shards:
                pause.append(tp)
        self.paused = set(pause)
        self.consumer.pause(*pause)
        self.consumer.resume(*[tp for tp in assignment if tp not in self.paused])
        newest = max(marks.values(), default=None)
        idle_s = self.settings.ingest.idle_shard_ms / 1000
        idle = {
            p
            for p in by_shard
            if release.get(p) is None
            and now - self.shard_active_at.setdefault(p, now) >= idle_s
            and newest is not None
            and marks.get(p, -1) < newest
        }
        if idle and newest is not None:
            self.sink.raise_idle(idle, newest)

    async def _has_input(self, tp: TopicPartition) -> bool:
        """True unless the partition is known to be read up to its end."""
        assert self.consumer is not None
        highwater = self.consumer.highwater(tp)
        if highwater is None:
            return True
        position = self.positions.get(tp)
        if position is None:
            position = await self.consumer.position(tp)
        return position < highwater

    def _polled_ms(self, tp: TopicPartition) -> float:
        """When a fetch response last updated the partition's high watermark (wall ms)."""
        assert self.consumer is not None
        polled = self.consumer.last_poll_timestamp(tp)
        return -INF if polled is None else polled

    def _update_lag(self) -> None:
        assert self.consumer is not None
        lag: Counter[str] = Counter()
        for tp in self.consumer.assignment():
            highwater = self.consumer.highwater(tp)
            position = self.positions.get(tp)
            if highwater is None or position is None:
                continue
            lag[tp.topic] += max(0, highwater - position)
        for topic in self.settings.topics.inputs:
            self.metrics.lag.labels(topic=topic).set(lag.get(topic, 0))

    def stats(self) -> dict[str, Any]:
        """Counts so far, for /stats and the demo."""
        return {
            "events_by_type": dict(self.type_counts),
            "events_by_brand": dict(self.brand_counts.most_common(50)),
            "assigned_partitions": len(self.assigned),
            "fetches": self.fetches,
            "paused_fetches": self.paused_fetches,
        }

    async def wait_consuming(self, timeout: float) -> bool:
        """Wait until the first fetch returned (tests)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not self.consuming and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        return self.consuming
