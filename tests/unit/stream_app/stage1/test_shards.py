"""Stage 1's sink: what it produces does not depend on how the input was fetched, and it is what
the offline replay's stage 1 computes from the same events in any arrival order."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import numpy as np
import pytest
from aiokafka.structs import TopicPartition
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from detectors.bucketing.sharded import ShardedStage1, partition_of
from detectors.contract.brand_bucket import BrandBucket
from detectors.ingest.columns import EventColumns
from stream_app.bucket_messages import PartialBucket, decode
from stream_app.cli.replay_cmd import topic_of_type
from stream_app.metrics import EngineMetrics
from stream_app.settings import KafkaSettings, Settings
from stream_app.stage1.shards import BucketingSink
from stream_app.stage2.assembler import Assembler
from tests.unit.detectors.bucketing.helpers import T0, make_event

PARTITIONS = 2
SETTINGS = Settings(kafka=KafkaSettings(partitions=PARTITIONS))
TYPES = ("view", "like", "comment")
TOPIC = dict(zip(TYPES, SETTINGS.topics.inputs, strict=False))

_times = st.lists(st.integers(0, 120_000), min_size=1, max_size=30)
# one event: (seconds of a rising clock, jitter, post, type index, brand)
_event = st.tuples(st.integers(-90, 15), st.integers(0, 5), st.integers(0, 2), st.booleans())
_events = st.lists(_event, min_size=1, max_size=60)


def _chunk(offsets_ts: list[tuple[int, int]]) -> EventColumns:
    events = [make_event(offset, T0 + ts) for offset, ts in offsets_ts]
    return EventColumns.from_events(events, offsets=[offset for offset, _ts in offsets_ts])


def _rows(batch: EventColumns) -> list[tuple[int, int, str]]:
    return list(zip(batch.offset.tolist(), batch.ts_ms.tolist(), batch.event_id, strict=True))


@given(times=_times, bounds=st.tuples(st.integers(-3, 33), st.integers(-3, 33)))
def test_slice_head_and_tail_are_take_of_the_same_rows(
    times: list[int], bounds: tuple[int, int]
) -> None:
    batch = _chunk(sorted(enumerate(times), key=lambda r: r[1]))
    n = len(batch)
    start, stop = sorted(max(0, min(b, n)) for b in bounds)
    expected = batch.take(np.arange(start, stop))
    for got in (batch.slice(start, stop), batch.tail(start).head(stop - start)):
        assert _rows(got) == _rows(expected)
        assert got.code.tolist() == expected.code.tolist()
        assert got.author == expected.author and got.hashtags == expected.hashtags
        assert got.source.tolist() == expected.source.tolist()
    assert len(batch.head(bounds[0])) == max(0, min(bounds[0], n))


def test_commit_offset_stays_before_an_older_row_released_after_a_newer_one() -> None:
    sink = BucketingSink(Settings(), EngineMetrics(CollectorRegistry()))
    tp = TopicPartition("social.likes", 0)
    start = T0 - T0 % sink.size_ms  # both rows in this bucket, the older one merged later
    batch = _chunk([(10, start - T0 + 20_000), (11, start - T0 + 5_000)])
    sink.accept(tp, batch, end=12)
    sink.release({0: start + 5_000 + sink.reorder_ms + 1})  # offset 11 goes, 10 waits
    assert sink.buffered() == 1 and sink.commit_offsets() == {tp: 10}
    sink.release({0: None})  # now offset 10 joins the same, still open bucket
    assert sink.buffered() == 0
    assert sink.commit_offsets() == {tp: 10}


def test_late_events_are_counted_and_logged_once_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    metrics = EngineMetrics(CollectorRegistry())
    sink = BucketingSink(Settings(), metrics)
    tp = TopicPartition("social.likes", 0)
    hour = 3_600_000
    sink.accept(tp, _chunk([(i, hour + i) for i in range(5)]), end=5)  # bootstrap
    sink.release({0: None})
    with caplog.at_level(logging.WARNING, logger="stream_app.stage1.shards"):
        for offset in (5, 6):  # two events an hour old, one fetch each: one warning a minute
            sink.accept(tp, _chunk([(offset, 0)]), end=offset + 1)
            sink.release({0: None})
    assert metrics.late._value.get() == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "shard 0: 1 events dropped as late" in warnings[0]


class _Producer:
    """Collects what the sink sends to the buckets topic."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def send(self, topic: str, value: bytes, **_kwargs: Any) -> None:
        self.sent.append(decode(value))


