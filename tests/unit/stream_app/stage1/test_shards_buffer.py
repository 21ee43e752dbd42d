"""Stage 1's reorder buffer: ``ShardState.take_ready`` releases exactly the rows due, in order;
the offsets it commits stay before every row not yet in a closed bucket."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from aiokafka.structs import TopicPartition
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from detectors.ingest.columns import EventColumns
from stream_app.metrics import EngineMetrics
from stream_app.settings import Settings
from stream_app.stage1.shards import BucketingSink, ShardState
from tests.unit.detectors.bucketing.helpers import T0, make_event

_times = st.lists(st.integers(0, 120_000), min_size=1, max_size=30)


def _chunk(offsets_ts: list[tuple[int, int]], *, sort: bool) -> EventColumns:
    rows = sorted(offsets_ts, key=lambda r: r[1]) if sort else offsets_ts
    events = [make_event(offset, T0 + ts) for offset, ts in rows]
    return EventColumns.from_events(events, offsets=[offset for offset, _ts in rows])


def _rows(batch: EventColumns) -> list[tuple[int, int, str]]:
    return list(zip(batch.offset.tolist(), batch.ts_ms.tolist(), batch.event_id, strict=True))


@settings(max_examples=150, deadline=None)
@given(
    chunks=st.lists(st.tuples(_times, st.booleans()), min_size=1, max_size=5),
    safe=st.none() | st.integers(-1, 121_000),
)
def test_take_ready_releases_the_due_rows_in_time_order(
    chunks: list[tuple[list[int], bool]], safe: int | None
) -> None:
    shard = ShardState(Settings())
    arrived: list[tuple[int, int, str]] = []
    offset = 0
    for times, sort in chunks:  # sorted chunks take the slicing path, the others the masks
        batch = _chunk([(offset + i, ts) for i, ts in enumerate(times)], sort=sort)
        offset += len(times)
        shard.buffer.append(batch)
        arrived.extend(_rows(batch))
    limit = None if safe is None else T0 + safe
    ready = shard.take_ready(limit)
    due = [r for r in arrived if limit is None or r[1] <= limit]
    assert _rows(ready) == sorted(due, key=lambda r: r[1])  # stable: arrival order on ties
    left = [r for chunk in shard.buffer for r in _rows(chunk)]
    assert left == [r for r in arrived if limit is not None and r[1] > limit]
    assert all(len(chunk) for chunk in shard.buffer)


@given(times=_times, bounds=st.tuples(st.integers(-3, 33), st.integers(-3, 33)))
def test_slice_head_and_tail_are_take_of_the_same_rows(
    times: list[int], bounds: tuple[int, int]
) -> None:
    batch = _chunk(list(enumerate(times)), sort=True)
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
    start = T0 - T0 % sink.size_ms  # both rows in this bucket, the older one later in time
    batch = _chunk([(10, start - T0 + 20_000), (11, start - T0 + 5_000)], sort=False)
    sink.accept(tp, batch, end=12)
    sink.release({0: start + 10_000})  # offset 11 goes to the bucket, offset 10 stays buffered
    assert sink.commit_offsets() == {tp: 10}
    sink.release({0: None})  # now offset 10 joins the same, still open bucket
    assert sink.buffered() == 0
    assert sink.commit_offsets() == {tp: 10}


def test_late_events_are_counted_and_logged_once_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    metrics = EngineMetrics(CollectorRegistry())
    sink = BucketingSink(Settings(), metrics)
    tp = TopicPartition("social.likes", 0)
    hour = 3_600_000
    sink.accept(tp, _chunk([(i, hour + i) for i in range(5)], sort=True), end=5)  # bootstrap
    sink.release({0: None})
    with caplog.at_level(logging.WARNING, logger="stream_app.stage1.shards"):
        for offset in (5, 6):  # two events an hour old, one fetch each: one warning a minute
            sink.accept(tp, _chunk([(offset, 0)], sort=True), end=offset + 1)
            sink.release({0: None})
    assert metrics.late._value.get() == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "shard 0: 1 events dropped as late" in warnings[0]
