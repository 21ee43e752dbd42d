"""Per-(entity, bucket) accumulators of the bucketer and their conversion to ``BucketSummary``.

Each event updates one accumulator only: that of its post and hashtag tuple; brand, post and
hashtag levels are rolled up when the bucket closes. An event is reduced to one small integer
*class code* (type, negative, positive reaction, carries a sentiment) so that the update is a
single list increment (16 slots), expanded into the summary's fields at close. Sentiments are
summed as integer micro-units, so sums do not depend on arrival order (exact merges, replays).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress
from operator import add

import numpy as np

from detectors.contract.event_codes import (
    COMMENTS,
    EVENTS,
    FIELDS,
    LIKES,
    N_CODES,
    NEGATIVE,
    NEGATIVE_COMMENTS,
    NEGATIVE_REACTIONS,
    NEGATIVE_SHARES,
    POSITIVE_REACTIONS_FIELD,
    REACTIONS,
    SENTIMENT_COUNT,
    SENTIMENT_SCALE,
    SHARES,
    SLOT_FIELDS,
    VIEWS,
)
from detectors.contract.sketch import (
    SketchState,
    estimate_state,
    to_bytes,
    union_into,
)
from detectors.contract.summary import BucketSummary, Level, Ranked, top
from detectors.ingest.columns import EventColumns, pick


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
        codes = self.codes
        for n, fields in compress(zip(codes, SLOT_FIELDS, strict=True), codes):  # used slots
            for field in fields:
                out[field] += n
        return out

    def absorb(self, other: Acc) -> None:
        """Add ``other`` into this one (``other`` is left untouched)."""
        self.codes = list(map(add, self.codes, other.codes))
        self.sentiment += other.sentiment
        self.author_events += other.author_events
        self.au = union_into(self.au, other.au)


Variants = dict[tuple[str, ...], Acc]


class BrandAccumulators:
    """Accumulators of one brand in one bucket: per post, one per distinct hashtag tuple.

    Only these are updated per event; the brand, post and hashtag levels are rolled up from
    them when the bucket closes (counts add up, author sketches unite exactly).
    """

    __slots__ = ("posts",)

    def __init__(self) -> None:
        self.posts: dict[str, Variants] = {}


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
    counts: list[int] | None = None,
) -> BucketSummary:
    """Freeze an accumulator into the stage-1 -> stage-2 contract (``counts``: its
    :meth:`Acc.counts`, when already computed)."""
    c = acc.counts() if counts is None else counts
    au = acc.au
    return BucketSummary(
        level=level,
        entity=entity,
        brand=brand,
        start_ms=start_ms,
        end_ms=end_ms,
        views=c[VIEWS],
        likes=c[LIKES],
        comments=c[COMMENTS],
        shares=c[SHARES],
        reactions=c[REACTIONS],
        negative=c[NEGATIVE],
        negative_comments=c[NEGATIVE_COMMENTS],
        negative_shares=c[NEGATIVE_SHARES],
        negative_reactions=c[NEGATIVE_REACTIONS],
        positive_reactions=c[POSITIVE_REACTIONS_FIELD],
        sentiment_count=c[SENTIMENT_COUNT],
        events=c[EVENTS],
        sentiment_sum=acc.sentiment / SENTIMENT_SCALE,
        authors=len(au) if isinstance(au, set) else estimate_state(au),
        has_views=c[VIEWS] > 0,
        top_posts=[(i, neg) for i, neg, _ in top_posts] if top_posts else [],
        top_hashtags=[(i, neg) for i, neg, _ in top_hashtags] if top_hashtags else [],
        authors_sketch=to_bytes(au),
        author_events=acc.author_events,
        top_posts_events=[ev for _, _, ev in top_posts] if top_posts else [],
        top_hashtags_events=[ev for _, _, ev in top_hashtags] if top_hashtags else [],
    )


def close_brand(
    brand: str, st: BrandAccumulators, start_ms: int, end_ms: int, top_n: int
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
        post_counts = None
        for tags, acc in variants.items():
            if not tags:
                continue
            c = acc.counts()
            if acc is post_acc:
                post_counts = c
            for tag in tags:
                tag_acc = tag_accs.get(tag)
                if tag_acc is None:
                    tag_acc = tag_accs[tag] = Acc()
                tag_acc.absorb(acc)
                ne = post_tags.setdefault(tag, [0, 0])
                ne[0] += c[NEGATIVE]
                ne[1] += c[EVENTS]
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
            counts=post_counts,
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


Buckets = dict[int, dict[str, BrandAccumulators]]


def accumulator(buckets: Buckets, start: int, brand: str, post: str, tags: tuple[str, ...]) -> Acc:
    """The accumulator of one (bucket, brand, post, hashtag tuple), created on first use."""
    brands = buckets.get(start)
    if brands is None:
        brands = buckets[start] = {}
    st = brands.get(brand)
    if st is None:
        st = brands[brand] = BrandAccumulators()
    variants = st.posts.get(post)
    if variants is None:
        variants = st.posts[post] = {}
    acc = variants.get(tags)
    if acc is None:
        acc = variants[tags] = Acc()
    return acc


def accumulate(buckets: Buckets, batch: EventColumns, size_ms: int) -> None:
    """Count every row of ``batch`` (all accepted) into ``buckets``."""
    n = len(batch)
    if n == 0:
        return
    ts = batch.ts_ms
    starts = (ts - ts % size_ms).tolist()
    group_of: dict[tuple[int, str, str, tuple[str, ...]], int] = {}
    number = group_of.setdefault  # a new key gets the next group number
    keys = zip(starts, batch.brand, batch.post_id, batch.hashtags, strict=True)
    inv = np.array([number(key, len(group_of)) for key in keys], np.int64)
    n_groups = len(group_of)
    counts = np.bincount(inv * N_CODES + batch.slot, minlength=n_groups * N_CODES)
    rows = counts.reshape(n_groups, N_CODES).tolist()
    senti = batch.senti
    sums = None
    if senti.any():  # float64 sums of integers below 2**53 are exact
        sums = np.rint(np.bincount(inv, weights=senti, minlength=n_groups)).astype(np.int64)
    hashes = _author_sets(batch, inv, n_groups)
    for g, (start, brand, post, tags) in enumerate(group_of):
        acc = accumulator(buckets, start, brand, post, tags)
        acc.codes = list(map(add, acc.codes, rows[g]))
        if sums is not None:
            acc.sentiment += int(sums[g])
        found = hashes.get(g)
        if found is not None:
            acc.author_events += found[0]
            acc.au = union_into(acc.au, found[1])


def _author_sets(
    batch: EventColumns, inv: np.ndarray, n_groups: int
) -> dict[int, tuple[int, set[int]]]:
    """Per group with authors: (events that carried an author, the set of author hashes)."""
    column = batch.author
    rows = [i for i, h in enumerate(column) if h is not None]
    if not rows:
        return {}
    hashes: list[int] = pick(column, rows)  # type: ignore[arg-type]
    groups = inv[np.array(rows, np.int64)]
    if n_groups == 1:
        return {0: (len(hashes), set(hashes))}
    order = np.argsort(groups, kind="stable")
    ordered = [hashes[i] for i in order.tolist()]
    sizes = np.bincount(groups, minlength=n_groups).tolist()
    out: dict[int, tuple[int, set[int]]] = {}
    lo = 0
    for g, size in enumerate(sizes):
        if size:
            out[g] = (size, set(ordered[lo : lo + size]))
            lo += size
    return out
