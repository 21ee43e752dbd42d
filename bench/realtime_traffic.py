"""Steady social traffic generated per event-time second, for benchmarks that produce in real time.

Four brands, each with rotating posts (a new one every 30 min of event time, each live 3 h);
per brand and second a Poisson number of views, likes, comments, shares and reactions scaled by
``density``; every ``crisis_every_ms`` of event time (after ``crisis_after_ms``) the newest post
of one brand gets a negative pile-on of ``crisis_len_ms``. Used by ``soak.py`` and
``bench_latency.py``.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import math
import random
import time
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaProducer

from stream_app.settings import Settings

BRANDS = ("acme", "globex", "initech", "umbrella")
# Per brand and event-time second at density 1: (type, mean count) of healthy traffic.
HEALTHY = (("view", 12.0), ("like", 0.6), ("comment", 0.12), ("share", 0.04), ("reaction", 0.1))
EVENTS_PER_SECOND = len(BRANDS) * sum(mean for _, mean in HEALTHY)
"""Mean healthy events per event-time second at density 1 (51.4)."""

Message = tuple[str, bytes, bytes]  # (topic, key, value)


class Traffic:
    """Healthy traffic on rotating posts, plus scheduled negative pile-ons."""

    def __init__(
        self,
        settings: Settings,
        start_ms: int,
        crisis_every_ms: int,
        seed: int,
        *,
        density: float = 1.0,
        crisis_after_ms: int = 3_600_000,
        crisis_len_ms: int = 1_200_000,
    ) -> None:
        self.topics = {
            "view": settings.topics.views,
            "like": settings.topics.likes,
            "comment": settings.topics.comments,
            "share": settings.topics.shares,
            "reaction": settings.topics.reactions,
        }
        self.start_ms = start_ms
        self.crisis_every_ms = crisis_every_ms
        self.crisis_after_ms = crisis_after_ms
        self.crisis_len_ms = crisis_len_ms
        self.density = density
        self.rng = random.Random(seed)
        self.serial = 0
        self.crises: list[tuple[int, str]] = []

    def posts(self, brand: str, ts: int) -> list[str]:
        """A brand's live posts: a new one every 30 min of event time, each live for 3 h."""
        born = (ts - self.start_ms) // 1_800_000
        return [f"{brand}-post-{n}" for n in range(max(0, born - 5), born + 1)]

    def in_crisis(self, ts: int) -> bool:
        """True while event time ``ts`` is inside a scheduled pile-on."""
        since = ts - self.start_ms
        return since >= self.crisis_after_ms and (
            (since - self.crisis_after_ms) % self.crisis_every_ms < self.crisis_len_ms
        )

    def second(self, ts: int) -> list[Message]:
        """The messages of one event-time second starting at ``ts``."""
        return [message for _, message in self.second_timed(ts)]

    def second_timed(self, ts: int) -> list[tuple[int, Message]]:
        """The messages of one event-time second starting at ``ts``, each with its event time."""
        rng = self.rng
        density = self.density
        out = []
        for brand in BRANDS:
            posts = self.posts(brand, ts)
            for etype, mean in HEALTHY:
                for _ in range(poisson(rng, mean * density)):
                    out.append(self._event(etype, ts, brand, rng.choice(posts), rng))
        if self.in_crisis(ts):
            brand = BRANDS[((ts - self.start_ms) // self.crisis_every_ms) % len(BRANDS)]
            post = self.posts(brand, ts)[-1]
            if not self.crises or self.crises[-1][1] != post:
                self.crises.append((ts, post))
            for _ in range(poisson(rng, 1.5 * density)):
                out.append(self._event("comment", ts, brand, post, rng, sentiment=-0.8))
            for _ in range(poisson(rng, 0.8 * density)):
                out.append(self._event("reaction", ts, brand, post, rng, reaction="angry"))
        return out

    def _event(
        self, etype: str, ts: int, brand: str, post: str, rng: random.Random, **extra: object
    ) -> tuple[int, Message]:
        self.serial += 1
        stamp = ts + rng.randrange(1000)
        event: dict[str, object] = {
            "event_id": f"s{self.serial}",
            "type": etype,
            "ts": stamp,
            "brand": brand,
            "post_id": post,
            "user_id": f"u{rng.randrange(200_000)}",
            "hashtags": [f"#{brand}"],
        }
        if etype == "comment" and "sentiment" not in extra:
            event["sentiment"] = round(rng.uniform(-0.4, 0.9), 2)
        if etype == "reaction" and "reaction" not in extra:
            event["reaction"] = rng.choice(("love", "haha", "wow", "love", "sad"))
        event.update(extra)
        return stamp, (self.topics[etype], post.encode(), json.dumps(event).encode())


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; normal approximation above a mean of 30)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    count, threshold, product = 0, math.exp(-mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


async def produce_paced(
    producer: AIOKafkaProducer,
    traffic: Traffic,
    *,
    speed: float,
    seconds: float,
    tick: Callable[[float], Awaitable[None]],
    late_share: float = 0.0,
    late_ms: int = 0,
) -> None:
    """Produce ``traffic`` for ``seconds`` of wall time, event time running ``speed`` times the
    wall clock from ``traffic.start_ms``; ``tick(elapsed_s)`` is awaited every ~50 ms.

    Each message is produced once the (scaled) clock has reached its event time, never before;
    ``late_share`` of them (drawn at random) are held back by a further delay uniform in
    ``[0, late_ms]`` of event time: late producers, as a phone batching its uploads."""
    began = time.monotonic()
    event_ms = traffic.start_ms
    held: list[tuple[int, int, Message]] = []  # heap of (due event time, serial, message)
    rng = random.Random(traffic.serial + 7919)
    order = itertools.count()
    while (elapsed := time.monotonic() - began) < seconds:
        due_ms = traffic.start_ms + int(elapsed * speed * 1000)
        while event_ms <= due_ms:  # every second that has begun
            for stamp, message in traffic.second_timed(event_ms):
                delay = rng.randint(0, late_ms) if late_share and rng.random() < late_share else 0
                heapq.heappush(held, (stamp + delay, next(order), message))
            event_ms += 1000
        while held and held[0][0] <= due_ms:
            topic, key, value = heapq.heappop(held)[2]
            await producer.send(topic, value, key=key)
        await tick(elapsed)
        await asyncio.sleep(0.05)
    await producer.flush()
