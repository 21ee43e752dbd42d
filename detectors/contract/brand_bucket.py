"""The unit of detection (all summaries of one brand for one bucket) and merging of partial
summaries of the same ``(entity, bucket)`` produced by different input shards."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

import msgspec

from detectors.contract.event_codes import FIELDS, SENTIMENT_SCALE
from detectors.contract.sketch import estimate, merge_sketches
from detectors.contract.summary import BucketSummary, Ranked, top

_SUMMED = (*FIELDS, "author_events")


class BrandBucket(msgspec.Struct, frozen=True, kw_only=True):
    """Every summary of one brand over one bucket: the brand's own, its hashtags', its posts'."""

    brand: str
    start_ms: int
    end_ms: int
    summaries: list[BucketSummary]
    revision: int = 0  # 1: an amendment (events accepted after the bucket was emitted)
    shard: int = 0  # the input shard an amendment comes from (amendments are per shard)

    @property
    def brand_summary(self) -> BucketSummary | None:
        """The brand-level summary (present whenever the brand had an event in the bucket)."""
        return next((s for s in self.summaries if s.level == "brand"), None)


class BrandBatch(Protocol):
    """What ``DetectionEngine.process`` needs of a batch: a :class:`BrandBucket` or alike."""

    @property
    def brand(self) -> str: ...
    @property
    def start_ms(self) -> int: ...
    @property
    def end_ms(self) -> int: ...
    @property
    def summaries(self) -> Sequence[BucketSummary]: ...
    @property
    def revision(self) -> int: ...
    @property
    def shard(self) -> int: ...


def group_by_brand(summaries: Iterable[BucketSummary]) -> list[BrandBucket]:
    """Group summaries into :class:`BrandBucket` sorted by ``(start_ms, revision, brand)``;
    inside a group summaries are sorted by ``(level, entity)`` (brand, hashtags, posts).

    >>> s = [BucketSummary(level=lv, entity=e, brand=b, start_ms=0, end_ms=60)
    ...      for lv, e, b in [("post", "p2", "b"), ("brand", "b", "b"), ("brand", "a", "a")]]
    >>> [(g.brand, [x.entity for x in g.summaries]) for g in group_by_brand(s)]
    [('a', ['a']), ('b', ['b', 'p2'])]
    """
    groups: dict[tuple[int, int, str], list[BucketSummary]] = {}
    for s in summaries:
        groups.setdefault((s.start_ms, s.revision, s.brand), []).append(s)
    out = []
    for (start, revision, brand), group in sorted(groups.items(), key=lambda kv: kv[0]):
        group.sort(key=lambda s: (s.level, s.entity, s.brand))
        out.append(
            BrandBucket(
                brand=brand,
                start_ms=start,
                end_ms=group[0].end_ms,
                summaries=group,
                revision=revision,
            )
        )
    return out


def _ranked(ids: list[tuple[str, int]], events: list[int]) -> list[Ranked]:
    return [(i, neg, events[k] if k < len(events) else 0) for k, (i, neg) in enumerate(ids)]


def _merge_top(a: list[Ranked], b: list[Ranked], top_n: int) -> list[Ranked]:
    acc: dict[str, list[int]] = {}
    for i, neg, ev in (*a, *b):
        x = acc.setdefault(i, [0, 0])
        x[0] += neg
        x[1] += ev
    return top([(i, x[0], x[1]) for i, x in acc.items()], top_n)


def merge_summaries(a: BucketSummary, b: BucketSummary, *, top_n: int = 5) -> BucketSummary:
    """Combine two partial summaries of the same entity and bucket (e.g. from two shards).

    Counts add up; the author sketch is the exact union (``authors`` re-estimated from it);
    top lists are summed per id and re-ranked (exact when each id was counted by one shard only,
    otherwise ids below the cut in every part can be missed). Commutative and associative.

    >>> x = BucketSummary(level="brand", entity="a", brand="a", start_ms=0, end_ms=60, likes=2,
    ...                   events=2, sentiment_sum=0.1, sentiment_count=1)
    >>> m = merge_summaries(x, x)
    >>> m.likes, m.events, m.sentiment_sum
    (4, 4, 0.2)
    """
    if (a.level, a.entity, a.start_ms, a.end_ms) != (b.level, b.entity, b.start_ms, b.end_ms):
        raise ValueError(
            f"cannot merge {a.key}@{a.start_ms}-{a.end_ms} with {b.key}@{b.start_ms}-{b.end_ms}"
        )
    fields = {f: getattr(a, f) + getattr(b, f) for f in _SUMMED}
    sentiment = round((a.sentiment_sum + b.sentiment_sum) * SENTIMENT_SCALE) / SENTIMENT_SCALE
    sketch = merge_sketches(a.authors_sketch, b.authors_sketch)
    posts = _merge_top(
        _ranked(a.top_posts, a.top_posts_events), _ranked(b.top_posts, b.top_posts_events), top_n
    )
    tags = _merge_top(
        _ranked(a.top_hashtags, a.top_hashtags_events),
        _ranked(b.top_hashtags, b.top_hashtags_events),
        top_n,
    )
    return BucketSummary(
        level=a.level,
        entity=a.entity,
        brand=min(a.brand, b.brand),  # equal unless a post id is shared by two brands
        start_ms=a.start_ms,
        end_ms=a.end_ms,
        sentiment_sum=sentiment,
        authors=estimate(sketch) if sketch else max(a.authors, b.authors),
        has_views=a.has_views or b.has_views,
        authors_sketch=sketch,
        top_posts=[(i, neg) for i, neg, _ in posts],
        top_posts_events=[ev for _, _, ev in posts],
        top_hashtags=[(i, neg) for i, neg, _ in tags],
        top_hashtags_events=[ev for _, _, ev in tags],
        revision=min(a.revision, b.revision),
        **fields,
    )


def merge_all(summaries: Iterable[BucketSummary], *, top_n: int = 5) -> list[BucketSummary]:
    """Merge every group of summaries sharing ``(start_ms, level, entity, brand)`` (a post id
    seen under two brands stays two summaries, as in the bucketer; a bucket and its amendment
    merge into one); output sorted by that key."""
    merged: dict[tuple[int, str, str, str], BucketSummary] = {}
    for s in summaries:
        k = (s.start_ms, s.level, s.entity, s.brand)
        prev = merged.get(k)
        merged[k] = s if prev is None else merge_summaries(prev, s, top_n=top_n)
    return [merged[k] for k in sorted(merged)]
