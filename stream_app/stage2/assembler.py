"""Stage 2 assembly: merge per-shard partial brand buckets into complete ``BrandBucket``s.

A bucket of a brand is complete when every shard's mark has passed its end, or the shard is
idle: its latest mark said it has no input left (not ``busy``), its mark has not moved for
``idle_after_s`` wall seconds, and others moved ``idle_lag_ms`` of event time beyond it. A busy
shard is waited for however long it takes (a backlog), so its partials are never late because
processing was slow. The state lives in memory:
the worker acknowledges a partial's message only once its bucket has been detected, so after a
crash the uncommitted partials are simply read again. The first partial of a shard for a
(brand, bucket, revision) wins, so re-read input changes nothing.

A shard's amendment (``revision = 1``) never joins its bucket: the amendments of a bucket are
final once every shard's mark reached ``WindowConfig.amendments_final_at`` (a shard emits its
amendment before any mark that far), and are handed back then, one per shard in shard order,
which the engine applies once per (shard, bucket); one arriving after that is handed back at
once. Buckets and amendments come out in the order ``(mark needed, start, revision, brand)``
(:mod:`detectors.bucketing.assembly`, which the offline replay uses), so that what a brand's
detection sees does not depend on when marks and partials arrived.
"""

from __future__ import annotations

import heapq
import logging
from typing import Any

import msgspec

from detectors.bucketing.assembly import summary_order
from detectors.contract.brand_bucket import BrandBucket, merge_summaries
from detectors.contract.config import WindowConfig
from detectors.contract.summary import BucketSummary
from stream_app.bucket_messages import PartialBucket, ShardMark

log = logging.getLogger(__name__)


class Pending(msgspec.Struct, kw_only=True):
    """A brand bucket being assembled: the shards heard from and the merged summaries."""

    brand: str
    start_ms: int
    end_ms: int
    parts: list[tuple[int, int]]  # (shard, revision) of the partials merged
    summaries: dict[str, BucketSummary]
    ingested_at_s: float = 0.0
    tokens: list[Any] = msgspec.field(default_factory=list)
    amendments: dict[int, PartialBucket] = msgspec.field(default_factory=dict)  # by shard

    @property
    def amendments_only(self) -> bool:
        """Every partial merged is an amendment: no on-time partial is left to detect."""
        return all(revision for _shard, revision in self.parts)


