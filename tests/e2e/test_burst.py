"""A burst of 20x the steady rate: the worker's memory stays bounded and its lag drains.

Steady traffic, then twenty times that rate, then steady again, produced by the test in real
time while the worker's resident memory is sampled from /proc. Kafka holds the backlog; the
worker reads it in bounded batches, so its memory must not grow with the size of the burst.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from stream_app.process import WorkerProcess, rss_mb
from tests.integration.helpers import wait_until, worker_env

pytestmark = pytest.mark.e2e

STEADY_PER_S = 800
BURST_FACTOR = 20
BASE_TS = 1_767_225_600_000
# Over the steady-state peak. Holding the whole burst would cost more: its 128,000 events are
# 15 MB of JSON and 42 MB as decoded events (tracemalloc); measured growth is ~15 MB.
MEMORY_ALLOWANCE_MB = 48


class MemorySampler(threading.Thread):
    """Samples a process's RSS every 0.2 s, labelled with the current phase."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.phase = "warm-up"
        self.samples: list[tuple[str, float]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.samples.append((self.phase, rss_mb(self.pid)))
            time.sleep(0.2)

    def peak(self, *phases: str) -> float:
        return max(mb for phase, mb in self.samples if phase in phases)


async def produce_at(
    bootstrap: str, topics: list[str], per_s: int, seconds: float, start: int
) -> int:
    """Produce ``per_s`` events a second for ``seconds`` of wall time; return the count."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20)
    await producer.start()
    sent = start
    try:
        began = time.monotonic()
        tick = 0.1
        while (elapsed := time.monotonic() - began) < seconds:
            due = start + int(per_s * min(elapsed + tick, seconds))
            while sent < due:
                post = f"p{sent % 40}"
                value = {
                    "event_id": f"e{sent}",
                    "type": "view" if sent % 4 else "like",
                    "ts": BASE_TS + sent * 10,  # 100 events per second of event time
                    "brand": ("acme", "globex", "initech")[sent % 3],
                    "post_id": post,
                    "user_id": f"u{sent % 5000}",
                }
                topic = topics[0] if sent % 4 else topics[1]
                await producer.send(topic, json.dumps(value).encode(), key=post.encode())
                sent += 1
            await asyncio.sleep(max(0.0, began + elapsed + tick - time.monotonic()))
        await producer.flush()
    finally:
        await producer.stop()
    return sent


def test_a_burst_of_twenty_times_the_rate_is_absorbed(broker, settings_factory, tmp_path: Path):
    settings = settings_factory(bootstrap=broker.bootstrap, unique_topics=True)
    broker.create_topics(settings)
    worker = WorkerProcess(
        worker_env(settings, broker.bootstrap, tmp_path / "data"), tmp_path / "w.log"
    )
    worker.start()
    sampler: MemorySampler | None = None
    topics = [settings.topics.views, settings.topics.likes]
    try:
        worker.wait_ready(timeout=120)
        assert worker.process is not None
        sampler = MemorySampler(worker.process.pid)
        sampler.start()
        sent = asyncio.run(produce_at(broker.bootstrap, topics, STEADY_PER_S, 12, 0))
        sampler.phase = "steady"
        sent = asyncio.run(produce_at(broker.bootstrap, topics, STEADY_PER_S, 8, sent))
        steady_sent = sent
        sampler.phase = "burst"
        sent = asyncio.run(
            produce_at(broker.bootstrap, topics, STEADY_PER_S * BURST_FACTOR, 8, sent)
        )
        burst = sent - steady_sent
        assert burst >= 0.9 * STEADY_PER_S * BURST_FACTOR * 8  # the burst really was 20x
        sampler.phase = "drain"
        assert wait_until(lambda: worker.metric("crisiswatch_events_total") >= sent, 180), (
            worker.log_tail()
        )
        assert worker.metric("crisiswatch_events_total") == sent
        assert wait_until(lambda: worker.metric("crisiswatch_consumer_lag_messages") == 0, 30)
        sampler.done.set()
        sampler.join()
        steady = sampler.peak("steady")
        peak = sampler.peak("burst", "drain")
        (tmp_path / "rss.json").write_text(json.dumps(sampler.samples))
        print(f"burst of {burst} events: steady peak {steady:.0f} MB, burst peak {peak:.0f} MB")
        assert peak <= steady + MEMORY_ALLOWANCE_MB, (steady, peak)
        assert worker.alive()
    finally:
        if sampler is not None:
            sampler.done.set()
        assert worker.stop() == 0, worker.log_tail()
