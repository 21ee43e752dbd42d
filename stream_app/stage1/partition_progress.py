"""When stage 1's event-time merge may stop waiting for an input partition with nothing to read.

A shard's events are released in event-time order up to the newest time of every partition that
may still deliver something (stage1/ingest.py ``_align``). A partition behind its log end (the high
watermark of its last fetch), or not fetched yet since its assignment, always may. A partition at
its log end is *quiet* once it has had no data for ``quiet_s``; only then does the merge go on
without it. Being at the log end is not enough: a producer's batches for different partitions
reach the broker apart (its linger), so an event can land on one partition just after the events
that follow it in event time landed on another; with event time compressed (a backlog produced
in seconds, a test) that is minutes of event time, and the merge would have passed its bucket.

The quiet period counts from the partition's last data, or from the moment its shard woke up
(got data after ``quiet_s`` without any), whichever is later. So a partition that never had data,
or not for a long time, is waited for ``quiet_s`` when its shard's traffic (re)starts, exactly
like one whose data has just stopped. Likewise a shard with no input at all is idle (its
watermark raised by its peers) only ``idle_s`` after the worker's traffic (re)started, never at
once because it was silent before the others began. These waits only hold events back; they
never make one late that a shorter wait would have kept.
"""

from __future__ import annotations

from aiokafka import TopicPartition

_NEVER = float("-inf")


class PartitionProgress:
    """Data arrival times per input partition, per shard and per worker (monotonic seconds).

    >>> progress = PartitionProgress(quiet_s=5.0)
    >>> views, reactions = TopicPartition("views", 3), TopicPartition("reactions", 3)
    >>> progress.quiet(reactions, 100.0)  # nothing seen anywhere: nothing to wait for yet
    True
    >>> progress.saw_data(views, 100.0)  # shard 3 wakes up
    >>> progress.quiet(reactions, 104.9), progress.quiet(reactions, 105.0)
    (False, True)
    >>> progress.saw_data(views, 103.0)  # the shard goes on streaming: no new wait
    >>> progress.quiet(reactions, 106.0), progress.quiet(views, 107.9)
    (True, False)
    """

    def __init__(self, quiet_s: float) -> None:
        self.quiet_s = quiet_s
        self.data_at: dict[TopicPartition, float] = {}  # last fetch with records
        self.shard_data_at: dict[int, float] = {}
        self.shard_woke_at: dict[int, float] = {}
        self.data_any_at = _NEVER
        self.woke_at = _NEVER  # the worker's traffic (re)started

    def saw_data(self, tp: TopicPartition, now: float) -> None:
        """A fetch returned records of ``tp`` at ``now``."""
        shard = tp.partition
        if now - self.shard_data_at.get(shard, _NEVER) >= self.quiet_s:
            self.shard_woke_at[shard] = now
        if now - self.data_any_at >= self.quiet_s:
            self.woke_at = now
        self.data_at[tp] = self.shard_data_at[shard] = self.data_any_at = now

    def quiet(self, tp: TopicPartition, now: float) -> bool:
        """True when ``tp`` has had no data for ``quiet_s``, counted from its last data or its
        shard's waking up, whichever is later (the caller also checks it is at its log end)."""
        since = max(self.data_at.get(tp, _NEVER), self.shard_woke_at.get(tp.partition, _NEVER))
        return now - since >= self.quiet_s

    def idle_since(self, active_at: float) -> float:
        """Since when a shard last active (with input) at ``active_at`` counts as idle: not
        before the worker's traffic (re)started."""
        return max(active_at, self.woke_at)

    def forget(self, partitions: set[int]) -> None:
        """Drop what is known of shards this worker no longer owns."""
        self.data_at = {tp: t for tp, t in self.data_at.items() if tp.partition not in partitions}
        for shard in partitions:
            self.shard_data_at.pop(shard, None)
            self.shard_woke_at.pop(shard, None)