class Assembler:
    """Collects partials and marks of one stage-2 partition; returns complete buckets in order."""

    def __init__(
        self,
        partition: int,
        shards: int,
        idle_after_s: float = 10.0,
        idle_lag_ms: int = 120_000,
        window: WindowConfig | None = None,
    ) -> None:
        self.window = window or WindowConfig()
        self.partition = partition
        self.shards = shards
        self.idle_after_s = idle_after_s
        self.idle_lag_ms = idle_lag_ms
        self.marks: dict[int, int] = {}
        self.busy: dict[int, bool] = {}  # what each shard's latest mark said
        self.mark_changed_at: dict[int, float] = {}
        self.pending: dict[tuple[int, str], Pending] = {}  # buckets being assembled
        self.amends: dict[tuple[int, str], Pending] = {}  # their amendments, until final
        self._due: list[tuple[int, int, int, str]] = []  # heap: (mark, start, revision, brand)
        self._started_at: float | None = None
        self.finished: set[tuple[int, str]] = set()
        self.amends_finished: set[tuple[int, str]] = set()
        self.late_partials = 0

    def add_partial(self, partial: PartialBucket, token: Any = None) -> BrandBucket | None:
        """Merge one partial unless this shard already sent it; ``token`` comes back when done.
        Returns the amendment of a bucket whose amendments were already handed back, to detect
        now."""
        key = (partial.start_ms, partial.brand)
        if partial.revision and key in self.amends_finished:
            return amendment_bucket(partial)
        if not partial.revision and key in self.finished:
            self.late_partials += 1
            log.warning(
                "partial of shard %d for %s bucket %d arrived after the bucket was detected",
                partial.shard,
                partial.brand,
                partial.start_ms,
            )
        table = self.amends if partial.revision else self.pending
        pending = table.get(key)
        if pending is None:
            pending = Pending(
                brand=partial.brand,
                start_ms=partial.start_ms,
                end_ms=partial.end_ms,
                parts=[],
                summaries={},
            )
            table[key] = pending
            mark = (
                self.window.amendments_final_at(partial.start_ms)
                if partial.revision
                else partial.end_ms
            )
            heapq.heappush(self._due, (mark, partial.start_ms, partial.revision, partial.brand))
        pending.tokens.append(token)
        part = (partial.shard, partial.revision)
        if part in pending.parts:
            return None
        pending.parts.append(part)
        pending.ingested_at_s = max(pending.ingested_at_s, partial.ingested_at_s)
        if partial.revision:
            pending.amendments.setdefault(partial.shard, partial)
            return None
        for summary in partial.summaries:
            current = pending.summaries.get(summary.key)
            pending.summaries[summary.key] = (
                summary if current is None else merge_summaries(current, summary)
            )
        return None

    def add_mark(self, mark: ShardMark, now_s: float) -> None:
        """Record a shard's progress (marks only move forward) and whether it is busy."""
        if self.busy.get(mark.shard) and not mark.busy:  # just caught up: idle only from now
            self.mark_changed_at[mark.shard] = now_s
        self.busy[mark.shard] = mark.busy
        if mark.closed_ms > self.marks.get(mark.shard, -1):
            self.marks[mark.shard] = mark.closed_ms
            self.mark_changed_at[mark.shard] = now_s

    def complete_through(self, now_s: float) -> int:
        """Every bucket ending at or before this time is complete (-1: none yet).

        A shard counts as idle (and is ignored) once it is not busy, its mark has not moved for
        ``idle_after_s`` and other shards moved at least ``idle_lag_ms`` of event time beyond it.
        """
        if self._started_at is None:
            self._started_at = now_s
        newest = max(self.marks.values(), default=-1)
        active: list[int] = []
        for shard in range(self.shards):
            mark = self.marks.get(shard, -1)
            changed = self.mark_changed_at.get(shard, self._started_at)
            idle = (
                not self.busy.get(shard, False)
                and now_s - changed >= self.idle_after_s
                and newest - mark >= self.idle_lag_ms
            )
            if not idle:
                active.append(mark)
        return min(active) if active else newest

    def pop_complete(self, now_s: float) -> list[tuple[list[BrandBucket], Pending]]:
        """Complete buckets and final amendments in detection order with their pending record
        (tokens, times): each the merged bucket, or its amendments (one per shard)."""
        through = self.complete_through(now_s)
        out: list[tuple[list[BrandBucket], Pending]] = []
        due = self._due
        while due and due[0][0] <= through:
            _mark, start, revision, brand = heapq.heappop(due)
            key = (start, brand)
            if revision:
                pending = self.amends.pop(key)
                self.amends_finished.add(key)
                buckets = [amendment_bucket(p) for _, p in sorted(pending.amendments.items())]
            else:
                pending = self.pending.pop(key)
                self.finished.add(key)
                summaries = sorted(pending.summaries.values(), key=summary_order)
                buckets = [
                    BrandBucket(
                        brand=pending.brand,
                        start_ms=pending.start_ms,
                        end_ms=pending.end_ms,
                        summaries=summaries,
                    )
                ]
            out.append((buckets, pending))
        for done in (self.finished, self.amends_finished):
            if len(done) > 100_000:
                kept = sorted(done)[-50_000:]
                done.clear()
                done.update(kept)
        return out


def amendment_bucket(partial: PartialBucket) -> BrandBucket:
    """One shard's amendment partial as a bucket for the engine's amendment path."""
    return BrandBucket(
        brand=partial.brand,
        start_ms=partial.start_ms,
        end_ms=partial.end_ms,
        summaries=sorted(partial.summaries, key=summary_order),
        revision=partial.revision,
        shard=partial.shard,
    )
