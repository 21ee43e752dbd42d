"""Stage 1, ingest: batch consumption of the raw topics, decode, dead-letter, hand-off to bucketing.

Runs as a ``mode.Service`` inside the Faust app of every worker, with a plain aiokafka consumer
group (design.md section 1: no per-message Faust stream on the firehose). Offsets are committed
only after everything derived from the consumed messages has been produced (at-least-once).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.consumer.subscription_state import ConsumerRebalanceListener
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from mode import Service

from detectors.events import Event, EventDecoder, Rejection
from stream_app.deadletter import encode_dead_letters
from stream_app.kafka import client_kwargs
from stream_app.metrics import EngineMetrics
from stream_app.settings import Settings

log = logging.getLogger(__name__)


class EventSink(Protocol):
    """Where decoded events go (the bucketing stage); it may produce and must flush before commit."""

    def accept(self, tp: TopicPartition, events: list[Event], offsets: list[int], end: int) -> None:
        """Take the valid events of one fetched batch (with their offsets; ``end`` = next offset)."""

    async def emit(self, producer: AIOKafkaProducer) -> None:
        """Produce everything that is complete (e.g. closed buckets)."""

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
        self.service.assigned = set(assigned)
        log.info("ingest assigned %d partitions", len(assigned))


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
        self.decoder = EventDecoder(
            user_id_salt=settings.ingest.user_id_salt,
            max_message_bytes=settings.ingest.max_message_bytes,
            max_batch_events=settings.ingest.max_batch_events,
            negative_threshold=settings.detection.negative_threshold,
            keep_text=settings.app.include_text_in_alerts,
        )
        self.consumer: AIOKafkaConsumer | None = None
        self.producer: AIOKafkaProducer | None = None
        self.assigned: set[TopicPartition] = set()
        self.positions: dict[TopicPartition, int] = {}
        self.consuming = False
        self._stopping = False
        self._loop_done: asyncio.Event | None = None
        self.brand_counts: Counter[str] = Counter()
        self.type_counts: Counter[str] = Counter()
        super().__init__(**kwargs)

    async def on_start(self) -> None:
        """Connect the consumer and the producer (the cluster was awaited by the worker)."""
        kafka = self.settings.kafka
        common = client_kwargs(kafka, self.bootstrap)
        self.producer = AIOKafkaProducer(**common, linger_ms=5, enable_idempotence=False)
        await self.producer.start()
        self.consumer = AIOKafkaConsumer(
            **common,
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
            except Exception:  # noqa: BLE001 - shutting down: log, never hang
                log.exception("final commit failed; the batch will be re-read (at-least-once)")
            await self.consumer.stop()
        if self.producer is not None:
            await self.producer.stop()

    async def on_revoked(self, revoked: list[TopicPartition]) -> None:
        """Before partitions move away: emit and commit what was done, drop their state."""
        try:
            await self._emit_and_commit()
        except Exception:  # noqa: BLE001
            log.exception("commit on revoke failed; the new owner re-reads (at-least-once)")
        if self.sink is not None:
            self.sink.revoke({tp.partition for tp in revoked})
        self.assigned -= set(revoked)

    @Service.task
    async def _consume(self) -> None:
        assert self.consumer is not None
        max_records = self.settings.ingest.max_records
        self._loop_done = asyncio.Event()
        try:
            while not self._stopping:
                batches = await self.consumer.getmany(timeout_ms=200, max_records=max_records)
                self.consuming = True
                for tp, records in batches.items():
                    await self._process(tp, records)
                await self._emit_and_commit(bool(batches))
                self._update_lag()
        finally:
            self._loop_done.set()

    async def _process(self, tp: TopicPartition, records: list[ConsumerRecord[Any, Any]]) -> None:
        events: list[Event] = []
        offsets: list[int] = []
        types: Counter[str] = Counter()
        reasons: Counter[str] = Counter()
        if records:
            self.positions[tp] = records[-1].offset + 1
        for record in records:
            result = self.decoder.decode(record.value or b"")
            for event in result.events:
                types[event.type] += 1
                self.brand_counts[event.brand] += 1
            events.extend(result.events)
            offsets.extend([record.offset] * len(result.events))
            if result.rejections:
                for rejection in result.rejections:
                    reasons[rejection.reason] += 1
                await self._deadletter(record, result.rejections)
        for event_type, count in types.items():
            self.metrics.events.labels(topic=tp.topic, type=event_type).inc(count)
            self.type_counts[event_type] += count
        for reason, count in reasons.items():
            self.metrics.rejected.labels(reason=reason).inc(count)
        if self.sink is not None and records:
            self.sink.accept(tp, events, offsets, records[-1].offset + 1)

    async def _deadletter(
        self, record: ConsumerRecord[Any, Any], rejections: list[Rejection]
    ) -> None:
        assert self.producer is not None
        letters = encode_dead_letters(
            rejections,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            payload=record.value or b"",
        )
        for key, value in letters:
            await self.producer.send(self.settings.topics.deadletter, value=value, key=key)

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
        }

    async def wait_consuming(self, timeout: float) -> bool:
        """Wait until the first fetch returned (tests)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not self.consuming and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        return self.consuming
