"""How far stage 1's event-time merge may release a shard, given when its idle partitions were
polled.

A shard's events are released up to the oldest newest-event-time of its partitions that still
have input (stage1/ingest.py ``_align``); a partition read to its high watermark and quiet does
not count. But a high watermark is only as fresh as the fetch that brought it: data can reach
the broker after that fetch and before the merge passes it, and then it comes in late. That
happens whenever the worker reads other partitions' newer data before it fetches that partition
again: after its event loop stalled (the process suspended, as the month soak does while it
produces a day; a long synchronous batch; a GC pause; a starved host), or when a fetch response
that was already on its way carried only part of what the broker then held.

So a partition counts as idle for an event only on a poll of it (aiokafka's
``last_poll_timestamp``: the time a fetch response updated its high watermark) *after* the round
of the merge in which that event had been read. The merge keeps, per shard, the limit of each
round with the round's time; it releases up to the newest round's limit that is older than the
oldest poll of the shard's idle partitions (and never past the current limit). With one fetch
request in flight per broker (aiokafka's fetcher), a response processed after a round answers a
request sent after the data of that round had been fetched, so the broker already held that
data when it found the partition at its end. (Across several brokers the order of responses on
different connections is not guaranteed; the embedded broker is one. The times are wall-clock
milliseconds, aiokafka's: a clock stepped back holds the merge until polls catch up, one stepped
forward can make an old poll look fresh.) It costs the merge one
fetch round trip of delay, not the idle timeout; it does not cover data that reaches the broker
*after* such a poll with an older event time (a producer's batches arriving apart: that is what
``ingest.idle_partition_ms`` after a partition's last data is for).
"""

from __future__ import annotations

from collections import deque

INF = float("inf")


class FreshLimits:
    """Per shard, the merge's recent rounds (time in ms, limit, newest event read), pruned as
    polls catch up.

    >>> fresh = FreshLimits()
    >>> fresh.limit(0, now_ms=1000, limit=INF, newest=500, polled_ms=1100)  # all idle, fresh
    inf
    >>> fresh.limit(0, now_ms=2000, limit=900, newest=900, polled_ms=1100)  # an idle one polled
    500
    >>> fresh.limit(0, now_ms=2200, limit=950, newest=950, polled_ms=2100)  # polled since 2000
    900
    >>> fresh.limit(0, now_ms=2400, limit=990, newest=990, polled_ms=INF)  # no idle partition
    990
    """

    def __init__(self, max_rounds: int = 256) -> None:
        self.max_rounds = max_rounds
        self.rounds: dict[int, deque[tuple[int, float, float]]] = {}

    def limit(
        self, shard: int, now_ms: int, limit: float, newest: float, polled_ms: float
    ) -> float:
        """The event time this round may release up to (INF: all; -INF: nothing yet).

        ``limit`` is the merge's limit from the partitions with input (INF: none has any),
        ``newest`` the newest event time read from the shard's partitions (-1: none),
        ``polled_ms`` the oldest last poll of the shard's partitions without input (INF: none).
        A round with no partition with input could release everything read by then: up to its
        ``newest``; all (INF) only while nothing newer has been read since a round older than
        the polls.
        """
        rounds = self.rounds.setdefault(shard, deque())
        if len(rounds) < self.max_rounds:  # full (polls stuck): this round is not kept (safe)
            rounds.append((now_ms, min(limit, newest), newest))
        while len(rounds) >= 2 and rounds[1][0] < polled_ms:
            rounds.popleft()
        round_ms, round_limit, round_newest = rounds[0]
        if round_ms >= polled_ms:
            return -INF
        if limit == INF and round_newest >= newest:
            return INF
        return min(limit, round_limit)

    def forget(self, shards: set[int]) -> None:
        """Drop shards this worker no longer owns."""
        for shard in shards:
            self.rounds.pop(shard, None)
