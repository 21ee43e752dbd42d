"""Produce a simulation to the per-type Kafka input topics, paced by simulated event time.

History (events before ``live_from_ms``) goes out as a fast burst; after it, simulated time runs
``speed`` times faster than the wall clock and each event is produced when it is due.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from stream_app.kafka import client_kwargs
from stream_app.settings import Settings
from stream_app.simulate.scenarios import Simulation
from stream_app.simulate.writers import json_lines

BATCH = 2_000
MAX_SLEEP_S = 0.2


@dataclass(frozen=True)
class Pacing:
    """How fast to produce: ``speed`` x wall clock after history, ``rate`` cap, ``duration`` cap."""

    speed: float = 60.0  # <= 0: no pacing, produce everything as fast as possible
    rate: float | None = None  # events/s cap over the whole run
    duration: float | None = None  # wall seconds, then stop


def topics_by_type(settings: Settings) -> list[str]:
    """Input topic per event type index (view, like, comment, share, reaction)."""
    t = settings.topics
    return [t.views, t.likes, t.comments, t.shares, t.reactions]


def due_index(ts: np.ndarray, start: int, sim_now_ms: float) -> int:
    """Index just past the last event with ``ts <= sim_now_ms`` (``ts`` sorted)."""
    return max(start, int(np.searchsorted(ts, sim_now_ms, side="right")))


class _Lines:
    """JSON lines of the simulation, rendered lazily chunk by chunk."""

    def __init__(self, sim: Simulation, chunk: int = 20_000) -> None:
        self.sim, self.chunk = sim, chunk
        self.lo, self.lines = 0, json_lines(sim, 0, chunk)

    def get(self, i: int) -> str:
        if not self.lo <= i < self.lo + len(self.lines):
            self.lo = i - i % self.chunk
            self.lines = json_lines(self.sim, self.lo, self.lo + self.chunk)
        return self.lines[i - self.lo]


async def produce_simulation(
    sim: Simulation,
    settings: Settings,
    *,
    bootstrap: str,
    pacing: Pacing = Pacing(),
    live_from_ms: int | None = None,
    progress: Callable[[int], object] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> int:
    """Send every event (key = post_id, value = JSON); return how many were acknowledged."""
    from aiokafka import AIOKafkaProducer

    kwargs = client_kwargs(settings.kafka, bootstrap)
    kwargs["client_id"] = f"{settings.kafka.client_id}-simulator"
    producer = AIOKafkaProducer(
        enable_idempotence=False,  # Tansu does not support the idempotent producer
        linger_ms=10,
        max_batch_size=512 * 1024,
        **kwargs,
    )
    await producer.start()
    try:
        return await _send_all(
            producer, sim, settings, pacing, live_from_ms, progress, clock, sleep
        )
    finally:
        await producer.stop()


async def _send_all(
    producer: Any,
    sim: Simulation,
    settings: Settings,
    pacing: Pacing,
    live_from_ms: int | None,
    progress: Callable[[int], object] | None,
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[None]],
) -> int:
    ts = sim.events.ts_ms if sim.arrival_ms is None else sim.arrival_ms  # sorted: arrival order
    n = len(ts)
    live_from = sim.history_end_ms if live_from_ms is None else live_from_ms
    history_end = int(np.searchsorted(ts, live_from, side="left"))
    topics = topics_by_type(settings)
    keys = [p.encode() for p in sim.posts.post_id]
    etype, post = sim.events.etype, sim.events.post
    lines = _Lines(sim)
    wall0 = clock()
    live_wall0: float | None = None
    i = sent = 0
    while i < n:
        now = clock()
        if pacing.duration is not None and now - wall0 >= pacing.duration:
            break
        if i < history_end or pacing.speed <= 0:
            limit = history_end if i < history_end else n
        else:
            live_wall0 = now if live_wall0 is None else live_wall0
            sim_now = live_from + (now - live_wall0) * pacing.speed * 1000.0
            limit = due_index(ts, i, sim_now)
            if limit == i:
                wait = (ts[i] - sim_now) / (pacing.speed * 1000.0)
                await sleep(min(max(wait, 0.001), MAX_SLEEP_S))
                continue
        if pacing.rate:
            allowed = int(pacing.rate * (now - wall0) + min(pacing.rate, BATCH)) - i
            if allowed <= 0:
                await sleep(min(1.0 / pacing.rate, MAX_SLEEP_S))
                continue
            limit = min(limit, i + allowed)
        limit = min(limit, i + BATCH)
        futures = [
            await producer.send(
                topics[int(etype[j])], lines.get(j).encode(), key=keys[int(post[j])]
            )
            for j in range(i, limit)
        ]
        await asyncio.gather(*futures)
        sent += limit - i
        if progress is not None:
            progress(limit - i)
        i = limit
    await producer.flush()
    return sent
