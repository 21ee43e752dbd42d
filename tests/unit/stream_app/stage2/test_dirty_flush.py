"""Stage 2's dirty-state flush: states written once per flush, messages acknowledged only after
a flush that covers them has been delivered."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from detectors.contract.config import DetectionConfig
from detectors.detect.state import EntityState
from stream_app.stage2.dirty_flush import DirtyFlush
from stream_app.stage2.ordered_acks import OrderedAcks
from stream_app.stage2.state_tables import WriteBackState


class Msg:
    def __init__(self, offset: int, partition: int = 0) -> None:
        self.offset, self.partition, self.acked = offset, partition, False

    def ack(self) -> None:
        self.acked = True


class Rig:
    """A write-back state over a dict whose writes each send a changelog record (a future the
    test resolves), and a flush that acknowledges through :class:`OrderedAcks`."""

    def __init__(self, interval_s: float = 1.0, every: int = 100) -> None:
        self.now = 0.0
        self.table: dict[str, str] = {}
        self.records: list[tuple[str, int, asyncio.Future[Any]]] = []  # key, partition, delivery
        self.unsent: list[asyncio.Future[Any]] = []
        self.state = WriteBackState(self.table, put=self.put)
        self.acks = OrderedAcks(offset=lambda m: m.offset, partition=lambda m: m.partition)
        self.flusher = DirtyFlush(
            self.state.flush,
            self.take_unsent,
            self.acks,
            interval_s=interval_s,
            every=every,
            clock=lambda: self.now,
        )

    def put(self, key: str, value: str, partition: int) -> None:
        self.table[key] = value
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.records.append((key, partition, future))
        self.unsent.append(future)

    def take_unsent(self) -> list[asyncio.Future[Any]]:
        unsent, self.unsent = self.unsent, []
        return unsent

    def written(self) -> list[tuple[str, int]]:
        return [(key, partition) for key, partition, _ in self.records]

    def read(self, *msgs: Msg) -> None:
        for msg in msgs:
            self.acks.arrived(msg)

    def detect(self, msg: Msg, *keys: str) -> None:
        """A message whose bucket changed ``keys`` (on the message's partition)."""
        self.state.partition = msg.partition
        for key in keys:
            st = self.state.get(key) or EntityState(DetectionConfig(), 5, brand=False)
            st.n_buckets += 1
            self.state[key] = st
        self.flusher.done([msg])

    async def deliver(self, *keys: str, error: Exception | None = None) -> None:
        """Deliver the pending records of ``keys`` (all pending ones when none is named)."""
        for key, _, future in self.records:
            if future.done() or (keys and key not in keys):
                continue
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)
        for _ in range(3):
            await asyncio.sleep(0)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(test())  # type: ignore[arg-type]


def test_states_are_written_once_per_flush_and_reads_see_the_latest() -> None:
    async def scenario() -> None:
        rig = Rig()
        msgs = [Msg(offset) for offset in range(5)]
        rig.read(*msgs)
        for msg in msgs:  # five buckets of one brand within the interval
            rig.detect(msg, "brand:a", "post:p1")
        assert rig.records == [] and not rig.flusher.due()
        assert rig.state["post:p1"].n_buckets == 5  # the in-memory value is current
        rig.now = 1.0
        assert rig.flusher.due()
        assert rig.flusher.flush() is not None
        assert sorted(rig.written()) == [("brand:a", 0), ("post:p1", 0)]  # once each, not 5x
        await asyncio.sleep(0)
        assert not any(m.acked for m in msgs)  # written, not delivered yet
        await rig.deliver()
        assert all(m.acked for m in msgs)
        assert WriteBackState(rig.table)["post:p1"].n_buckets == 5  # what a restart restores

    run(scenario)


def test_a_message_is_acknowledged_only_by_a_flush_after_it() -> None:
    async def scenario() -> None:
        rig = Rig()
        first, second = Msg(0), Msg(1)
        rig.read(first, second)
        rig.detect(first, "brand:a")
        rig.flusher.flush()
        rig.detect(second, "brand:a")  # changed after the flush: dirty again, not written
        await rig.deliver()
        assert first.acked and not second.acked
        assert rig.state.dirty == {"brand:a": 0} and len(rig.records) == 1
        rig.now = 5.0
        assert rig.flusher.due()
        rig.flusher.flush()
        await rig.deliver()
        assert second.acked and rig.written() == [("brand:a", 0), ("brand:a", 0)]

    run(scenario)


