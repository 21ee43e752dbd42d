"""Stage 1 core: turn the events of one input shard into per-entity event-time bucket summaries.

Every accepted event counts for its brand, its post (entity ``post_id``) and each of its hashtags
(entity ``f"{brand}#{tag}"``) in the tumbling bucket ``[start, start + size_ms)`` holding it.
A bucket is emitted once the watermark reaches ``end + emit_after_ms`` and closes at
``end + grace_ms`` (:mod:`detectors.bucketing.watermark`); the events accepted in between are its
*amendment*, emitted at close as summaries with ``revision = 1``. :meth:`Bucketer.advance`
returns the summaries due, :meth:`Bucketer.flush` emits everything at the end of input. Output is
deterministic: it depends on the accepted events and, for the split between a bucket and its
amendment, on the watermark at each one's arrival; summaries of shards merge exactly
(:func:`detectors.contract.brand_bucket.merge_summaries`).

**Bootstrap.** The first event would set the watermark; a bogus far-future first timestamp would
then make every genuine event ``too_old``. So the bucketer holds its first ``bootstrap_events``
events (``add`` returns ``"pending"`` for all but the last), anchors on their median time,
counts those more than ``max_future_ms`` above (``future``) or ``max_past_ms`` below it
(``too_old``), and replays the rest in arrival order. ``bootstrap_events=1`` accepts the first
event as is. Final outcomes of every event, held ones included, are in :attr:`Bucketer.counts`.
"""

from __future__ import annotations

from typing import Literal

import msgspec
import numpy as np

from detectors.bucketing.accumulate import (
    AuthorCache,
    BrandAccumulators,
    accumulate,
    accumulator,
    author_of,
    close_brand,
)
from detectors.bucketing.dedup import EventDeduplicator
from detectors.bucketing.watermark import Watermark
from detectors.contract.config import WindowConfig
from detectors.contract.event_codes import SLOT, event_code
from detectors.contract.sketch import EXACT_MAX, densify
from detectors.contract.summary import BucketSummary
from detectors.ingest.columns import EventColumns
from detectors.ingest.events import Event

Outcome = Literal["accepted", "duplicate", "late", "future", "too_old", "pending"]
FINAL_OUTCOMES: tuple[Outcome, ...] = ("accepted", "duplicate", "late", "future", "too_old")
OUTCOMES: tuple[Outcome, ...] = (*FINAL_OUTCOMES, "pending")
OUTCOME_INDEX: dict[Outcome, int] = {name: i for i, name in enumerate(OUTCOMES)}


