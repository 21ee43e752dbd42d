"""Stage 2's changelogged tables: writes whose changelog delivery can be awaited.

Faust sends a table's changelog records through a buffer (``send_soon``) and, before it commits
offsets, drains that buffer with a flush that gives up after 0.1 s without progress. Under load
the buckets-topic offsets could then be committed while the state they produced was still
unsent, and a worker killed at that moment came back with older baselines than the buckets it
had consumed. :class:`DurableTable` keeps the futures of its changelog sends, so stage 2
acknowledges a bucket only once the state it wrote has been delivered.
"""

from __future__ import annotations

import base64
import pickle
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import faust
from faust.types import FutureMessage

from detectors.detect.state import EntityState

CHANGELOG_TABLES = ("entity-state", "shared-models", "alert-outbox")
"""Stage 2's tables; Faust's changelog of each is ``{app.id}-{name}-changelog``, compacted."""


class DurableTable(faust.Table[str, str]):
    """A Faust table that remembers its undelivered changelog sends (see :meth:`take_unsent`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unsent: list[FutureMessage] = []
        self._partition: int | None = None

    def put(self, key: str, value: str, partition: int) -> None:
        """``self[key] = value`` with its changelog record on ``partition`` (Faust would take the
        partition of the message being processed, which a deferred write no longer is)."""
        self._partition = partition
        try:
            self[key] = value
        finally:
            self._partition = None

    def partition_for_key(self, key: Any) -> int | None:
        """The partition given to :meth:`put`, else Faust's: the current message's."""
        if self._partition is not None:
            return self._partition
        partition: int | None = super().partition_for_key(key)
        return partition

    def send_changelog(self, *args: Any, **kwargs: Any) -> FutureMessage:
        """Send one changelog record (as Faust does) and keep its delivery future."""
        future: FutureMessage = super().send_changelog(*args, **kwargs)
        self._unsent.append(future)
        return future

    def take_unsent(self) -> list[FutureMessage]:
        """The delivery futures of every write since the last call (some may be done)."""
        futures, self._unsent = self._unsent, []
        return [f for f in futures if not f.done() or f.cancelled() or f.exception() is not None]


def durable_table(app: faust.App, name: str, **kwargs: Any) -> DurableTable:
    """A :class:`DurableTable` registered on ``app`` as ``app.Table`` would register it."""
    table = DurableTable(app, name=name, beacon=app.tables.beacon, **kwargs)
    app.tables.add(table)
    return table


class TableView(MutableMapping[str, str]):
    """A Faust table seen as a plain mapping of str to str (missing keys raise KeyError)."""

    def __init__(self, table: faust.Table[str, str]) -> None:
        self.table = table

    def __getitem__(self, key: str) -> str:
        value = self.table.get(key)
        if value is None:
            raise KeyError(key)
        return str(value)

    def __setitem__(self, key: str, value: str) -> None:
        self.table[key] = value

    def __delitem__(self, key: str) -> None:
        del self.table[key]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.table.keys()))

    def __len__(self) -> int:
        return len(self.table)


def encode_state(state: EntityState) -> str:
    """An entity state as table text: base64 of its pickle."""
    return base64.b64encode(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)).decode("ascii")


def decode_state(text: str) -> EntityState:
    """The inverse of :func:`encode_state` (trusted input only: pickle)."""
    state: EntityState = pickle.loads(base64.b64decode(text))
    return state


class WriteBackState(MutableMapping[str, EntityState]):
    """Entity states over a table of pickled bytes (base64 text); writes held until ``flush``.

    Reads see the latest state (the cache of changed and recently read states, then the table);
    the table, and so the changelog, gets each changed state once per :meth:`flush`, on the
    changelog partition of the buckets-topic partition (:attr:`partition`) that last changed it.
    Text, because Faust's changelog recovery decodes values as text whatever the table schema.
    """

    def __init__(
        self,
        table: MutableMapping[str, str],
        put: Callable[[str, str, int], None] | None = None,
    ) -> None:
        self.table = table
        self._put = put if put is not None else _put_ignoring_partition(table)
        self.cache: dict[str, EntityState] = {}
        self.dirty: dict[str, int] = {}  # key -> partition of the message that changed it
        self.partition = 0  # the buckets-topic partition being processed (set by stage 2)
        self.deleted = 0  # tombstones written

    def __getitem__(self, key: str) -> EntityState:
        if key in self.cache:
            return self.cache[key]
        state = decode_state(self.table[key])
        self.cache[key] = state
        return state

    def __setitem__(self, key: str, value: EntityState) -> None:
        self.cache[key] = value
        self.dirty[key] = self.partition

    def __delitem__(self, key: str) -> None:
        cached = self.cache.pop(key, None) is not None
        dirty = self.dirty.pop(key, None) is not None
        if key in self.table:
            del self.table[key]  # a tombstone, at once, on the current message's partition
            self.deleted += 1
        elif not (cached or dirty):
            raise KeyError(key)  # (created since the last flush: nothing to write or delete)

    def __iter__(self) -> Iterator[str]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)

    def __contains__(self, key: object) -> bool:
        return key in self.cache or key in self.table

    def flush(self) -> int:
        """Write every changed state to the table (one changelog record per key); clear cache."""
        for key, partition in self.dirty.items():
            self._put(key, encode_state(self.cache[key]), partition)
        written = len(self.dirty)
        self.dirty.clear()
        self.cache.clear()
        return written


def _put_ignoring_partition(table: MutableMapping[str, str]) -> Callable[[str, str, int], None]:
    def put(key: str, value: str, partition: int) -> None:
        table[key] = value

    return put
