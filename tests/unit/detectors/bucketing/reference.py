"""A one-event-at-a-time bucketer: the definition the columnar :class:`Bucketer` is checked against.

It applies the rules of :mod:`detectors.bucketing.bucketer` literally, event by event, with the
same primitives (watermark, de-duplicator, accumulators) and none of the vectorised shortcuts.
"""

from __future__ import annotations

import msgspec

from detectors.bucketing.accumulate import BrandAccumulators, accumulate, close_brand
from detectors.bucketing.bucketer import Outcome
from detectors.bucketing.dedup import EventDeduplicator
from detectors.bucketing.watermark import Watermark
from detectors.contract.config import WindowConfig
from detectors.contract.summary import BucketSummary
from detectors.ingest.columns import EventColumns
from detectors.ingest.events import Event


class SequentialBucketer:
    """Same constructor and outcomes as :class:`Bucketer`; :meth:`add` takes one event."""

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
        self.size_ms, self.top_n, self.bootstrap_events = window.size_ms, top_n, bootstrap_events
        self.wm = Watermark(
            size_ms=window.size_ms,
            grace_ms=window.grace_ms,
            max_future_ms=window.max_future_ms,
            max_past_ms=max_past_ms,
            emit_after_ms=window.emit_after_ms,
        )
        horizon = max(dedup_horizon_ms, window.size_ms + window.grace_ms)
        self.dedup = EventDeduplicator(horizon, dedup_max_size)
        self.buckets: dict[int, dict[str, BrandAccumulators]] = {}
        self.amends: dict[int, dict[str, BrandAccumulators]] = {}
        self.amended = 0
        self.pending: list[Event] | None = []
        self.counts: dict[str, int] = dict.fromkeys(
            ("accepted", "duplicate", "late", "future", "too_old"), 0
        )

    def add(self, event: Event) -> Outcome:
        if self.pending is not None:
            self.pending.append(event)
            if len(self.pending) < self.bootstrap_events:
                return "pending"
            return self._resolve()[-1]
        verdict = self.wm.classify(event.ts_ms)
        if verdict != "accepted":
            self.counts[verdict] += 1
            return verdict
        if self.dedup.seen(event.event_id, event.ts_ms):
            self.counts["duplicate"] += 1
            return "duplicate"
        self.wm.observe(event.ts_ms)
        self.counts["accepted"] += 1
        target = self.buckets
        if self.wm.is_amendment(event.ts_ms):
            target = self.amends
            self.amended += 1
        accumulate(target, EventColumns.from_events([event]), self.size_ms)
        return "accepted"

    def _resolve(self) -> list[Outcome]:
        held, self.pending = self.pending or [], None
        if not held:
            return []
        times = sorted(e.ts_ms for e in held)
        anchor = times[(len(times) - 1) // 2]
        outcomes: list[Outcome] = []
        for event in held:
            if event.ts_ms > anchor + self.wm.max_future_ms:
                outcomes.append("future")
            elif event.ts_ms < anchor - self.wm.max_past_ms:
                outcomes.append("too_old")
            else:
                outcomes.append(self.add(event))
                continue
            self.counts[outcomes[-1]] += 1
        return outcomes

    def advance(self) -> list[BucketSummary]:
        wm = self.wm
        return self._close(
            [s for s in self.buckets if s < wm.emitted_from],
            [s for s in self.amends if s < wm.open_from],
        )

    def flush(self) -> list[BucketSummary]:
        self._resolve()
        starts = sorted(set(self.buckets) | set(self.amends))
        if starts:
            self.wm.close_before(starts[-1] + self.size_ms)
        return self._close(list(self.buckets), list(self.amends))

    def _close(self, starts: list[int], amend_starts: list[int]) -> list[BucketSummary]:
        out: list[BucketSummary] = []
        for buckets, chosen, revision in (
            (self.buckets, starts, 0),
            (self.amends, amend_starts, 1),
        ):
            for start in chosen:
                for brand, st in buckets.pop(start).items():
                    closed = close_brand(brand, st, start, start + self.size_ms, self.top_n)
                    out.extend(msgspec.structs.replace(c, revision=revision) for c in closed)
        out.sort(key=lambda s: (s.start_ms, s.revision, s.level, s.entity, s.brand))
        return out
