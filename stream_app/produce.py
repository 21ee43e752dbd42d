"""Produce JSON event lines to the input topics (by ``type``, keyed by ``post_id``).

Used by tests, benchmarks and ``crisiswatch produce``-style tooling; the simulator has its own
paced sink. Lines that are not events (bad JSON, unknown type) go to the comments topic as they
are, so the engine's dead-letter path sees them like any producer's garbage.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import msgspec
from aiokafka import AIOKafkaProducer

from stream_app.kafka import client_kwargs
from stream_app.settings import Settings


class _Route(msgspec.Struct):
    type: str = ""
    post_id: str = ""


_route = msgspec.json.Decoder(_Route)


def topic_for(settings: Settings, line: bytes) -> tuple[str, bytes | None]:
    """The input topic and key of one JSON event line."""
    topics = settings.topics
    by_type = {
        "view": topics.views,
        "like": topics.likes,
        "comment": topics.comments,
        "share": topics.shares,
        "reaction": topics.reactions,
    }
    try:
        route = _route.decode(line)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return topics.comments, None
    return by_type.get(route.type, topics.comments), route.post_id.encode() or None


async def produce_lines(
    settings: Settings, bootstrap: str, lines: Iterable[bytes], linger_ms: int = 20
) -> int:
    """Send every line to its topic; return how many were sent (all delivered on return)."""
    producer = AIOKafkaProducer(
        **client_kwargs(settings.kafka, bootstrap),
        enable_idempotence=False,
        linger_ms=linger_ms,
        max_batch_size=256 * 1024,
    )
    await producer.start()
    sent = 0
    try:
        for line in lines:
            topic, key = topic_for(settings, line)
            await producer.send(topic, value=line, key=key)
            sent += 1
        await producer.flush()
    finally:
        await producer.stop()
    return sent


def closing_lines(
    last_ts_ms: int, brands: Iterable[str], settings: Settings, keys_per_brand: int = 16
) -> list[bytes]:
    """View events far enough after ``last_ts_ms`` to close every open bucket on every shard.

    A stream never ends, so its last buckets close only when later events arrive; appending
    these to a finite input makes the streaming path close the same buckets as offline replay.
    """
    window = settings.windows
    ts = last_ts_ms + 3 * (window.size_ms + window.grace_ms)
    return [
        json.dumps(
            {
                "event_id": f"closing-{brand}-{i}",
                "type": "view",
                "ts": ts,
                "brand": brand,
                "post_id": f"closing-{brand}-{i}",
            }
        ).encode()
        for brand in sorted(set(brands))
        for i in range(keys_per_brand)
    ]
