"""The embedded broker: starts, creates the configured topics idempotently, stops."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from stream_app.broker import EmbeddedBroker
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
    assert partitions == dict.fromkeys(settings.topics.all, 3)


def test_start_and_stop(tmp_path):
    embedded = EmbeddedBroker(log_path=tmp_path / "b.log")
    embedded.start()
    assert embedded.running
    embedded.stop()
    assert not embedded.running
