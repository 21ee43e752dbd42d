"""Stage 1 core: turn the events of one input shard into per-entity event-time bucket summaries.

Every accepted event counts for its brand, its post (entity ``post_id``) and each of its hashtags
(entity ``f"{brand}#{tag}"``) in the tumbling bucket ``[start, start + size_ms)`` holding it.
A bucket is emitted once the watermark reaches ``end + emit_after_ms`` and closes at
``end + grace_ms`` (:mod:`detectors.bucketing.watermark`); the events accepted in between are its
*amendment*, emitted at close as summaries with ``revision = 1``. Rows come as
:class:`~detectors.ingest.columns.EventColumns` in arrival order (:meth:`Bucketer.add_columns`);
:meth:`Bucketer.advance` returns the summaries due, :meth:`Bucketer.flush` emits everything at the
end of input. Output is deterministic: it depends on the accepted events and, for the split between
a bucket and its amendment, on the watermark at each one's arrival; summaries of shards merge
exactly (:func:`detectors.contract.brand_bucket.merge_summaries`).

**Bootstrap.** The first event would set the watermark; a bogus far-future first timestamp would
then make every genuine event ``too_old``. So the bucketer holds its first ``bootstrap_events``
events (their outcome is ``"pending"`` until the last arrives), anchors on their median time,
counts those more than ``max_future_ms`` above (``future``) or ``max_past_ms`` below it
(``too_old``), and replays the rest in arrival order. ``bootstrap_events=1`` accepts the first
event as is. Final outcomes of every event, held ones included, are in :attr:`Bucketer.counts`.

Over 300 lines: one class whose methods share the shard's state (watermark, de-duplicator,
open buckets, bootstrap); the row arithmetic lives in watermark.py and accumulate.py already.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import msgspec
import numpy as np

from detectors.bucketing.accumulate import BrandAccumulators, accumulate, close_brand
from detectors.bucketing.dedup import EventDeduplicator
from detectors.bucketing.watermark import NO_WATERMARK, Watermark
from detectors.contract.config import WindowConfig
from detectors.contract.summary import BucketSummary
from detectors.ingest.columns import EventColumns

Outcome = Literal["accepted", "duplicate", "late", "future", "too_old", "pending"]
FINAL_OUTCOMES: tuple[Outcome, ...] = ("accepted", "duplicate", "late", "future", "too_old")
OUTCOMES: tuple[Outcome, ...] = (*FINAL_OUTCOMES, "pending")
OUTCOME_INDEX: dict[Outcome, int] = {name: i for i, name in enumerate(OUTCOMES)}
_ACCEPTED, _LATE, _FUTURE, _TOO_OLD, _DUPLICATE, _PENDING = (
    OUTCOME_INDEX[name]
    for name in ("accepted", "late", "future", "too_old", "duplicate", "pending")
)
DUE_WINDOW = 512  # rows looked at per step while searching for the next due bucket


class Bucketer:
    """Event-time bucketing of one shard, with de-duplication and bounded state.

    >>> from detectors.ingest.events import Event
    >>> b = Bucketer(WindowConfig(size_ms=60_000, grace_ms=0), max_past_ms=3_600_000,
    ...              dedup_horizon_ms=600_000, bootstrap_events=1)
    >>> ev = lambda i, ts, t="like": Event(event_id=str(i), type=t, ts_ms=ts, brand="acme",
    ...                                    post_id="p1", hashtags=("fail",))
    >>> rows = EventColumns.from_events([ev(1, 1_000), ev(1, 1_000), ev(2, 61_000, "view")])
    >>> [OUTCOMES[i] for i in b.add_columns(rows)]
    ['accepted', 'duplicate', 'accepted']
    >>> [(s.level, s.entity, s.start_ms, s.likes, s.events) for s in b.advance()]
    [('brand', 'acme', 0, 1, 1), ('hashtag', 'acme#fail', 0, 1, 1), ('post', 'p1', 0, 1, 1)]
    >>> OUTCOMES[b.add_columns(EventColumns.from_events([ev(3, 2_000)]))[0]], b.watermark_ms
    ('late', 61000)
    """

    def __init__(
        self,
        window: WindowConfig,
        *,
        max_past_ms: int,
        dedup_horizon_ms: int,
        top_n: int = 5,
        bootstrap_events: int = 5,
        dedup_max_size: int = 1_000_000,
    ) -> None:
        if top_n < 1 or bootstrap_events < 1:
            raise ValueError(f"need top_n >= 1, bootstrap_events >= 1: {top_n}, {bootstrap_events}")
        self.size_ms = window.size_ms
        self.grace_ms = window.grace_ms
        self.top_n = top_n
        self.bootstrap_events = bootstrap_events
        self._wm = Watermark(
            size_ms=window.size_ms,
            grace_ms=window.grace_ms,
            max_future_ms=window.max_future_ms,
            max_past_ms=max_past_ms,
            emit_after_ms=window.emit_after_ms,
        )
        # A horizon of at least one bucket plus grace guarantees no double counting: an id
        # forgotten earlier belongs to a closed bucket, so its duplicate is rejected as late.
        horizon = max(dedup_horizon_ms, window.size_ms + window.grace_ms)
        self._dedup = EventDeduplicator(horizon, dedup_max_size)
        self._buckets: dict[int, dict[str, BrandAccumulators]] = {}
        self._amends: dict[int, dict[str, BrandAccumulators]] = {}  # emitted, within grace
        self.amended = 0  # accepted events that amend an emitted bucket
        self._pending: list[EventColumns] | None = []
        self.counts: dict[Outcome, int] = dict.fromkeys(FINAL_OUTCOMES, 0)
        self._taken: dict[Outcome, int] = dict.fromkeys(FINAL_OUTCOMES, 0)

    @property
    def watermark_ms(self) -> int | None:
        """Largest accepted event time (``None`` before the first, or while bootstrapping)."""
        return self._wm.value

    @property
    def open_buckets(self) -> int:
        """Buckets and amendments accumulating (bounded by ``(grace + max_future) / size + 3``)."""
        return len(self._buckets) + len(self._amends)

    @property
    def open_starts(self) -> set[int]:
        """Start times of the buckets and amendments still accumulating."""
        return set(self._buckets) | set(self._amends)

    @property
    def closed_before_ms(self) -> int:
        """Every bucket ending at or before this event time is emitted (-1 before any); its
        amendment may follow."""
        emitted_from = self._wm.emitted_from
        return emitted_from if emitted_from > 0 else -1

    @property
    def pending(self) -> int:
        """Events held while bootstrapping the watermark."""
        return 0 if self._pending is None else len(self._pending)

    def state_size(self) -> dict[str, int]:
        """Sizes of every piece of state (for tests and gauges)."""
        accumulators = sum(
            len(v)
            for buckets in (self._buckets, self._amends)
            for b in buckets.values()
            for st in b.values()
            for v in st.posts.values()
        )
        return {
            "open_buckets": self.open_buckets,
            "accumulators": accumulators,
            "dedup_ids": len(self._dedup),
            "pending": self.pending,
        }

    def take_counts(self) -> dict[Outcome, int]:
        """Outcome counts since the previous call (for counters)."""
        delta = {k: n - self._taken[k] for k, n in self.counts.items()}
        self._taken = dict(self.counts)
        return delta

    def add_columns(self, rows: EventColumns) -> np.ndarray:
        """Account ``rows`` in arrival order, exactly as one at a time; returns each row's
        outcome as an index into :data:`OUTCOMES`."""
        out = np.empty(len(rows), np.int8)
        self._account(rows, 0, out, stop=False)
        return out

    def add_until_due(self, rows: EventColumns, start: int = 0) -> int:
        """Account ``rows`` from position ``start`` until, and including, the first row that
        makes a bucket or an amendment due; returns the position after the last row accounted
        (``len(rows)`` when nothing became due before the end). Outcomes go to :attr:`counts`.
        """
        out = np.empty(len(rows) - start, np.int8)
        return start + self._account(rows, start, out, stop=True)

    def add_messages(self, rows: EventColumns) -> Iterator[list[BucketSummary]]:
        """Account the rows of consecutive messages (``rows.offset``: each row's message number,
        non-decreasing), advancing after every message as if each came alone; yields what each
        advance emitted, when it emitted anything."""
        messages, pos, n = rows.offset, 0, len(rows)
        while pos < n:
            end = self.add_until_due(rows, pos)
            if end < n:  # a bucket became due inside a message: the rest of it comes first
                last = int(np.searchsorted(messages, messages[end - 1], "right"))
                if last > end:
                    self.add_columns(rows.slice(end, last))
                end = last
            due = self.advance()
            if due:
                yield due
            pos = end

    def _due_key(self) -> tuple[int, int]:
        return self._wm.emitted_from, self._wm.open_from

    def _account(self, rows: EventColumns, start: int, out: np.ndarray, *, stop: bool) -> int:
        """Outcomes of ``rows[start:]`` into ``out``; with ``stop``, end after the first row that
        moves the emission bounds. Returns the number of rows accounted."""
        n, pos = len(rows), start
        while pos < n and self._pending is not None:  # bootstrapping: one row at a time
            key = self._due_key()
            out[pos - start] = self._hold(rows.slice(pos, pos + 1))
            pos += 1
            if stop and self._due_key() != key:
                return pos - start
        while pos < n:
            end = min(n, pos + DUE_WINDOW) if stop else n
            flagged = np.flatnonzero(self._maybe_duplicate(rows.event_id[pos:end])) + pos
            for cut in [*flagged.tolist(), end]:
                if cut > pos:  # rows with new ids, in columns
                    taken, due = self._add_new(rows.slice(pos, cut), out[pos - start :], stop=stop)
                    pos += taken
                    if due:
                        return pos - start
                if cut < end:  # a row that may be a duplicate, alone
                    key = self._due_key()
                    out[pos - start] = self._add_one(rows.slice(pos, pos + 1))
                    pos += 1
                    if stop and self._due_key() != key:
                        return pos - start
        return pos - start

    def _maybe_duplicate(self, ids: list[str]) -> np.ndarray:
        """Rows whose id is recorded or repeats an earlier row's: the only possible duplicates."""
        flags = np.zeros(len(ids), bool)
        if self._dedup.isdisjoint(ids) and len(set(ids)) == len(ids):
            return flags
        seen: set[str] = set()
        recorded = self._dedup.recorded
        for row, event_id in enumerate(ids):
            if event_id in seen or recorded(event_id):
                flags[row] = True
            seen.add(event_id)
        return flags

    def _add_one(self, row: EventColumns) -> int:
        """Account one row that may be a duplicate."""
        ts = int(row.ts_ms[0])
        wm = self._wm
        verdict = wm.classify(ts)
        if verdict != "accepted":
            self.counts[verdict] += 1
            return OUTCOME_INDEX[verdict]
        if self._dedup.seen(row.event_id[0], ts):
            self.counts["duplicate"] += 1
            return _DUPLICATE
        wm.observe(ts)
        self.counts["accepted"] += 1
        if wm.is_amendment(ts):
            self.amended += 1
            accumulate(self._amends, row, self.size_ms)
        else:
            accumulate(self._buckets, row, self.size_ms)
        return _ACCEPTED

    def _add_new(self, rows: EventColumns, out: np.ndarray, *, stop: bool) -> tuple[int, bool]:
        """Account rows with new, distinct ids in columns; returns how many were accounted and
        whether the last of them moved the emission bounds (with ``stop``, the run ends there).
        """
        wm, ts = self._wm, rows.ts_ms
        before, future, late = wm.classify_rows(ts)
        accepted = ~(future | late)
        due = False
        if stop:
            crossing = accepted & (ts >= wm.next_change_at)
            if crossing.any():
                n = int(np.argmax(crossing)) + 1
                ts, before, future, late, accepted = (
                    ts[:n],
                    before[:n],
                    future[:n],
                    late[:n],
                    accepted[:n],
                )
                rows, due = rows.head(n), True
        n = len(ts)
        known = before != NO_WATERMARK
        too_old = late & known & (ts < before - wm.max_past_ms)
        outcomes = out[:n]
        outcomes[:] = _ACCEPTED
        outcomes[late] = _LATE
        outcomes[too_old] = _TOO_OLD
        outcomes[future] = _FUTURE
        n_accepted, n_too_old = int(accepted.sum()), int(too_old.sum())
        counts = self.counts
        counts["accepted"] += n_accepted
        counts["future"] += int(future.sum())
        counts["too_old"] += n_too_old
        counts["late"] += int(late.sum()) - n_too_old
        if n_accepted == 0:
            return n, due
        if n_accepted < n:
            keep = np.nonzero(accepted)[0]
            rows, ts, before = rows.take(keep), ts[keep], before[keep]
        self._dedup.record_new(rows.event_id, ts.tolist())
        after = np.maximum(before, ts)  # the watermark once each row is observed
        amend = ts < wm.emitted_from_at(after)
        wm.observe(int(ts.max()))
        n_amends = int(amend.sum())
        if n_amends == 0:
            accumulate(self._buckets, rows, self.size_ms)
        elif n_amends == len(ts):
            accumulate(self._amends, rows, self.size_ms)
        else:
            accumulate(self._amends, rows.take(np.nonzero(amend)[0]), self.size_ms)
            accumulate(self._buckets, rows.take(np.nonzero(~amend)[0]), self.size_ms)
        self.amended += n_amends
        return n, due

    def advance(self, watermark_ms: int | None = None) -> list[BucketSummary]:
        """Summaries of the buckets and amendments due at the watermark (optionally first raised
        to ``watermark_ms``, e.g. for an idle shard), by ``(start, revision, level, entity)``."""
        if watermark_ms is not None:
            self._resolve()
            self._wm.raise_to(watermark_ms)
        emitted_from, open_from = self._wm.emitted_from, self._wm.open_from
        return self._close(
            [s for s in self._buckets if s < emitted_from],
            [s for s in self._amends if s < open_from],
        )

    def flush(self) -> list[BucketSummary]:
        """Emit every bucket and amendment (end of input); later events for them are late."""
        self._resolve()
        starts = sorted(self.open_starts)
        if starts:
            self._wm.close_before(starts[-1] + self.size_ms)
        return self._close(list(self._buckets), list(self._amends))

    def _close(self, starts: list[int], amend_starts: list[int]) -> list[BucketSummary]:
        out: list[BucketSummary] = []
        for buckets, chosen, revision in (
            (self._buckets, starts, 0),
            (self._amends, amend_starts, 1),
        ):
            for start in chosen:
                brands = buckets.pop(start)
                end = start + self.size_ms
                for brand, st in brands.items():
                    closed = close_brand(brand, st, start, end, self.top_n)
                    if revision:
                        closed = [msgspec.structs.replace(c, revision=revision) for c in closed]
                    out.extend(closed)
        out.sort(key=lambda s: (s.start_ms, s.revision, s.level, s.entity, s.brand))
        return out

    def _hold(self, row: EventColumns) -> int:
        assert self._pending is not None
        self._pending.append(row)
        if len(self._pending) >= self.bootstrap_events:
            return self._resolve()[-1]
        return _PENDING

    def _resolve(self) -> list[int]:
        """End the bootstrap: anchor on the held rows' median time and account them in their
        arrival order; returns their final outcomes."""
        held = self._pending
        if held is None:
            return []
        if not held:
            if self._wm.value is not None:  # raised from outside (idle shard): bootstrap over
                self._pending = None
            return []
        self._pending = None
        rows = EventColumns.concat(held)
        times = sorted(rows.ts_ms.tolist())
        anchor = times[(len(times) - 1) // 2]
        future = rows.ts_ms > anchor + self._wm.max_future_ms
        too_old = rows.ts_ms < anchor - self._wm.max_past_ms
        outcomes = np.where(future, _FUTURE, np.where(too_old, _TOO_OLD, _ACCEPTED))
        self.counts["future"] += int(future.sum())
        self.counts["too_old"] += int(too_old.sum())
        kept = np.nonzero(~(future | too_old))[0]
        if len(kept):
            outcomes[kept] = self.add_columns(rows.take(kept))
        return [int(o) for o in outcomes]
