"""Validated events as columns: what the streaming ingest moves around instead of one object each.

An :class:`EventColumns` holds, per row, exactly what bucketing needs of an
:class:`~detectors.ingest.events.Event` (id, time, class code, sentiment, brand, post, hashtags, and
the author as its 64-bit sketch hash) plus where the row came from (``source``, ``offset``), so
that a fetched batch of thousands of events is sorted, split and counted with numpy instead of one
Python call per event.

>>> from detectors.ingest.events import Event
>>> ev = [Event(event_id="a", type="comment", ts_ms=2_000, brand="b", post_id="p",
...             sentiment=-0.5, negative=True),
...       Event(event_id="c", type="like", ts_ms=1_000, brand="b", post_id="p")]
>>> batch = EventColumns.from_events(ev, offsets=[7, 8])
>>> batch.ts_ms.tolist(), batch.code.tolist(), batch.senti.tolist()
([2000, 1000], [27, 1], [-500000, 0])
>>> ordered = batch.sorted_by_time()
>>> ordered.event_id, ordered.offset.tolist(), ordered.senti.tolist()
(['c', 'a'], [8, 7], [0, -500000])
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from operator import itemgetter
from typing import TypeVar

import numpy as np

from detectors.contract.event_codes import (
    SLOT,
    event_code,
)
from detectors.contract.sketch import author_hash
from detectors.ingest.events import Event

T = TypeVar("T")

SLOT_OF_CODE = np.array(SLOT, dtype=np.int64)
"""Accumulator slot of every raw class code (see :mod:`detectors.bucketing.accumulate`)."""


class EventColumns:
    """Columns of validated events; all columns have one entry per row."""

    __slots__ = (
        "author",
        "brand",
        "code",
        "event_id",
        "hashtags",
        "offset",
        "post_id",
        "senti",
        "source",
        "ts_ms",
    )

    def __init__(
        self,
        *,
        event_id: list[str],
        ts_ms: np.ndarray,
        code: np.ndarray,
        senti: np.ndarray,
        brand: list[str],
        post_id: list[str],
        hashtags: list[tuple[str, ...]],
        author: list[int | None],
        source: np.ndarray | None = None,
        offset: np.ndarray | None = None,
    ) -> None:
        n = len(event_id)
        self.event_id = event_id
        self.ts_ms = ts_ms.astype(np.int64, copy=False)
        self.code = code.astype(np.int64, copy=False)
        self.senti = senti.astype(np.int64, copy=False)
        self.brand = brand
        self.post_id = post_id
        self.hashtags = hashtags
        self.author = author
        self.source = (
            np.zeros(n, np.int64) if source is None else source.astype(np.int64, copy=False)
        )
        self.offset = (
            np.zeros(n, np.int64) if offset is None else offset.astype(np.int64, copy=False)
        )

    def __len__(self) -> int:
        return len(self.event_id)

    @classmethod
    def empty(cls) -> EventColumns:
        """A batch with no rows."""
        none = np.zeros(0, np.int64)
        return cls(event_id=[], ts_ms=none, code=none, senti=none, brand=[], post_id=[],
                   hashtags=[], author=[])  # fmt: skip

    @classmethod
    def from_events(
        cls, events: Sequence[Event], *, source: int = 0, offsets: Sequence[int] | None = None
    ) -> EventColumns:
        """Columns of decoded events (``offsets``: the input offset of each, default 0)."""
        codes: list[int] = []
        sentis: list[int] = []
        for e in events:
            code, senti = event_code(e.type, e.negative, e.reaction, e.sentiment)
            codes.append(code)
            sentis.append(senti)
        n = len(events)
        return cls(
            event_id=[e.event_id for e in events],
            ts_ms=np.array([e.ts_ms for e in events], np.int64),
            code=np.array(codes, np.int64),
            senti=np.array(sentis, np.int64),
            brand=[e.brand for e in events],
            post_id=[e.post_id for e in events],
            hashtags=[unique_tags(e.hashtags) for e in events],
            author=[None if e.user_hash is None else author_hash(e.user_hash) for e in events],
            source=np.full(n, source, np.int64),
            offset=np.zeros(n, np.int64) if offsets is None else np.array(offsets, np.int64),
        )

    @property
    def slot(self) -> np.ndarray:
        """Accumulator slot of every row."""
        return SLOT_OF_CODE[self.code]

    def take(self, rows: np.ndarray) -> EventColumns:
        """The rows at the integer positions ``rows``, in that order."""
        idx = rows.tolist()
        return EventColumns(
            event_id=pick(self.event_id, idx),
            ts_ms=self.ts_ms[rows],
            code=self.code[rows],
            senti=self.senti[rows],
            brand=pick(self.brand, idx),
            post_id=pick(self.post_id, idx),
            hashtags=pick(self.hashtags, idx),
            author=pick(self.author, idx),
            source=self.source[rows],
            offset=self.offset[rows],
        )

    def slice(self, start: int, stop: int) -> EventColumns:
        """Rows ``start`` to ``stop - 1`` (list slices and array views: no fancy indexing).

        >>> b = EventColumns.from_events([])
        >>> len(b.slice(0, 3))
        0
        """
        return EventColumns(
            event_id=self.event_id[start:stop],
            ts_ms=self.ts_ms[start:stop],
            code=self.code[start:stop],
            senti=self.senti[start:stop],
            brand=self.brand[start:stop],
            post_id=self.post_id[start:stop],
            hashtags=self.hashtags[start:stop],
            author=self.author[start:stop],
            source=self.source[start:stop],
            offset=self.offset[start:stop],
        )

    def head(self, n: int) -> EventColumns:
        """The first ``n`` rows."""
        return self.slice(0, max(n, 0))

    def tail(self, n: int) -> EventColumns:
        """Every row from position ``n`` on."""
        return self.slice(min(max(n, 0), len(self)), len(self))

    def sorted_by_time(self) -> EventColumns:
        """Rows in event-time order; rows of equal time keep their order (a stable sort)."""
        ts = self.ts_ms
        if len(ts) < 2 or bool(np.all(ts[1:] >= ts[:-1])):
            return self
        return self.take(np.argsort(ts, kind="stable"))

    @staticmethod
    def concat(parts: Sequence[EventColumns]) -> EventColumns:
        """One batch of every row of ``parts``, in order."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return EventColumns.empty()
        if len(parts) == 1:
            return parts[0]
        return EventColumns(
            event_id=list(chain.from_iterable(p.event_id for p in parts)),
            ts_ms=np.concatenate([p.ts_ms for p in parts]),
            code=np.concatenate([p.code for p in parts]),
            senti=np.concatenate([p.senti for p in parts]),
            brand=list(chain.from_iterable(p.brand for p in parts)),
            post_id=list(chain.from_iterable(p.post_id for p in parts)),
            hashtags=list(chain.from_iterable(p.hashtags for p in parts)),
            author=list(chain.from_iterable(p.author for p in parts)),
            source=np.concatenate([p.source for p in parts]),
            offset=np.concatenate([p.offset for p in parts]),
        )


def pick(values: list[T], rows: list[int]) -> list[T]:
    """``[values[i] for i in rows]``, at C speed.

    >>> pick(["a", "b", "c"], [2, 0]), pick(["a"], [0]), pick(["a"], [])
    (['c', 'a'], ['a'], [])
    """
    if len(rows) > 1:
        return list(itemgetter(*rows)(values))
    return [values[rows[0]]] if rows else []


def unique_tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    """``tags`` without repeats, first occurrence kept (as the bucketer counts them).

    >>> unique_tags(("a", "b", "a"))
    ('a', 'b')
    """
    if len(tags) > 1 and len(set(tags)) < len(tags):
        return tuple(dict.fromkeys(tags))
    return tags
