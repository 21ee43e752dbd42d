"""Stage 2's acknowledgements reach Faust in offset order, whatever order messages finish in."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given
from hypothesis import strategies as st

from stream_app.stage2.ordered_acks import OrderedAcks


@dataclass
class FakeEvent:
    partition: int
    offset: int
    log: list[tuple[int, int]] = field(default_factory=list)

    def ack(self) -> None:
        self.log.append((self.partition, self.offset))


def acks_factory() -> OrderedAcks:
    return OrderedAcks(offset=lambda e: e.offset, partition=lambda e: e.partition)


@given(
    sizes=st.lists(st.integers(1, 12), min_size=1, max_size=3),
    order=st.randoms(use_true_random=False),
)
def test_acks_follow_offset_order_and_every_finished_message_is_acked(sizes, order) -> None:
    log: list[tuple[int, int]] = []
    acks = acks_factory()
    events = [FakeEvent(p, o, log) for p, n in enumerate(sizes) for o in range(n)]
    for event in events:
        acks.arrived(event)
    finishing = list(events)
    order.shuffle(finishing)
    for done, event in enumerate(finishing, start=1):
        acks.finished(event)
        finished = {(e.partition, e.offset) for e in finishing[:done]}
        for partition in range(len(sizes)):
            acked = [o for p, o in log if p == partition]
            assert acked == list(range(len(acked)))  # a prefix of the partition, in order
            assert all((partition, o) in finished for o in acked)  # only finished ones
    assert sorted(log) == sorted((e.partition, e.offset) for e in events)
    assert acks.waiting() == 0


def test_a_forgotten_partition_holds_nothing_back() -> None:
    log: list[tuple[int, int]] = []
    acks = acks_factory()
    stuck, later = FakeEvent(0, 0, log), FakeEvent(0, 1, log)
    other = FakeEvent(1, 0, log)
    for event in (stuck, later, other):
        acks.arrived(event)
    acks.finished(later)
    assert log == []
    acks.forget([0])
    acks.finished(other)
    assert log == [(1, 0)] and acks.waiting() == 0
