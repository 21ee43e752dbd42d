"""On the real broker: a lean consumer reads every offset and value a stock consumer reads."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord

from stream_app.lean_records import install, lean_values
from stream_app.topics import ensure_topics
from tests.integration.helpers import produce, run

pytestmark = pytest.mark.integration


async def _read(bootstrap: str, topic: str, expected: int, lean: bool) -> list[object]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=100,
        max_partition_fetch_bytes=4096,  # several fetches, some ending inside a batch
        **({"value_deserializer": lean_values} if lean else {}),
    )
    await consumer.start()
    found: list[object] = []
    try:
        for _ in range(200):
            batches = await consumer.getmany(timeout_ms=200, max_records=97)
            for records in batches.values():
                found.extend(records)
            if len(found) >= expected:
                break
    finally:
        await consumer.stop()
    return found


def test_lean_and_stock_consumers_read_the_same_messages(broker, settings_factory):
    settings = settings_factory(bootstrap=broker.bootstrap, unique_topics=True)
    run(ensure_topics(settings, broker.bootstrap))
    topic = settings.topics.likes
    values = [f'{{"n": {i}, "pad": "{"x" * (i % 50)}"}}'.encode() for i in range(1_500)]
    run(produce(broker.bootstrap, [(topic, str(i % 7).encode(), v) for i, v in enumerate(values)]))
    install()
    lean = run(_read(broker.bootstrap, topic, len(values), lean=True))
    stock = run(_read(broker.bootstrap, topic, len(values), lean=False))
    assert all(type(r) is tuple for r in lean)
    assert all(isinstance(r, ConsumerRecord) for r in stock)
    assert len(lean) == len(values)
    assert sorted(lean, key=lambda r: (r[1], r[0])) == sorted(
        ((r.offset, r.value) for r in stock), key=lambda r: (r[1], r[0])
    )
