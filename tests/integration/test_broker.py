"""The embedded broker: starts, creates the configured topics idempotently, stops."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from stream_app.broker import EmbeddedBroker
from stream_app.kafka import fetched_log_ends
from stream_app.settings import KafkaSettings
from stream_app.topics import ensure_topics

pytestmark = pytest.mark.integration


async def _partitions(bootstrap: str, topics: list[str]) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
        return {t["topic"]: len(t["partitions"]) for t in described}
    finally:
        await admin.close()


def test_topics_are_created_once_with_the_configured_partitions(broker, settings_factory):
    settings = settings_factory(
        bootstrap=broker.bootstrap, unique_topics=True, kafka={"partitions": 3}
    )
    created = asyncio.run(ensure_topics(settings, broker.bootstrap))
    assert sorted(created) == sorted(settings.topics.all)
    assert asyncio.run(ensure_topics(settings, broker.bootstrap)) == []
    partitions = asyncio.run(_partitions(broker.bootstrap, settings.topics.all))
    calendar = settings.topics.calendar  # one partition: every worker reads all of it
    assert partitions == dict.fromkeys(settings.topics.all, 3) | {calendar: 1}


def test_start_and_stop(tmp_path):
    embedded = EmbeddedBroker(log_path=tmp_path / "b.log")
    embedded.start()
    assert embedded.running
    embedded.stop()
    assert not embedded.running


async def _log_ends_after_batches(
    kafka: KafkaSettings, bootstrap: str, topic: str
) -> tuple[int, int, int]:
    """Produce 3,000 records in several batches; (end_offsets, fetched end at 2,800, beyond)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, enable_idempotence=False)
    await producer.start()
    try:
        for i in range(3_000):
            await producer.send(topic, b"x%d" % i, partition=0)
            if i % 500 == 0:
                await producer.flush()
        await producer.flush()
    finally:
        await producer.stop()
    tp = TopicPartition(topic, 0)
    listed = await _end_offset(bootstrap, tp)
    within = await fetched_log_ends(kafka, bootstrap, {tp: 2_800}, wait_ms=200)
    beyond = await fetched_log_ends(kafka, bootstrap, {tp: 5_000}, wait_ms=200)
    return listed, within[tp], beyond[tp]


async def _end_offset(bootstrap: str, tp: TopicPartition) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        return int((await consumer.end_offsets([tp]))[tp])
    finally:
        await consumer.stop()


def test_fetched_log_end_is_the_high_watermark_whatever_list_offsets_says(broker, settings_factory):
    settings = settings_factory(bootstrap=broker.bootstrap, unique_topics=True)
    topic = settings.topics.likes
    broker.create_topics(settings)
    listed, within, beyond = asyncio.run(
        _log_ends_after_batches(settings.kafka, broker.bootstrap, topic)
    )
    # Tansu's ListOffsets names the start of the last batch; a fetch's high watermark is right,
    # from inside the log and from beyond its end, so only a real loss resets a partition.
    assert within == beyond == 3_000
    assert listed <= 3_000
