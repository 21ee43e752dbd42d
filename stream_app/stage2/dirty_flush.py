"""Stage 2's write policy: entity states reach their changelog at most once per commit interval.

Detection changes entity states in memory only (:class:`~stream_app.stage2.state_tables.
WriteBackState` keeps them, marked dirty); a message whose buckets are detected is handed here
(:meth:`DirtyFlush.done`) instead of being acknowledged. :meth:`DirtyFlush.flush` writes every
dirty state once (one changelog record per key, however many buckets changed it since the last
flush, as Kafka Streams' record cache does) and acknowledges the messages done before it once
every changelog write made so far is delivered. Stage 2 flushes

* when the commit interval has passed (Faust's ``broker_commit_interval``) or Faust's
  ``broker_commit_every`` messages are waiting (:meth:`DirtyFlush.due`, checked after every
  message and by a timer, so an idle stream is flushed too);
* before publishing a bucket's alerts (awaiting the delivery): alerts only follow durable states
  and outbox;
* before its partitions are revoked, and when it stops.

So a message is never acknowledged before all of its state effects are on the changelog; a
crash between flushes re-reads the unacknowledged messages and detects their buckets again from
the older states (detection is deterministic, and nothing of those buckets was published).

>>> class Acks:
...     def finished_all(self, events): print("acked", list(events))
>>> flush = DirtyFlush(lambda: 0, list, Acks(), interval_s=1.0, every=2, clock=lambda: 0.0)
>>> flush.done(["m1"]); flush.due()
False
>>> flush.done(["m2"]); flush.due()
True
>>> flush.flush() is None  # nothing was written, so nothing is awaited
acked ['m1', 'm2']
True
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Finisher(Protocol):
    """Where acknowledgements go (:class:`~stream_app.stage2.ordered_acks.OrderedAcks`)."""

    def finished_all(self, events: Iterable[Any]) -> None: ...


class DirtyFlush:
    """Messages detected since the last flush, and the flush that writes and acknowledges them."""

    def __init__(
        self,
        write: Callable[[], int],
        take_unsent: Callable[[], list[asyncio.Future[Any]]],
        acks: Finisher,
        interval_s: float,
        every: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write = write  # writes the dirty states to the table; returns how many
        self._take_unsent = take_unsent  # delivery futures of every table write since last call
        self._acks = acks
        self.interval_s = interval_s
        self.every = every
        self._clock = clock
        self._tokens: list[Any] = []
        self._delivery: asyncio.Future[Any] | None = None
        self.last_s = clock()

    def done(self, tokens: Iterable[Any]) -> None:
        """Messages whose state effects are all applied in memory: acknowledged after the next
        flush has delivered them."""
        self._tokens.extend(tokens)

    def waiting(self) -> int:
        """Messages done but not yet flushed."""
        return len(self._tokens)

    def due(self) -> bool:
        """True when messages wait and the interval has passed or ``every`` of them wait."""
        if not self._tokens:
            return False
        return len(self._tokens) >= self.every or self._clock() - self.last_s >= self.interval_s

    def flush(self) -> asyncio.Future[Any] | None:
        """Write the dirty states; acknowledge the messages done so far once every table write
        made until now (these states, outbox entries, snapshots, tombstones, and the writes of
        earlier flushes still in flight) is delivered. Returns that delivery (None: nothing to
        wait for, the messages are acknowledged already)."""
        self._write()
        self.last_s = self._clock()
        tokens, self._tokens = self._tokens, []
        futures = self._take_unsent()
        previous = self._delivery
        if previous is not None and not _succeeded(previous):
            futures.append(previous)  # a later flush never acknowledges past an earlier one
        if not futures:
            self._delivery = None
            self._acks.finished_all(tokens)
            return None
        delivery = asyncio.gather(*futures)
        delivery.add_done_callback(partial(self._delivered, tokens))
        self._delivery = delivery
        return delivery

    async def flush_and_wait(self) -> None:
        """:meth:`flush`, then wait until everything written so far is on the changelog (raises
        if a write failed)."""
        delivery = self.flush()
        if delivery is not None:
            await delivery

    def _delivered(self, tokens: list[Any], delivery: asyncio.Future[Any]) -> None:
        if delivery.cancelled() or delivery.exception() is not None:
            error = "cancelled" if delivery.cancelled() else repr(delivery.exception())
            log.error("state not written to the changelog (%s): offsets left uncommitted", error)
            return
        self._acks.finished_all(tokens)


def _succeeded(future: asyncio.Future[Any]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None
