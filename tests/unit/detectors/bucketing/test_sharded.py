"""The offline stage 1's routing: the partition a producer's default partitioner picks."""

from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as kafka_murmur2
from hypothesis import given
from hypothesis import strategies as st

from detectors.bucketing.sharded import Router, by_source, murmur2, partition_of
from detectors.ingest.columns import EventColumns
from tests.unit.detectors.bucketing.helpers import make_event


@given(data=st.binary(max_size=64))
def test_murmur2_is_kafkas(data: bytes) -> None:
    assert murmur2(data) == kafka_murmur2(data)


@given(key=st.text(min_size=1, max_size=40), partitions=st.integers(1, 64))
def test_the_partition_is_the_default_partitioners(key: str, partitions: int) -> None:
    every = list(range(partitions))
    assert partition_of(key, partitions) == DefaultPartitioner()(key.encode(), every, every)


def test_rows_go_to_the_topic_of_their_type_and_the_shard_of_their_post() -> None:
    events = [make_event(i, post_id=f"p{i}", type=t) for i, t in enumerate(["view", "share"] * 3)]
    rows = EventColumns.from_events(events)
    shard, topic = Router(3, [4, 3, 2, 1, 0]).route(rows)
    assert topic.tolist() == [4, 1] * 3
    assert shard.tolist() == [partition_of(f"p{i}", 3) for i in range(6)]
    groups = by_source(shard, topic)
    assert sorted(pos for _, _, at in groups for pos in at.tolist()) == list(range(6))
    for s, t, at in groups:
        assert all(shard[i] == s and topic[i] == t for i in at.tolist())
        assert at.tolist() == sorted(at.tolist())  # offset order kept
