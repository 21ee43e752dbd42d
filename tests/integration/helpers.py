"""Small Kafka helpers for integration tests: produce JSON, read a topic, poll a condition."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from stream_app.process import WorkerProcess, settings_env
from stream_app.settings import Settings

# The worker and notify processes' kafka.session_timeout_ms in tests. Tansu completes a group
# join only after half the session timeout, and a worker joins two groups (Faust's and
# ingest's) on every start: 3 s instead of 6 s saves ~3 s per start; heartbeats (every 0.6 s)
# still leave a busy event loop over 2 s. Tests that stall the loop on purpose keep 6 s.
SESSION_TIMEOUT_MS = 3000
# Short idle rules (``settings_factory(ingest=SHORT_IDLE)``): buckets of traffic on a few
# partitions close 1-2 s after it stops instead of 5-10 s (30 s for stage 2's idle shards).
SHORT_IDLE = {"idle_partition_ms": 1_000, "idle_shard_ms": 2_000}


async def produce(bootstrap: str, messages: Iterable[tuple[str, bytes | None, bytes]]) -> int:
    """Produce (topic, key, value) messages and flush; return how many were sent."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    count = 0
    try:
        for topic, key, value in messages:
            await producer.send(topic, value=value, key=key)
            count += 1
        await producer.flush()
    finally:
        await producer.stop()
    return count


async def read_topic(
    bootstrap: str,
    topic: str,
    expected: int,
    timeout: float = 30.0,
    max_records: int | None = None,
    **consumer_kwargs: Any,
) -> list[Any]:
    """Read ``topic`` from the start until ``expected`` messages arrived or ``timeout`` passed
    (``consumer_kwargs`` go to the ``AIOKafkaConsumer``)."""
    consumer = await _started_from_earliest(bootstrap, topic, **consumer_kwargs)
    found: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(found) < expected and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200, max_records=max_records)
            for records in batches.values():
                found.extend(records)
    finally:
        await consumer.stop()
    return found


async def _started_from_earliest(
    bootstrap: str, topic: str, **consumer_kwargs: Any
) -> AIOKafkaConsumer:
    """A started consumer of ``topic`` from its first offset, committing nothing."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=100,
        **consumer_kwargs,
    )
    await consumer.start()
    return consumer


async def read_to_end(bootstrap: str, topic: str, timeout: float = 30.0) -> list[Any]:
    """Every message on ``topic`` up to its end when read: until each partition's position
    reaches the high watermark of a fetch (not ``end_offsets``, see docs/architecture.md), or
    ``timeout`` passed. For topics nothing is written to any more."""
    consumer = await _started_from_earliest(bootstrap, topic)
    found: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                found.extend(records)
            behind = [
                tp
                for tp in consumer.assignment()
                if (end := consumer.highwater(tp)) is None or await consumer.position(tp) < end
            ]
            if consumer.assignment() and not behind:
                break
    finally:
        await consumer.stop()
    return found


def event_json(**fields: Any) -> bytes:
    """A JSON-encoded event with sensible defaults for missing fields."""
    base: dict[str, Any] = {
        "event_id": "e1",
        "type": "like",
        "ts": 1_767_225_600_000,
        "brand": "acme",
        "post_id": "p1",
    }
    base.update(fields)
    return json.dumps(base).encode()


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.25) -> bool:
    """Poll ``condition`` until it is true or ``timeout`` passes; return its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def run(coro: Any) -> Any:
    """Run a coroutine to completion from a synchronous test."""
    return asyncio.run(coro)


def worker_env(settings: Settings, bootstrap: str, data_dir: Path) -> dict[str, str]:
    """Environment running a worker (and replay) with these settings' topics and ids."""
    topics = settings.topics
    return settings_env(
        bootstrap,
        topics__views=topics.views,
        topics__likes=topics.likes,
        topics__comments=topics.comments,
        topics__shares=topics.shares,
        topics__reactions=topics.reactions,
        topics__buckets=topics.buckets,
        topics__alerts=topics.alerts,
        topics__deadletter=topics.deadletter,
        topics__calendar=topics.calendar,
        ingest__group_id=settings.ingest.group_id,
        app__id=settings.app.id,
        app__data_dir=str(data_dir),
        app__shared_snapshot_ms=str(settings.app.shared_snapshot_ms),
        kafka__session_timeout_ms=str(settings.kafka.session_timeout_ms),
        ingest__idle_partition_ms=str(settings.ingest.idle_partition_ms),
        ingest__idle_shard_ms=str(settings.ingest.idle_shard_ms),
    )


@contextlib.contextmanager
def named_worker(
    broker: Any, tmp: Path, prefix: str, **overrides: str
) -> Iterator[tuple[WorkerProcess, Settings, dict[str, str]]]:
    """A ready worker on topics ``<prefix>.*`` with its own group and app ids.

    ``overrides`` are settings as ``section__key=value``; the worker must stop with exit code 0.
    """
    from stream_app.settings import TopicSettings

    topics = TopicSettings(**{f: f"{prefix}.{f}" for f in TopicSettings.__struct_fields__})
    settings = Settings(topics=topics)
    broker.create_topics(settings)
    env = worker_env(settings, broker.bootstrap, tmp / "data")
    overrides = {
        "ingest__group_id": f"{prefix}-ingest",
        "app__id": f"{prefix}-app",
        "kafka__session_timeout_ms": str(SESSION_TIMEOUT_MS),
        **overrides,
    }
    for key, value in overrides.items():
        env[f"CRISISWATCH_{key.upper()}"] = value
    worker = WorkerProcess(env, tmp / "worker.log").start()
    worker.wait_ready(timeout=120)
    yield worker, settings, env
    assert worker.stop() == 0, worker.log_tail()
