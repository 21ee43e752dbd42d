"""The shards' bucket summaries as brand buckets, in a detection order that does not depend on
when each shard emitted them: the offline counterpart of stage 2's assembler
(``stream_app/stage2/assembler.py``), which follows the same rules.

* A brand's bucket (``revision = 0``) is complete once every shard's mark (``closed_ms``: every
  bucket starting before it emitted) has reached its end; the shards' summaries merge
  (:func:`~detectors.contract.brand_bucket.merge_summaries`).
* Its amendments (``revision = 1``) are final once every mark has reached
  :meth:`~detectors.contract.config.WindowConfig.amendments_final_at`; they are detected then,
  one per shard in shard order, never merged into the bucket.
* Items are detected in the order ``(mark reached, start, revision, brand, shard)``, so that
  every split of the marks' progress into steps gives every brand the same sequence.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from detectors.contract.brand_bucket import BrandBucket, merge_summaries
from detectors.contract.config import WindowConfig
from detectors.contract.summary import BucketSummary

LEVEL_ORDER = {"brand": 0, "post": 1, "hashtag": 2}


def summary_order(summary: BucketSummary) -> tuple[int, str]:
    """The order of the summaries inside a brand bucket (brand, posts, hashtags; by entity)."""
    return (LEVEL_ORDER[summary.level], summary.entity)


def detection_key(window: WindowConfig, start_ms: int, revision: int) -> int:
    """The mark every shard must reach before a bucket (or its amendments) is detected."""
    return window.amendments_final_at(start_ms) if revision else start_ms + window.size_ms


class Assembly:
    """Summaries of every shard in, brand buckets in detection order out."""

    def __init__(self, window: WindowConfig) -> None:
        self.window = window
        self.buckets: dict[tuple[int, str], dict[str, BucketSummary]] = {}
        self.amends: dict[tuple[int, str], dict[int, list[BucketSummary]]] = {}
        self._due: list[tuple[int, int, int, str]] = []  # heap: (mark, start, revision, brand)
        self.detected: set[tuple[int, int, str]] = set()  # (start, revision, brand) handed out
        self.late_summaries = 0  # arrived after their bucket was handed out: dropped

    def add(self, shard: int, summaries: Iterable[BucketSummary]) -> None:
        """One shard's emitted summaries."""
        for summary in summaries:
            key = (summary.start_ms, summary.brand)
            if (summary.start_ms, summary.revision, summary.brand) in self.detected:
                self.late_summaries += 1
                continue
            if summary.revision:
                by_shard = self.amends.get(key)
                if by_shard is None:
                    by_shard = self.amends[key] = {}
                    self._push(summary.start_ms, 1, summary.brand)
                by_shard.setdefault(shard, []).append(summary)
                continue
            merged = self.buckets.get(key)
            if merged is None:
                merged = self.buckets[key] = {}
                self._push(summary.start_ms, 0, summary.brand)
            current = merged.get(summary.key)
            merged[summary.key] = summary if current is None else merge_summaries(current, summary)

    def _push(self, start: int, revision: int, brand: str) -> None:
        heapq.heappush(self._due, (detection_key(self.window, start, revision), start, revision,
                                   brand))  # fmt: skip

    def ready(self, through_ms: int | None) -> list[BrandBucket]:
        """The buckets and amendments every shard's mark has passed (``through_ms``: the lowest
        mark; None: all), in detection order."""
        out: list[BrandBucket] = []
        due = self._due
        while due and (through_ms is None or due[0][0] <= through_ms):
            _mark, start, revision, brand = heapq.heappop(due)
            self.detected.add((start, revision, brand))
            end = start + self.window.size_ms
            if revision == 0:
                merged = self.buckets.pop((start, brand))
                summaries = sorted(merged.values(), key=summary_order)
                out.append(
                    BrandBucket(brand=brand, start_ms=start, end_ms=end, summaries=summaries)
                )
                continue
            for shard, parts in sorted(self.amends.pop((start, brand)).items()):
                out.append(
                    BrandBucket(brand=brand, start_ms=start, end_ms=end,
                                summaries=sorted(parts, key=summary_order), revision=1,
                                shard=shard)
                )  # fmt: skip
        if len(self.detected) > 200_000:
            self.detected = set(sorted(self.detected)[-100_000:])
        return out
