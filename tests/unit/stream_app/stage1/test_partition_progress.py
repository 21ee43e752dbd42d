"""When stage 1's merge may stop waiting for a partition at its log end (PartitionProgress)."""

from __future__ import annotations

from aiokafka import TopicPartition

from stream_app.stage1.partition_progress import PartitionProgress

VIEWS, REACTIONS = TopicPartition("views", 3), TopicPartition("reactions", 3)
OTHER = TopicPartition("views", 0)


def test_a_partition_that_never_had_data_is_waited_for_when_its_shard_starts() -> None:
    progress = PartitionProgress(quiet_s=5.0)
    # The worker ran for a long time with nothing anywhere: no wait is owed yet ...
    assert progress.quiet(REACTIONS, 1_000.0)
    # ... but once its shard's views arrive, the empty reactions partition holds the merge.
    progress.saw_data(VIEWS, 1_000.0)
    assert not progress.quiet(REACTIONS, 1_000.0)
    assert not progress.quiet(REACTIONS, 1_004.99)
    assert progress.quiet(REACTIONS, 1_005.0)


def test_a_streaming_shard_does_not_wait_again_for_its_empty_partition() -> None:
    progress = PartitionProgress(quiet_s=5.0)
    for second in range(1_000, 1_020):
        progress.saw_data(VIEWS, float(second))
    assert progress.quiet(REACTIONS, 1_019.0)
    assert not progress.quiet(VIEWS, 1_019.0)


def test_a_shard_waking_up_after_silence_waits_again() -> None:
    progress = PartitionProgress(quiet_s=5.0)
    progress.saw_data(REACTIONS, 100.0)
    progress.saw_data(VIEWS, 100.0)
    assert progress.quiet(REACTIONS, 110.0)
    progress.saw_data(VIEWS, 200.0)  # the shard was silent for 100 s
    assert not progress.quiet(REACTIONS, 200.0)
    assert progress.quiet(REACTIONS, 205.0)


def test_data_on_another_shard_does_not_wake_this_one() -> None:
    progress = PartitionProgress(quiet_s=5.0)
    progress.saw_data(OTHER, 100.0)
    assert progress.quiet(REACTIONS, 100.0)


def test_a_partition_with_recent_data_is_not_quiet() -> None:
    progress = PartitionProgress(quiet_s=5.0)
    progress.saw_data(REACTIONS, 100.0)
    progress.saw_data(REACTIONS, 103.0)
    assert not progress.quiet(REACTIONS, 107.9)
    assert progress.quiet(REACTIONS, 108.0)


def test_an_input_less_shard_is_idle_only_after_the_worker_traffic_started() -> None:
    progress = PartitionProgress(quiet_s=5.0)
    assert progress.idle_since(10.0) == 10.0  # no traffic yet: counted from its activity
    progress.saw_data(OTHER, 500.0)  # traffic starts on another shard
    assert progress.idle_since(10.0) == 500.0
    progress.saw_data(OTHER, 501.0)  # continuing traffic does not restart the count
    assert progress.idle_since(10.0) == 500.0
    assert progress.idle_since(600.0) == 600.0
    progress.saw_data(OTHER, 700.0)  # after a silence it does
    assert progress.idle_since(10.0) == 700.0


def test_forget_drops_revoked_shards() -> None:
    progress = PartitionProgress(quiet_s=5.0)
    progress.saw_data(VIEWS, 100.0)
    progress.saw_data(OTHER, 100.0)
    progress.forget({3})
    assert progress.quiet(REACTIONS, 100.0)
    assert progress.quiet(VIEWS, 100.0)
    assert not progress.quiet(OTHER, 100.0)
    progress.saw_data(VIEWS, 101.0)  # re-assigned later: its shard wakes up afresh
    assert not progress.quiet(REACTIONS, 105.0)
