"""The stage-1 merge releases past an idle partition only what was read before its last poll."""

from __future__ import annotations

from stream_app.stage1.fresh_limits import INF, FreshLimits


def test_nothing_read_after_an_idle_partitions_last_poll_is_released() -> None:
    fresh = FreshLimits()
    # the day before: every partition idle and freshly polled, all of it released
    assert fresh.limit(0, now_ms=1_000, limit=INF, newest=86_400, polled_ms=1_100) == INF
    # after a stall: the next day's views read at 5,000 (newest 172,000); the reactions
    # partition's high watermark is from a poll at 1,100, before it: nothing new is released
    assert fresh.limit(0, now_ms=5_000, limit=172_000, newest=172_000, polled_ms=1_100) == 86_400
    assert fresh.limit(0, now_ms=5_200, limit=172_000, newest=172_000, polled_ms=1_100) == 86_400
    # polled since the 5,000 round and still at its end: the views are released
    assert fresh.limit(0, now_ms=5_400, limit=172_000, newest=172_000, polled_ms=5_300) == 172_000


def test_the_limit_of_the_newest_round_before_the_poll_is_used() -> None:
    fresh = FreshLimits()
    for round_ms, limit in ((1_000, 10), (1_200, 20), (1_400, 30)):
        fresh.limit(0, now_ms=round_ms, limit=limit, newest=limit, polled_ms=0)
    assert fresh.limit(0, now_ms=1_600, limit=40, newest=40, polled_ms=1_300) == 20
    assert fresh.limit(0, now_ms=1_800, limit=50, newest=50, polled_ms=1_700) == 40
    # never past the current limit (a partition got input again)
    assert fresh.limit(0, now_ms=2_000, limit=15, newest=50, polled_ms=1_900) == 15


def test_all_idle_releases_all_only_when_everything_read_is_older_than_the_polls() -> None:
    fresh = FreshLimits()
    assert fresh.limit(0, now_ms=1_000, limit=70, newest=70, polled_ms=900) == -INF
    assert fresh.limit(0, now_ms=1_200, limit=INF, newest=90, polled_ms=1_100) == 70
    assert fresh.limit(0, now_ms=1_400, limit=INF, newest=90, polled_ms=1_300) == INF


def test_no_idle_partition_no_wait() -> None:
    fresh = FreshLimits()
    assert fresh.limit(0, now_ms=1_000, limit=70, newest=80, polled_ms=INF) == 70


def test_rounds_are_bounded_while_polls_are_stuck() -> None:
    fresh = FreshLimits(max_rounds=8)
    for k in range(100):
        assert fresh.limit(3, now_ms=1_000 + k, limit=k, newest=k, polled_ms=500) == -INF
    assert len(fresh.rounds[3]) == 8
    assert fresh.limit(3, now_ms=2_000, limit=200, newest=200, polled_ms=1_500) == 7
    fresh.forget({3})
    assert fresh.rounds == {}
