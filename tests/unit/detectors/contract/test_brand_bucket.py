from __future__ import annotations

import random
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.contract.brand_bucket import BrandBucket, group_by_brand, merge_all, merge_summaries
from detectors.contract.summary import BucketSummary
from detectors.ingest.events import Event
from tests.unit.detectors.bucketing.helpers import T0, add_one, make_bucketer, make_event


def _events(n: int, seed: int) -> list[Event]:
    rng = random.Random(seed)
    users = [f"{rng.getrandbits(128):032x}" for _ in range(120)]
    tags = ["x", "y", "z", "w"]
    out = []
    for i in range(n):
        etype = rng.choice(["view", "like", "comment", "share", "reaction"])
        post = rng.randrange(12)  # a post belongs to one brand
        out.append(
            make_event(
                i,
                T0 + rng.randrange(0, 200_000),
                type=etype,
                brand="abc"[post % 3],
                post_id=f"p{post}",
                hashtags=tuple(rng.sample(tags, rng.randrange(4))),
                user_hash=rng.choice([*users, None]),
                sentiment=round(rng.uniform(-1, 1), 4) if etype in ("comment", "share") else None,
                reaction=rng.choice(["love", "angry", "wow"]) if etype == "reaction" else None,
                negative=rng.random() < 0.3,
            )
        )
    return sorted(out, key=lambda e: e.ts_ms)


def _bucket_all(events: list[Event]) -> list[BucketSummary]:
    b = make_bucketer(bootstrap_events=3)
    out: list[BucketSummary] = []
    for e in events:
        add_one(b, e)
        out += b.advance()
    return out + b.flush()


def _without_brand_top_hashtags(s: BucketSummary) -> BucketSummary:
    """Brand-level top hashtags are the one approximate merge (a tag spans shards)."""
    import msgspec

    if s.level != "brand":
        return s
    return msgspec.structs.replace(s, top_hashtags=[], top_hashtags_events=[])


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 300), st.integers(0, 10**6))
def test_merged_shards_equal_one_bucketer(n: int, seed: int) -> None:
    events = _events(n, seed)
    shards: list[list[Event]] = [[], [], [], []]
    for e in events:
        shards[zlib.crc32(e.post_id.encode()) % 4].append(e)
    single = _bucket_all(events)
    parts = [s for shard in shards for s in _bucket_all(shard)]
    merged = merge_all(parts)
    assert [_without_brand_top_hashtags(s) for s in merged] == [
        _without_brand_top_hashtags(s) for s in single
    ]
    # authors: sketches merge exactly
    assert [s.authors_sketch for s in merged] == [s.authors_sketch for s in single]
    # brand top hashtags: every listed count is a lower bound of the truth
    truth = {(s.start_ms, s.entity): s for s in single if s.level == "hashtag"}
    for s in merged:
        if s.level == "brand":
            for (tag, neg), ev in zip(s.top_hashtags, s.top_hashtags_events, strict=True):
                t = truth[(s.start_ms, f"{s.brand}#{tag}")]
                assert neg <= t.negative and ev <= t.events


def test_merge_is_commutative_and_associative() -> None:
    events = _events(300, 3)
    parts = [_bucket_all([e for e in events if int(e.post_id[1:]) // 3 % 3 == i]) for i in range(3)]
    key = (T0, "brand", "a")
    a, b, c = ({(s.start_ms, s.level, s.entity): s for s in p}[key] for p in parts)
    assert merge_summaries(a, b) == merge_summaries(b, a)
    assert merge_summaries(merge_summaries(a, b), c) == merge_summaries(a, merge_summaries(b, c))


def test_merging_different_entities_is_refused() -> None:
    x = BucketSummary(level="post", entity="p1", brand="a", start_ms=0, end_ms=60)
    y = BucketSummary(level="post", entity="p2", brand="a", start_ms=0, end_ms=60)
    with pytest.raises(ValueError, match="cannot merge"):
        merge_summaries(x, y)


def test_group_by_brand_makes_one_unit_per_brand_and_bucket() -> None:
    summaries = _bucket_all(_events(200, 5))
    groups = group_by_brand(summaries)
    assert [(g.start_ms, g.brand) for g in groups] == sorted((g.start_ms, g.brand) for g in groups)
    assert sum(len(g.summaries) for g in groups) == len(summaries)
    for g in groups:
        assert isinstance(g, BrandBucket)
        assert g.brand_summary is not None and g.summaries[0] is g.brand_summary
        assert all(s.brand == g.brand and s.start_ms == g.start_ms for s in g.summaries)
        brand = g.brand_summary
        assert brand.events == sum(s.events for s in g.summaries if s.level == "post")
