"""Stage 2's deferred state writes: a worker stopped long before its next interval flush still
writes what it detected to the changelog and commits the offsets behind it."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from stream_app.process import WorkerProcess
from tests.integration.helpers import (
    SHORT_IDLE,
    event_json,
    produce,
    run,
    wait_until,
    worker_env,
)

pytestmark = pytest.mark.integration

T0 = 1_767_225_600_000


async def committed(bootstrap: str, group: str, topic: str, partitions: int) -> list[int]:
    """The group's committed offset of each partition of ``topic`` (-1: none)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        offsets = [await consumer.committed(TopicPartition(topic, p)) for p in range(partitions)]
    finally:
        await consumer.stop()
    return [-1 if offset is None else offset for offset in offsets]


def test_a_stopped_worker_flushes_and_commits_what_it_detected(
    broker, settings_factory, tmp_path: Path
):
    settings = settings_factory(
        bootstrap=broker.bootstrap,
        unique_topics=True,
        app={"commit_interval_ms": 600_000},
        ingest=SHORT_IDLE,
    )
    broker.create_topics(settings)
    likes = settings.topics.likes
    messages = [
        (likes, b"p1", event_json(event_id=f"e{s}", ts=T0 + s * 1000, post_id="p1"))
        for s in range(0, 20 * 60, 5)
    ]
    run(produce(broker.bootstrap, messages))
    env = worker_env(settings, broker.bootstrap, tmp_path / "data")
    env["CRISISWATCH_APP__COMMIT_INTERVAL_MS"] = "600000"  # no interval flush in this test
    buckets, group, partitions = settings.topics.buckets, settings.app.id, settings.kafka.partitions

    first = WorkerProcess(env, tmp_path / "worker-1.log").start()
    try:
        first.wait_ready(timeout=120)
        detected = lambda: first.metric("crisiswatch_buckets_detected_total")  # noqa: E731
        assert wait_until(lambda: detected() >= 30, 90), first.log_tail()
        last, settled = -1.0, 0
        while settled < 3:  # wait until stage 2 has detected what it can
            now = detected()
            settled, last = (settled + 1 if now == last else 0), now
            time.sleep(1.0)
        assert max(run(committed(broker.bootstrap, group, buckets, partitions))) == -1
    finally:
        assert first.stop() == 0, first.log_tail()
    flushed = re.findall(
        r"stage 2 flushed before a rebalance or stop \((\d+) messages waited\)",
        (tmp_path / "worker-1.log").read_text(),
    )
    assert flushed and int(flushed[-1]) > 0, first.log_tail()
    assert max(run(committed(broker.bootstrap, group, buckets, partitions))) > 0

    second = WorkerProcess(env, tmp_path / "worker-2.log").start()
    try:
        second.wait_ready(timeout=120)
        state = second.entity("brand:acme")  # restored from the changelog
        assert state is not None and state["buckets"] >= last, second.log_tail()
    finally:
        assert second.stop() == 0, second.log_tail()
