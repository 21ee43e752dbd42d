"""Create the engine's topics up front (never rely on broker auto-creation)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from stream_app.kafka import client_kwargs
from stream_app.settings import Settings

log = logging.getLogger(__name__)


async def ensure_topics(
    settings: Settings,
    bootstrap: str | None = None,
    topics: Sequence[str] | None = None,
) -> list[str]:
    """Create every missing topic with the configured partitions; return the names created."""
    wanted = list(topics) if topics is not None else settings.topics.all
    admin = AIOKafkaAdminClient(**client_kwargs(settings.kafka, bootstrap))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in wanted if name not in existing]
        if not missing:
            return []
        new = [_new_topic(settings, name) for name in missing]
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(new)
        log.info("created topics %s with %d partitions", missing, settings.kafka.partitions)
        return missing
    finally:
        await admin.close()


def _new_topic(settings: Settings, name: str) -> NewTopic:
    """The configured partitions; the calendar: one partition, compacted (every worker reads all
    of it, the latest record of each entry id is the entry, a tombstone removes it)."""
    kafka = settings.kafka
    if name == settings.topics.calendar:
        return NewTopic(
            name, 1, kafka.replication_factor, topic_configs={"cleanup.policy": "compact"}
        )
    return NewTopic(name, kafka.partitions, kafka.replication_factor)


async def wait_for_cluster(
    settings: Settings,
    bootstrap: str | None = None,
    *,
    attempts: int = 0,
    initial_backoff_s: float = 0.5,
    max_backoff_s: float = 10.0,
) -> int:
    """Wait until the cluster answers a metadata request; return the attempts it took.

    Logs one line per failed attempt with exponential backoff; ``attempts=0`` waits forever.
    """
    backoff = initial_backoff_s
    attempt = 0
    while True:
        attempt += 1
        admin = AIOKafkaAdminClient(**client_kwargs(settings.kafka, bootstrap))
        try:
            await admin.start()
            await admin.list_topics()
            return attempt
        except (KafkaError, OSError) as exc:
            target = bootstrap or settings.kafka.bootstrap_servers
            log.warning(
                "broker %s not reachable (attempt %d: %s); retrying in %.1fs",
                target,
                attempt,
                exc.__class__.__name__,
                backoff,
            )
            if attempts and attempt >= attempts:
                raise
        finally:
            await admin.close()
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, max_backoff_s)
