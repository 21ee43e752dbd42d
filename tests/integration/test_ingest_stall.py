"""Stage 1's event-time merge across a stall of the worker's event loop.

The month soak (``bench/soak_month.py``) suspends the worker (SIGSTOP) while it produces a day and
resumes it after: stage 1 dropped events as late in every run, at random days. While the loop
does not run, nothing is fetched; after it, a partition whose last data is older than
``ingest.idle_partition_ms`` (wall time passed while stopped) and whose high watermark, from its
last fetch *before* the stall, equals its position counted as having no input, although the
broker held new data for it. The merge released its shard's other partitions past that data,
which then came in late and was dropped. Any stall longer than the quiet period (a long
synchronous batch, a GC pause, a starved host) does the same.

Here it is made deterministic: with every partition read to its end and quiet, the event loop
is blocked (``time.sleep`` in it: nothing runs, as under SIGSTOP; ``stall-3s``, longer than the
quiet period) while ten minutes of views and one reaction are produced to shard 0; after it,
the reactions partition is fetched only a moment after the views (its fetch held back, as a
partition whose data comes in a later fetch response than its neighbours'). The reaction must
be counted, and its bucket reach the buckets topic. ``no-stall`` is the same without the stall
(the loop blocked only while the producer thread runs): the stall's length does not matter,
only that the partition's high watermark is older than the views read past it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition

from stream_app.bucket_messages import PartialBucket, decode
from stream_app.metrics import EngineMetrics
from stream_app.settings import Settings
from stream_app.stage1.ingest import IngestService
from stream_app.stage1.shards import BucketingSink
from stream_app.topics import ensure_topics
from tests.integration.helpers import event_json, read_to_end

pytestmark = pytest.mark.integration

T0 = 1_767_225_600_000  # 2026-01-01, a bucket start
MINUTE = 60_000
QUIET_MS = 2_000  # ingest.idle_partition_ms here
HELD_S = 1.0  # the reactions partition fetched this long after the loop resumed


async def _send(bootstrap: str, messages: list[tuple[str, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for topic, value in messages:
            await producer.send(topic, value=value, partition=0)
        await producer.flush()
    finally:
        await producer.stop()


def _hold_back(ingest: IngestService, tp: TopicPartition) -> set[TopicPartition]:
    """Keep ``tp`` unfetched (paused in the consumer, unknown to ingest) while in the set."""
    consumer = ingest.consumer
    assert consumer is not None
    held = {tp}
    resume = consumer.resume

    def resume_unheld(*partitions: TopicPartition) -> None:
        resume(*[p for p in partitions if p not in held])

    consumer.resume = resume_unheld  # type: ignore[method-assign]
    consumer.pause(tp)
    return held


async def _scenario(
    settings: Settings, bootstrap: str, stall_s: float
) -> tuple[EngineMetrics, list[Any]]:
    await ensure_topics(settings, bootstrap)
    metrics = EngineMetrics()
    sink = BucketingSink(settings, metrics)
    ingest = IngestService(settings, bootstrap, metrics, sink, loop=None)
    topics = settings.topics
    tp_views = TopicPartition(topics.views, 0)
    tp_reactions = TopicPartition(topics.reactions, 0)
    await ingest.start()
    try:
        assert await ingest.wait_consuming(30)
        await asyncio.sleep(QUIET_MS / 1000 + 1.0)  # every partition at its log end, and quiet
        held = _hold_back(ingest, tp_reactions)
        await asyncio.sleep(0.5)  # fetches in flight when it was paused have come back
        views = [
            (topics.views, event_json(event_id=f"v{i}", type="view", ts=T0 + i * 10_000))
            for i in range(60)  # 10 minutes of event time, on shard 0
        ]
        reaction = event_json(event_id="r0", type="reaction", reaction="angry", ts=T0 + 35_000)
        producing = threading.Thread(
            target=asyncio.run, args=(_send(bootstrap, [*views, (topics.reactions, reaction)]),)
        )
        producing.start()
        time.sleep(stall_s)  # the event loop stalls (as under SIGSTOP) while the data arrives
        producing.join(timeout=30)  # (the loop stalls until it is all there, at least)
        assert not producing.is_alive()
        await asyncio.sleep(HELD_S)  # the loop runs: the views are fetched
        assert tp_views in sink.tp_time
        held.clear()  # now the reactions partition is fetched too
        for _ in range(200):
            if tp_reactions in sink.tp_time:
                break
            await asyncio.sleep(0.05)
        assert tp_reactions in sink.tp_time
        for _ in range(400):  # until the bucket of the reaction is closed and produced
            watermark = sink.watermarks().get(0, 0)
            if watermark >= T0 + 10 * MINUTE - 10_000 and not sink.buffered():
                break
            await asyncio.sleep(0.05)
    finally:
        await ingest.stop()
    records = await read_to_end(bootstrap, topics.buckets)
    return metrics, records


@pytest.mark.parametrize("stall_s", [3.0, 0.0], ids=["stall-3s", "no-stall"])
def test_a_partition_fetched_after_its_neighbours_newer_data_is_waited_for(
    broker: Any, settings_factory: Any, stall_s: float
) -> None:
    settings = settings_factory(
        bootstrap=broker.bootstrap,
        unique_topics=True,
        ingest={"idle_partition_ms": QUIET_MS, "idle_shard_ms": 60_000},
        kafka={"session_timeout_ms": 6_000},  # the 3 s stall must not cost the group membership
    )
    metrics, records = asyncio.run(_scenario(settings, broker.bootstrap, stall_s))
    assert metrics.registry.get_sample_value("crisiswatch_events_late_total") == 0
    partials = [m for m in (decode(r.value) for r in records) if isinstance(m, PartialBucket)]
    reacted = [
        p for p in partials if p.start_ms == T0 + 30_000 and any(s.reactions for s in p.summaries)
    ]
    assert reacted, json.dumps(sorted({p.start_ms - T0 for p in partials}))
