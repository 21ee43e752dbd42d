"""Adding a whole :class:`~detectors.event_batch.EventBatch` of accepted events to the bucketer's
accumulators: rows are grouped by (bucket, brand, post, hashtags) with numpy and each group
updates its accumulator once, giving exactly the state that adding them one by one gives."""

from __future__ import annotations

import numpy as np

from detectors.accumulate import N_CODES, Acc, BrandState
from detectors.event_batch import EventBatch, pick
from detectors.sketch import author_hash, register_of, union_into

Buckets = dict[int, dict[str, BrandState]]
AuthorCache = dict[str, tuple[int, int, int]]
AUTHOR_CACHE_MAX = 100_000


def author_of(cache: AuthorCache, user: str) -> tuple[int, int, int]:
    """``(hash, register, rank)`` of an author, memoised in ``cache`` (cleared when full)."""
    found = cache.get(user)
    if found is None:
        if len(cache) >= AUTHOR_CACHE_MAX:
            cache.clear()
        h = author_hash(user)
        found = cache[user] = (h, *register_of(h))
    return found


def accumulator(buckets: Buckets, start: int, brand: str, post: str, tags: tuple[str, ...]) -> Acc:
    """The accumulator of one (bucket, brand, post, hashtag tuple), created on first use."""
    brands = buckets.get(start)
    if brands is None:
        brands = buckets[start] = {}
    st = brands.get(brand)
    if st is None:
        st = brands[brand] = BrandState()
    variants = st.posts.get(post)
    if variants is None:
        variants = st.posts[post] = {}
    acc = variants.get(tags)
    if acc is None:
        acc = variants[tags] = Acc()
    return acc


def accumulate(buckets: Buckets, batch: EventBatch, size_ms: int) -> None:
    """Count every row of ``batch`` (all accepted) into ``buckets``."""
    n = len(batch)
    if n == 0:
        return
    ts = batch.ts_ms
    starts = (ts - ts % size_ms).tolist()
    group_of: dict[tuple[int, str, str, tuple[str, ...]], int] = {}
    add = group_of.setdefault  # a new key gets the next group number
    keys = zip(starts, batch.brand, batch.post_id, batch.hashtags, strict=True)
    inv = np.array([add(key, len(group_of)) for key in keys], np.int64)
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
        codes = acc.codes
        for slot, count in enumerate(rows[g]):
            if count:
                codes[slot] += count
        if sums is not None:
            acc.sentiment += int(sums[g])
        found = hashes.get(g)
        if found is not None:
            acc.author_events += found[0]
            acc.au = union_into(acc.au, found[1])


def _author_sets(
    batch: EventBatch, inv: np.ndarray, n_groups: int
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
