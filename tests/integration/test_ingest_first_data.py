"""Stage 1's event-time merge when a partition receives its first data after its shard's others.

The recovery test lost, in about 1 run in 5, a bucket holding the first event ever on its shard's
``reactions`` partition: a producer's batches for different partitions reach the broker apart (its
linger), so with compressed event time (a test producing hours of events in seconds) a worker can
fetch a shard's ``views`` minutes of event time ahead of the ``reactions`` event produced just
before them. A partition that never had data was counted as idle as soon as a fetch found it at
its log end, so the merge let the shard's watermark pass that bucket; the event then came in late
and was dropped. Here the same order is made deterministic: the shard's views are fetched first,
the reactions event a moment later; it must be counted, and its bucket reach the buckets topic.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition

from stream_app.bucket_messages import PartialBucket, decode
from stream_app.metrics import EngineMetrics
from stream_app.settings import Settings
from stream_app.stage1.ingest import IngestService
from stream_app.stage1.shards import BucketingSink
from stream_app.topics import ensure_topics
from tests.integration.helpers import event_json, read_topic

pytestmark = pytest.mark.integration

T0 = 1_767_225_600_000  # 2026-01-01, a bucket start
MINUTE = 60_000


async def _send(bootstrap: str, messages: list[tuple[str, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for topic, value in messages:
            await producer.send(topic, value=value, partition=0)
        await producer.flush()
    finally:
        await producer.stop()


async def _scenario(settings: Settings, bootstrap: str) -> tuple[EngineMetrics, list[Any]]:
    await ensure_topics(settings, bootstrap)
    metrics = EngineMetrics()
    sink = BucketingSink(settings, metrics)
    ingest = IngestService(settings, bootstrap, metrics, sink, loop=None)
    await ingest.start()
    try:
        assert await ingest.wait_consuming(30)
        await asyncio.sleep(1.0)  # every partition fetched at least once: all at their log end
        topics = settings.topics
        views = [
            (topics.views, event_json(event_id=f"v{i}", type="view", ts=T0 + i * 10_000))
            for i in range(60)  # 10 minutes of event time, on shard 0
        ]
        await _send(bootstrap, views)
        tp_views = TopicPartition(topics.views, 0)
        for _ in range(100):
            if tp_views in sink.tp_time:
                break
            await asyncio.sleep(0.05)
        assert tp_views in sink.tp_time
        await asyncio.sleep(0.5)  # a few more rounds of the consume loop
        reaction = event_json(event_id="r0", type="reaction", reaction="angry", ts=T0 + 35_000)
        await _send(bootstrap, [(topics.reactions, reaction)])
        for _ in range(200):  # until the bucket of the reaction is closed and produced
            watermark = sink.watermarks().get(0, 0)
            if watermark >= T0 + 10 * MINUTE - 10_000 and not sink.buffered():
                break
            await asyncio.sleep(0.05)
    finally:
        await ingest.stop()
    records = await read_topic(bootstrap, topics.buckets, 10_000, timeout=5)
    return metrics, records


def test_first_event_of_a_partition_fetched_after_its_shard_is_not_late(
    broker: Any, settings_factory: Any
) -> None:
    settings = settings_factory(bootstrap=broker.bootstrap, unique_topics=True)
    metrics, records = asyncio.run(_scenario(settings, broker.bootstrap))
    assert metrics.registry.get_sample_value("crisiswatch_events_late_total") == 0
    partials = [m for m in (decode(r.value) for r in records) if isinstance(m, PartialBucket)]
    reacted = [
        p for p in partials if p.start_ms == T0 + 30_000 and any(s.reactions for s in p.summaries)
    ]
    assert reacted, json.dumps(sorted({p.start_ms - T0 for p in partials}))
