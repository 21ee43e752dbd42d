"""On the real broker: a lean consumer reads every offset and value a stock consumer reads."""

from __future__ import annotations

import pytest
from aiokafka.structs import ConsumerRecord

from stream_app.stage1.lean_records import install, lean_values
from stream_app.topics import ensure_topics
from tests.integration.helpers import produce, read_topic, run

pytestmark = pytest.mark.integration


def _read(bootstrap: str, topic: str, expected: int, lean: bool) -> list[object]:
    extra = {"value_deserializer": lean_values} if lean else {}
    # small fetches and odd record counts: some fetches and some getmany calls end inside a batch
    return run(
        read_topic(
            bootstrap, topic, expected, max_records=97, max_partition_fetch_bytes=4096, **extra
        )
    )


def test_lean_and_stock_consumers_read_the_same_messages(broker, settings_factory):
    settings = settings_factory(bootstrap=broker.bootstrap, unique_topics=True)
    run(ensure_topics(settings, broker.bootstrap))
    topic = settings.topics.likes
    values = [f'{{"n": {i}, "pad": "{"x" * (i % 50)}"}}'.encode() for i in range(1_500)]
    run(produce(broker.bootstrap, [(topic, str(i % 7).encode(), v) for i, v in enumerate(values)]))
    install()
    lean = _read(broker.bootstrap, topic, len(values), lean=True)
    stock = _read(broker.bootstrap, topic, len(values), lean=False)
    assert all(type(r) is tuple for r in lean)
    assert all(isinstance(r, ConsumerRecord) for r in stock)
    assert len(lean) == len(values)
    assert sorted(lean, key=lambda r: (r[1], r[0])) == sorted(
        ((r.offset, r.value) for r in stock), key=lambda r: (r[1], r[0])
    )
