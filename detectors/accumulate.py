"""Per-(entity, bucket) accumulators of the bucketer and their conversion to ``BucketSummary``.

Each event updates one accumulator only: that of its post and hashtag tuple; brand, post and
hashtag levels are rolled up when the bucket closes. An event is reduced to one small integer
*class code* (type, negative, positive reaction, carries a sentiment) so that the update is a
single list increment (16 slots), expanded into the summary's fields at close. Sentiments are
summed as integer micro-units, so sums do not depend on arrival order (exact merges, replays).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from detectors.sketch import SketchState, estimate_state, to_bytes, union_into
from detectors.summary import BucketSummary, Level

TYPE_CODE = {"view": 0, "like": 1, "comment": 2, "share": 3, "reaction": 4}
NEGATIVE_BIT = 5
POSITIVE_BIT = 10
SENTIMENT_BIT = 20
N_RAW_CODES = 40
POSITIVE_REACTIONS = frozenset({"love", "haha", "wow"})
SENTIMENT_SCALE = 1_000_000

# Summary count fields, in the order of the vectors built by ``counts_of``.
FIELDS = (
    "views",
    "likes",
    "comments",
    "shares",
    "reactions",
    "negative",
    "negative_comments",
    "negative_shares",
    "negative_reactions",
    "positive_reactions",
    "sentiment_count",
    "events",
)


def _fields_of_code(code: int) -> tuple[int, ...]:
    kind = code % 5
    negative = (code // NEGATIVE_BIT) % 2 == 1
    positive = (code // POSITIVE_BIT) % 2 == 1
    sentiment = code >= SENTIMENT_BIT
    out = [kind, 11]
    if negative:
        out.append(5)
        if kind in (2, 3, 4):
            out.append(kind + 4)
    if positive:
        out.append(9)
    if sentiment:
        out.append(10)
    return tuple(out)


def _possible(code: int) -> bool:
    kind = code % 5
    positive = (code // POSITIVE_BIT) % 2 == 1
    sentiment = code >= SENTIMENT_BIT
    return (kind == 4 or not positive) and (kind in (2, 3) or not sentiment)


_RAW = [code for code in range(N_RAW_CODES) if _possible(code)]
N_CODES = len(_RAW)  # 16 combinations can occur
SLOT = tuple(_RAW.index(code) if code in _RAW else -1 for code in range(N_RAW_CODES))
"""Compact accumulator slot of a raw class code (``event_code``'s first value)."""
_SLOT_FIELDS = tuple(_fields_of_code(code) for code in _RAW)


def event_code(
    etype: str, negative: bool, reaction: str | None, sentiment: float | None
) -> tuple[int, int]:
    """``(class code, sentiment in micro-units)`` of one event (0 when it carries no sentiment).

    >>> event_code("comment", True, None, -0.5)
    (27, -500000)
    >>> event_code("reaction", False, "love", None)
    (14, 0)
    """
    code = TYPE_CODE[etype]
    if negative:
        code += NEGATIVE_BIT
    if code % 5 == 4 and reaction in POSITIVE_REACTIONS:
        code += POSITIVE_BIT
    if sentiment is not None and (code % 5 == 2 or code % 5 == 3):
        return code + SENTIMENT_BIT, round(sentiment * SENTIMENT_SCALE)
    return code, 0


class Acc:
    """Running counts of one entity (or one post with one set of hashtags) in one bucket."""

    __slots__ = ("au", "author_events", "codes", "sentiment")

    def __init__(self) -> None:
        self.codes = [0] * N_CODES  # events per SLOT
        self.sentiment = 0
        self.au: SketchState = set()
        self.author_events = 0

    def counts(self) -> list[int]:
        """The totals of :data:`FIELDS`."""
        out = [0] * len(FIELDS)
        for code, n in enumerate(self.codes):
            if n:
                for field in _SLOT_FIELDS[code]:
                    out[field] += n
        return out

    def absorb(self, other: Acc) -> None:
        """Add ``other`` into this one (``other`` is left untouched)."""
        codes = self.codes
        for i, n in enumerate(other.codes):
            if n:
                codes[i] += n
        self.sentiment += other.sentiment
        self.author_events += other.author_events
        self.au = union_into(self.au, other.au)


Variants = dict[tuple[str, ...], Acc]


class BrandState:
    """Accumulators of one brand in one bucket: per post, one per distinct hashtag tuple.

    Only these are updated per event; the brand, post and hashtag levels are rolled up from
    them when the bucket closes (counts add up, author sketches unite exactly).
    """

    __slots__ = ("posts",)

    def __init__(self) -> None:
        self.posts: dict[str, Variants] = {}


Ranked = tuple[str, int, int]  # (id, negative, events)


def top(items: list[Ranked], n: int) -> list[Ranked]:
    """The ``n`` first by negative count, then events (descending), then id.

    >>> top([("a", 0, 9), ("b", 2, 1), ("c", 2, 5), ("d", 0, 9)], 3)
    [('c', 2, 5), ('b', 2, 1), ('a', 0, 9)]
    """
    return heapq.nsmallest(n, items, key=lambda x: (-x[1], -x[2], x[0]))


def summarise(
    acc: Acc,
    *,
    level: Level,
    entity: str,
    brand: str,
    start_ms: int,
    end_ms: int,
    top_posts: Sequence[Ranked] = (),
    top_hashtags: Sequence[Ranked] = (),
) -> BucketSummary:
    """Freeze an accumulator into the stage-1 -> stage-2 contract."""
    c = acc.counts()
    return BucketSummary(
        level=level,
        entity=entity,
        brand=brand,
        start_ms=start_ms,
        end_ms=end_ms,
        views=c[0],
        likes=c[1],
        comments=c[2],
        shares=c[3],
        reactions=c[4],
        negative=c[5],
        negative_comments=c[6],
        negative_shares=c[7],
        negative_reactions=c[8],
        positive_reactions=c[9],
        sentiment_sum=acc.sentiment / SENTIMENT_SCALE,
        sentiment_count=c[10],
        authors=estimate_state(acc.au),
        events=c[11],
        has_views=c[0] > 0,
        top_posts=[(i, neg) for i, neg, _ in top_posts],
        top_hashtags=[(i, neg) for i, neg, _ in top_hashtags],
        authors_sketch=to_bytes(acc.au),
        author_events=acc.author_events,
        top_posts_events=[ev for _, _, ev in top_posts],
        top_hashtags_events=[ev for _, _, ev in top_hashtags],
    )


def close_brand(
    brand: str, st: BrandState, start_ms: int, end_ms: int, top_n: int
) -> list[BucketSummary]:
    """Summaries of one brand in one bucket: the brand, its hashtags and its posts."""
    brand_acc = Acc()
    tag_accs: dict[str, Acc] = {}
    per_tag: dict[str, list[Ranked]] = {}
    posts: list[BucketSummary] = []
    post_rank: list[Ranked] = []
    for post_id, variants in st.posts.items():
        if len(variants) == 1:
            (post_acc,) = variants.values()
        else:
            post_acc = Acc()
            for acc in variants.values():
                post_acc.absorb(acc)
        post_tags: dict[str, list[int]] = {}
        for tags, acc in variants.items():
            if not tags:
                continue
            c = acc.counts()
            for tag in tags:
                tag_acc = tag_accs.get(tag)
                if tag_acc is None:
                    tag_acc = tag_accs[tag] = Acc()
                tag_acc.absorb(acc)
                ne = post_tags.setdefault(tag, [0, 0])
                ne[0] += c[5]
                ne[1] += c[11]
        tag_rank = [(tag, ne[0], ne[1]) for tag, ne in post_tags.items()]
        for tag, neg, ev in tag_rank:
            per_tag.setdefault(tag, []).append((post_id, neg, ev))
        brand_acc.absorb(post_acc)
        s = summarise(
            post_acc,
            level="post",
            entity=post_id,
            brand=brand,
            start_ms=start_ms,
            end_ms=end_ms,
            top_hashtags=top(tag_rank, top_n),
        )
        post_rank.append((post_id, s.negative, s.events))
        posts.append(s)
    tags_out: list[BucketSummary] = []
    tag_rank_all: list[Ranked] = []
    for tag, acc in tag_accs.items():
        s = summarise(
            acc,
            level="hashtag",
            entity=f"{brand}#{tag}",
            brand=brand,
            start_ms=start_ms,
            end_ms=end_ms,
            top_posts=top(per_tag.get(tag, []), top_n),
        )
        tag_rank_all.append((tag, s.negative, s.events))
        tags_out.append(s)
    head = summarise(
        brand_acc,
        level="brand",
        entity=brand,
        brand=brand,
        start_ms=start_ms,
        end_ms=end_ms,
        top_posts=top(post_rank, top_n),
        top_hashtags=top(tag_rank_all, top_n),
    )
    return [head, *tags_out, *posts]