class Bucketer:
    """Event-time bucketing of one shard, with de-duplication and bounded state.

    >>> from detectors.ingest.events import Event
    >>> b = Bucketer(WindowConfig(size_ms=60_000, grace_ms=0), max_past_ms=3_600_000,
    ...              dedup_horizon_ms=600_000, bootstrap_events=1)
    >>> ev = lambda i, ts, t="like": Event(event_id=str(i), type=t, ts_ms=ts, brand="acme",
    ...                                    post_id="p1", hashtags=("fail",))
    >>> [b.add(ev(1, 1_000)), b.add(ev(1, 1_000)), b.add(ev(2, 61_000, "view"))]
    ['accepted', 'duplicate', 'accepted']
    >>> [(s.level, s.entity, s.start_ms, s.likes, s.events) for s in b.advance()]
    [('brand', 'acme', 0, 1, 1), ('hashtag', 'acme#fail', 0, 1, 1), ('post', 'p1', 0, 1, 1)]
    >>> b.add(ev(3, 2_000)), b.watermark_ms, b.open_buckets
    ('late', 61000, 1)
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
        self._amends: dict[int, dict[str, BrandAccumulators]] = {}  # emitted buckets, within grace
        self.amended = 0  # accepted events that amend an emitted bucket
        self._pending: list[Event] | None = []
        self._hashes: AuthorCache = {}
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
            "author_hash_cache": len(self._hashes),
            "pending": self.pending,
        }

    def take_counts(self) -> dict[Outcome, int]:
        """Outcome counts since the previous call (for counters)."""
        delta = {k: n - self._taken[k] for k, n in self.counts.items()}
        self._taken = dict(self.counts)
        return delta

    def add(self, event: Event) -> Outcome:
        """Account one event; the outcome says whether it was counted and, if not, why."""
        if self._pending is not None:
            return self._hold(event)
        ts = event.ts_ms
        wm = self._wm
        verdict = wm.classify(ts)
        if verdict != "accepted":
            self.counts[verdict] += 1
            return verdict
        if self._dedup.seen(event.event_id, ts):
            self.counts["duplicate"] += 1
            return "duplicate"
        wm.observe(ts)
        self.counts["accepted"] += 1
        buckets = self._buckets
        if wm.is_amendment(ts):
            buckets = self._amends
            self.amended += 1

        tags = event.hashtags
        if len(tags) > 1 and len(set(tags)) < len(tags):
            tags = tuple(dict.fromkeys(tags))
        acc = accumulator(buckets, ts - ts % self.size_ms, event.brand, event.post_id, tags)
        code, senti = event_code(event.type, event.negative, event.reaction, event.sentiment)
        acc.codes[SLOT[code]] += 1
        if senti:
            acc.sentiment += senti
        user = event.user_hash
        if user is None:
            return "accepted"
        h, idx, rank = author_of(self._hashes, user)
        acc.author_events += 1
        au = acc.au
        if isinstance(au, set):
            au.add(h)
            if len(au) > EXACT_MAX:
                acc.au = densify(au)
        elif rank > au[idx]:
            au[idx] = rank
        return "accepted"

    def add_batch(self, batch: EventColumns) -> np.ndarray:
        """Account the rows of ``batch`` in order, exactly as :meth:`add` on each would; returns
        each row's outcome as an index into :data:`OUTCOMES`.

        Rows in event-time order with new, distinct ids (what the streaming ingest releases)
        are classified and counted with numpy; anything else goes through :meth:`add`.
        """
        n = len(batch)
        out = np.empty(n, np.int8)
        first = 0
        while first < n and self._pending is not None:  # bootstrapping: one at a time
            out[first] = OUTCOME_INDEX[self.add(batch.event(first))]
            first += 1
        rest = batch.tail(first) if first else batch
        if first < n and not self._add_sorted(rest, out[first:]):
            for row in range(len(rest)):
                out[first + row] = OUTCOME_INDEX[self.add(rest.event(row))]
        return out

    def _add_sorted(self, batch: EventColumns, out: np.ndarray) -> bool:
        """The numpy path of :meth:`add_batch`; False (nothing done) when it does not apply."""
        wm, ts, ids = self._wm, batch.ts_ms, batch.event_id
        if wm.value is None or not bool(np.all(ts[1:] >= ts[:-1])):
            return False
        if len(set(ids)) < len(ids) or not self._dedup.isdisjoint(ids):
            return False
        value = wm.value
        late = ts < wm.open_from
        before = np.maximum.accumulate(np.concatenate(([value], ts[:-1])))
        future = ts > before + wm.max_future_ms
        if future.any():  # sorted: every row after the first future one is future too
            future[int(np.argmax(future)) :] = True
        too_old = late & (ts < value - wm.max_past_ms)
        accepted = ~(late | future)
        out[:] = OUTCOME_INDEX["accepted"]
        out[late] = OUTCOME_INDEX["late"]
        out[too_old] = OUTCOME_INDEX["too_old"]
        out[future] = OUTCOME_INDEX["future"]
        n_accepted = int(accepted.sum())
        counts = self.counts
        counts["accepted"] += n_accepted
        counts["future"] += int(future.sum())
        counts["too_old"] += int(too_old.sum())
        counts["late"] += int(late.sum()) - int(too_old.sum())
        if n_accepted == 0:
            return True
        kept = batch if n_accepted == len(batch) else batch.take(np.nonzero(accepted)[0])
        self._dedup.record_new(kept.event_id, kept.ts_ms.tolist())
        # sorted rows at or above the watermark never amend; those below it form a prefix
        n_amends = int(np.searchsorted(kept.ts_ms, wm.emitted_from, side="left"))
        wm.observe(int(kept.ts_ms[-1]))
        if n_amends:
            self.amended += n_amends
            accumulate(self._amends, kept.head(n_amends), self.size_ms)
            kept = kept.tail(n_amends)
        accumulate(self._buckets, kept, self.size_ms)
        return True

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

    def _hold(self, event: Event) -> Outcome:
        assert self._pending is not None
        self._pending.append(event)
        if len(self._pending) >= self.bootstrap_events:
            return self._resolve()[-1]
        return "pending"

    def _resolve(self) -> list[Outcome]:
        """End the bootstrap: anchor on the held events' median time and replay them; returns
        their final outcomes."""
        held = self._pending
        if held is None:
            return []
        if not held:
            if self._wm.value is not None:  # raised from outside (idle shard): bootstrap over
                self._pending = None
            return []
        self._pending = None
        outcomes: list[Outcome] = []
        times = sorted(e.ts_ms for e in held)
        anchor = times[(len(times) - 1) // 2]
        hi = anchor + self._wm.max_future_ms
        lo = anchor - self._wm.max_past_ms
        for event in held:
            outcome: Outcome
            if event.ts_ms > hi:
                outcome = "future"
                self.counts[outcome] += 1
            elif event.ts_ms < lo:
                outcome = "too_old"
                self.counts[outcome] += 1
            else:
                outcome = self.add(event)
            outcomes.append(outcome)
        return outcomes
