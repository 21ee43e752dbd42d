"""Acknowledge a partition's messages to Faust in offset order only.

Faust commits the first run of consecutive acknowledged offsets, and decides whether that run
starts at the committed position with an off-by-one (and not at all while nothing was committed
yet): a message still unacknowledged just before a run of acknowledged ones can be committed
past and, after a crash, never read again. Stage 2 finishes messages out of order (a mark at
once, a partial only when its bucket is detected), so it hands each finished message here and
:class:`OrderedAcks` acknowledges it only once every earlier message of its partition is
finished: Faust then never sees a gap.

>>> class Msg:
...     def __init__(self, offset):
...         self.offset, self.acked = offset, False
...     def ack(self):
...         self.acked = True
>>> acks = OrderedAcks(offset=lambda m: m.offset, partition=lambda m: 0)
>>> first, second = Msg(1), Msg(2)
>>> acks.arrived(first); acks.arrived(second)
>>> acks.finished(second); second.acked
False
>>> acks.finished(first); first.acked, second.acked
(True, True)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Protocol


class Ackable(Protocol):
    """A message that can be acknowledged (a Faust event)."""

    def ack(self) -> object: ...


class OrderedAcks:
    """Per partition, the messages not yet acknowledged, in arrival (offset) order."""

    def __init__(
        self,
        offset: Callable[[Any], int] = lambda event: int(event.message.offset),
        partition: Callable[[Any], int] = lambda event: int(event.message.partition),
    ) -> None:
        self._offset = offset
        self._partition = partition
        self._waiting: dict[int, deque[Ackable]] = {}
        self._finished: set[tuple[int, int]] = set()

    def arrived(self, event: Ackable) -> None:
        """Register a message as it is read (in offset order within its partition)."""
        self._waiting.setdefault(self._partition(event), deque()).append(event)

    def finished(self, event: Ackable) -> None:
        """The message is done with; acknowledge it and every finished one it was holding."""
        partition = self._partition(event)
        self._finished.add((partition, self._offset(event)))
        waiting = self._waiting.get(partition)
        while waiting and (partition, self._offset(waiting[0])) in self._finished:
            head = waiting.popleft()
            self._finished.discard((partition, self._offset(head)))
            head.ack()

    def finished_all(self, events: Iterable[Ackable]) -> None:
        """:meth:`finished` for each of ``events``."""
        for event in events:
            self.finished(event)

    def forget(self, partitions: Iterable[int]) -> None:
        """Drop partitions that moved to another worker (their messages are read there again)."""
        for partition in partitions:
            self._waiting.pop(partition, None)
        kept = set(self._waiting)
        self._finished = {key for key in self._finished if key[0] in kept}

    def waiting(self) -> int:
        """Messages read but not yet acknowledged."""
        return sum(len(queue) for queue in self._waiting.values())