def test_an_alert_flush_puts_every_dirty_state_on_the_changelog_before_it_returns() -> None:
    async def scenario() -> None:
        rig = Rig()
        quiet, alerting = Msg(0), Msg(1)
        rig.read(quiet, alerting)
        rig.detect(quiet, "brand:a", "post:p1")  # a bucket without alerts: dirty only
        assert rig.records == []
        rig.state["brand:b"] = EntityState(DetectionConfig(), 5, brand=True)  # alerting bucket
        published: list[str] = []

        async def alert() -> None:
            await rig.flusher.flush_and_wait()  # as DetectStage does before publishing
            published.append("alert")

        task = asyncio.create_task(alert())
        await rig.deliver("brand:a", "brand:b")
        assert {key for key, _ in rig.written()} == {"brand:a", "brand:b", "post:p1"}
        assert published == [] and not quiet.acked  # post:p1 not delivered yet
        await rig.deliver()
        await task
        assert published == ["alert"] and quiet.acked
        assert not alerting.acked  # finished after its bucket: acknowledged by the next flush

    run(scenario)


def test_due_after_the_interval_or_every_messages_and_never_with_none_waiting() -> None:
    async def scenario() -> None:
        rig = Rig(interval_s=2.0, every=3)
        rig.now = 10.0
        assert not rig.flusher.due()  # nothing waits
        msgs = [Msg(offset) for offset in range(4)]
        rig.read(*msgs)
        rig.detect(msgs[0], "brand:a")
        assert rig.flusher.due()  # 10 s since the last flush
        rig.flusher.flush()
        rig.detect(msgs[1], "brand:a")
        rig.now = 11.9
        rig.detect(msgs[2], "brand:a")
        assert not rig.flusher.due()
        rig.now = 12.0
        assert rig.flusher.due()
        rig.now = 10.0
        rig.detect(msgs[3], "brand:a")
        assert rig.flusher.due()  # 3 messages waiting: Faust's broker_commit_every

    run(scenario)


def test_a_failed_write_acknowledges_nothing_then_or_later() -> None:
    async def scenario() -> None:
        rig = Rig()
        first, second = Msg(0), Msg(0, partition=1)
        rig.read(first, second)
        rig.detect(first, "brand:a")
        rig.flusher.flush()
        rig.detect(second, "brand:b")
        rig.flusher.flush()
        await rig.deliver("brand:a", error=RuntimeError("broker gone"))
        await rig.deliver()
        assert not first.acked and not second.acked  # the later flush waits on the failed one
        with pytest.raises(RuntimeError):
            await rig.flusher.flush_and_wait()

    run(scenario)


def test_a_later_flush_acknowledges_only_once_an_earlier_one_is_delivered() -> None:
    async def scenario() -> None:
        rig = Rig()
        first, second = Msg(0), Msg(0, partition=1)
        rig.read(first, second)
        rig.detect(first, "brand:a")
        rig.flusher.flush()
        rig.detect(second, "brand:b")
        rig.flusher.flush()
        await rig.deliver("brand:b")
        assert not first.acked and not second.acked  # brand:b delivered, brand:a not yet
        await rig.deliver()
        assert first.acked and second.acked

    run(scenario)


def test_each_state_goes_to_the_partition_of_the_message_that_last_changed_it() -> None:
    written: list[tuple[str, int]] = []
    state = WriteBackState({}, put=lambda key, value, partition: written.append((key, partition)))
    st = EntityState(DetectionConfig(), 5, brand=False)
    state.partition = 2
    state["post:p1"] = st
    state["post:p2"] = st
    state.partition = 3
    state["post:p2"] = st
    assert state.flush() == 2 and sorted(written) == [("post:p1", 2), ("post:p2", 3)]


def test_deleting_a_state_created_since_the_last_flush_writes_nothing() -> None:
    table: dict[str, str] = {}
    state = WriteBackState(table)
    state["post:new"] = EntityState(DetectionConfig(), 5, brand=False)
    del state["post:new"]
    assert "post:new" not in state and state.flush() == 0 and state.deleted == 0 and table == {}
    with pytest.raises(KeyError):
        del state["post:never"]
    state["post:old"] = EntityState(DetectionConfig(), 5, brand=False)
    state.flush()
    state["post:old"] = state["post:old"]  # changed again, then expired: only the tombstone
    del state["post:old"]
    assert state.deleted == 1 and state.flush() == 0 and table == {}
