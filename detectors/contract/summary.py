"""The per-(entity, bucket) summary that stage 1 emits and stage 2 scores.

This is the contract between ingest and detection (and the payload of ``crisiswatch.buckets``).
Fields may be added, never renamed or removed.
"""

from __future__ import annotations

import heapq
from typing import Literal

import msgspec

Level = Literal["brand", "post", "hashtag"]
LEVELS: tuple[Level, ...] = ("brand", "post", "hashtag")
LEVEL_ORDER: dict[str, int] = {"brand": 0, "post": 1, "hashtag": 2}


class BucketSummary(msgspec.Struct, frozen=True, kw_only=True):
    """Counts and sums of one entity over one event-time bucket ``[start_ms, end_ms)``."""

    level: Level
    entity: str
    brand: str
    start_ms: int
    end_ms: int
    views: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0
    reactions: int = 0
    negative: int = 0
    negative_comments: int = 0
    negative_shares: int = 0
    negative_reactions: int = 0
    positive_reactions: int = 0
    sentiment_sum: float = 0.0
    sentiment_count: int = 0
    authors: int = 0
    events: int = 0
    has_views: bool = False
    top_posts: list[tuple[str, int]] = msgspec.field(default_factory=list)
    top_hashtags: list[tuple[str, int]] = msgspec.field(default_factory=list)
    # Added by the bucketer work (additive): mergeable distinct-author sketch
    # (detectors.contract.sketch), events that carried an author, and the event counts of the top
    # lists (same order as the lists, whose int is the negative count; ranking is by negative
    # count, then events).
    authors_sketch: bytes = b""
    author_events: int = 0
    top_posts_events: list[int] = msgspec.field(default_factory=list)
    top_hashtags_events: list[int] = msgspec.field(default_factory=list)
    # Added with early emission (additive): 0 = the bucket as first emitted, ``emit_after_ms``
    # after its end; 1 = its amendment, the events accepted after that, up to ``grace_ms``.
    revision: int = 0

    @property
    def key(self) -> str:
        """The entity key: ``level:entity`` (the Kafka key of the buckets topic)."""
        return entity_key(self.level, self.entity)


def entity_key(level: Level, entity: str) -> str:
    """The stable key of an entity at a level.

    >>> entity_key("post", "p1")
    'post:p1'
    """
    return f"{level}:{entity}"


def empty_summary(level: Level, entity: str, brand: str, start: int, end: int) -> BucketSummary:
    """A summary with no events (an entity that was silent in a bucket)."""
    return BucketSummary(level=level, entity=entity, brand=brand, start_ms=start, end_ms=end)


def split_key(key: str) -> tuple[Level, str]:
    """The inverse of :func:`detectors.contract.summary.entity_key`."""
    level, entity = key.split(":", 1)
    if level not in LEVEL_ORDER:
        raise ValueError(f"not an entity key: {key!r}")
    return level, entity  # type: ignore[return-value]


Ranked = tuple[str, int, int]  # (id, negative, events)


def top(items: list[Ranked], n: int) -> list[Ranked]:
    """The ``n`` first by negative count, then events (descending), then id.

    >>> top([("a", 0, 9), ("b", 2, 1), ("c", 2, 5), ("d", 0, 9)], 3)
    [('c', 2, 5), ('b', 2, 1), ('a', 0, 9)]
    """
    if len(items) <= 1 and n >= 1:  # what nsmallest returns, without its machinery
        return list(items)
    if n >= 2 and len(items) <= n:  # nsmallest sorts the whole list then (ties: stable)
        return sorted(items, key=_rank)
    return heapq.nsmallest(n, items, key=_rank)


def _rank(item: Ranked) -> tuple[int, int, str]:
    """The sort key of :func:`top`."""
    return (-item[1], -item[2], item[0])
