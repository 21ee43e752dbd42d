"""The Kafka sink's pacing, with a fake producer and a fake clock (no broker, no real time)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from stream_app.settings import Settings
from stream_app.simulate.kafka_sink import Pacing, _send_all
from stream_app.simulate.scenarios import Simulation

SimFactory = Callable[..., Simulation]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class FakeProducer:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sent: list[tuple[float, str, bytes, bytes]] = []

    async def send(self, topic: str, value: bytes, key: bytes) -> asyncio.Future[Any]:
        self.sent.append((self.clock.now, topic, key, value))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future

    async def flush(self) -> None:
        return None


def _run(sim: Simulation, pacing: Pacing) -> tuple[int, FakeProducer, FakeClock]:
    clock = FakeClock()
    producer = FakeProducer(clock)
    sent = asyncio.run(_send_all(producer, sim, Settings(), pacing, None, None, clock, clock.sleep))
    return sent, producer, clock


def test_history_is_a_burst_then_events_are_produced_when_due(sim_factory: SimFactory) -> None:
    sim = sim_factory("demo", history=1, tail=0.1, scale=0.1)
    speed = 60.0
    sent, producer, _ = _run(sim, Pacing(speed=speed))
    assert sent == len(sim.events) == len(producer.sent)
    t0 = producer.sent[0][0]
    live_start = None
    for (wall, _topic, _key, _value), ts in zip(
        producer.sent, sim.events.ts_ms.tolist(), strict=True
    ):
        if ts < sim.history_end_ms:
            assert wall == t0  # no waiting during the history burst
            continue
        live_start = wall if live_start is None else live_start
        due = (ts - sim.history_end_ms) / 1000.0 / speed
        assert wall - live_start <= due + 0.25  # never late by more than one sleep slice
        assert wall - t0 >= due - 1e-6  # never early
    assert live_start is not None


def test_messages_go_to_the_per_type_topic_keyed_by_post(sim_factory: SimFactory) -> None:
    sim = sim_factory("pile_on", history=1, tail=0.1, scale=0.1)
    _, producer, _ = _run(sim, Pacing(speed=0))
    topics = Settings().topics
    by_type = {"view": topics.views, "like": topics.likes, "comment": topics.comments,
               "share": topics.shares, "reaction": topics.reactions}  # fmt: skip
    for _wall, topic, key, value in producer.sent[:5000]:
        event = json.loads(value)
        assert topic == by_type[event["type"]]
        assert key == event["post_id"].encode()


def test_duration_and_rate_limit_the_run(sim_factory: SimFactory) -> None:
    sim = sim_factory("pile_on", history=1, tail=0.1, scale=0.1)
    sent, _, clock = _run(sim, Pacing(speed=0, rate=1000.0, duration=2.0))
    assert 1000 <= sent <= 3000 + 2000
    assert sent < len(sim.events)
    assert clock.now - 1000.0 >= 2.0


def test_jittered_events_are_produced_in_arrival_order_when_they_arrive(
    sim_factory: SimFactory,
) -> None:
    sim = sim_factory("small_flop", history=1, tail=0.1, scale=0.3)
    assert sim.arrival_ms is not None
    speed = 600.0
    sent, producer, _ = _run(sim, Pacing(speed=speed))
    assert sent == len(sim.events)
    ids = [json.loads(value)["event_id"] for _wall, _topic, _key, value in producer.sent]
    assert ids == [f"{sim.event_id_prefix}{i}" for i in range(len(ids))]
    live = [(w, a) for (w, *_), a in zip(producer.sent, sim.arrival_ms.tolist(), strict=True)
            if a >= sim.history_end_ms]  # fmt: skip
    assert live
    start = live[0][0] - (live[0][1] - sim.history_end_ms) / 1000.0 / speed
    assert all(w - start >= (a - sim.history_end_ms) / 1000.0 / speed - 0.3 for w, a in live)