def _file(spec: list[tuple[int, int, int, bool]]) -> list[Any]:
    """Events in arrival order: a clock rising 10 s per event, each jittered back by its draw."""
    return [
        make_event(i, T0 + 10_000 * i + 1_000 * jitter, post_id=f"p{post}",
                   type=TYPES[kind % 3], brand="b" if other else "a")
        for i, (jitter, post, kind, other) in enumerate(spec)
    ]  # fmt: skip


def _stream(events: list[Any], draw: st.DataObject) -> dict[str, list[BrandBucket]]:
    """The sink fed in a drawn interleaving and chunking of its topic-partitions, released as
    ``_align`` does (the oldest clock of the partitions with input left), then assembled."""
    sink = BucketingSink(SETTINGS, EngineMetrics(CollectorRegistry()))
    queues: dict[TopicPartition, list[Any]] = {}
    for e in events:
        tp = TopicPartition(TOPIC[e.type], partition_of(e.post_id, PARTITIONS))
        queues.setdefault(tp, []).append(e)
    read = dict.fromkeys(queues, 0)
    producer = _Producer()
    while any(read[tp] < len(q) for tp, q in queues.items()):
        tp = draw.draw(st.sampled_from(sorted(t for t in queues if read[t] < len(queues[t]))))
        n = draw.draw(st.integers(1, len(queues[tp]) - read[tp]))
        rows = EventColumns.from_events(queues[tp][read[tp] : read[tp] + n],
                                        offsets=range(read[tp], read[tp] + n))  # fmt: skip
        read[tp] += n
        sink.accept(tp, rows, end=read[tp])
        safe: dict[int, int | None] = {}
        for p in range(PARTITIONS):
            busy = [t for t in queues if t.partition == p and read[t] < len(queues[t])]
            safe[p] = min((sink.tp_time.get(t, -1) for t in busy), default=None)
        sink.release(safe)
        asyncio.run(sink.emit(producer))  # type: ignore[arg-type]
    sink.release(dict.fromkeys(range(PARTITIONS)))
    sink.raise_idle(set(range(PARTITIONS)), T0 + 10**9)  # the end: every bucket closes
    asyncio.run(sink.emit(producer))  # type: ignore[arg-type]
    assembler = Assembler(0, PARTITIONS, idle_after_s=1e9, window=SETTINGS.windows)
    out: dict[str, list[BrandBucket]] = {}
    for message in producer.sent:
        if isinstance(message, PartialBucket):
            assert assembler.add_partial(message) is None
        else:
            assembler.add_mark(message, now_s=0)
        for buckets, _pending in assembler.pop_complete(now_s=0):
            for bucket in buckets:
                out.setdefault(bucket.brand, []).append(bucket)
    return out


def _replay(events: list[Any]) -> dict[str, list[BrandBucket]]:
    stage1 = ShardedStage1(SETTINGS.windows, partitions=PARTITIONS,
                           topic_of_type=topic_of_type(SETTINGS), max_past_ms=30 * 86_400_000,
                           dedup_horizon_ms=600_000)  # fmt: skip
    rows = EventColumns.from_events(events, offsets=range(len(events)))
    plan = stage1.plan()
    plan.scan(list(range(len(events))), rows.post_id, rows.ts_ms.tolist())
    plan.done()
    out: dict[str, list[BrandBucket]] = {}
    for lo in range(0, len(events), 7):
        for bucket in stage1.add(rows.slice(lo, lo + 7), min(lo + 7, len(events))):
            out.setdefault(bucket.brand, []).append(bucket)
    for bucket in stage1.finish():
        out.setdefault(bucket.brand, []).append(bucket)
    return out


@settings(max_examples=60, deadline=None)
@given(spec=_events, data=st.data())
def test_the_stream_gives_the_replay_of_the_file_whatever_the_fetches(
    spec: list[tuple[int, int, int, bool]], data: st.DataObject
) -> None:
    events = _file(spec)
    assert _stream(events, data) == _replay(events)
