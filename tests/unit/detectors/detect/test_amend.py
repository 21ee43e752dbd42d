"""Amendments: late events of an already scored bucket join its place in the rolling window."""

from __future__ import annotations

import msgspec

from detectors.contract.brand_bucket import BrandBucket
from detectors.detect.engine import DetectionEngine
from detectors.detect.state import NEG
from tests.unit.detectors.detect.test_engine import BUCKET, CFG, T0, WINDOW, buckets, summary


def amendment(bucket: int, neg: int, shard: int = 0, post: str = "acme-p1") -> BrandBucket:
    """Late negatives (with comments) on one post of acme, for bucket ``bucket``."""
    parts = [
        summary(level, entity, "acme", bucket, 0, neg, 0, neg)
        for level, entity in (("brand", "acme"), ("post", post))
    ]
    return BrandBucket(
        brand="acme",
        start_ms=T0 + bucket * BUCKET,
        end_ms=T0 + (bucket + 1) * BUCKET,
        summaries=[msgspec.structs.replace(s, revision=1) for s in parts],
        revision=1,
        shard=shard,
    )


def warmed(n: int = 60) -> DetectionEngine:
    engine = DetectionEngine(CFG, WINDOW)
    for batch in buckets("acme", n, seed=11):
        assert engine.process(batch) == []
    return engine


def test_an_amendment_joins_the_window_once_per_shard() -> None:
    engine = warmed()
    before = engine.state["post:acme-p1"].window_sum(NEG)
    brand_before = engine.state["brand:acme"].window_sum(NEG)
    engine.process(amendment(58, 7))  # two buckets back: still in the window
    assert engine.state["post:acme-p1"].window_sum(NEG) == before + 7
    assert engine.state["brand:acme"].window_sum(NEG) == brand_before + 7
    engine.process(amendment(58, 7))  # the same message read again: no effect
    assert engine.state["post:acme-p1"].window_sum(NEG) == before + 7
    engine.process(amendment(58, 3, shard=2))  # another shard's late events of that bucket
    assert engine.state["post:acme-p1"].window_sum(NEG) == before + 10
    engine.process(amendment(59 - WINDOW.window_buckets, 9))  # left the window: nothing to add to
    assert engine.state["post:acme-p1"].window_sum(NEG) == before + 10


def test_an_entity_first_seen_in_an_amendment_is_scored() -> None:
    engine = warmed()
    engine.process(amendment(59, 4, post="acme-new"))
    state = engine.state["post:acme-new"]
    assert (state.last_ms, state.n_buckets, state.window_sum(NEG)) == (T0 + 59 * BUCKET, 1, 4)
    assert "post:acme-new" not in engine.state["brand:acme"].book.open_keys


def test_an_amendment_of_an_unseen_bucket_is_that_bucket() -> None:
    on_time, late = warmed(), warmed()
    batch = next(b for i, b in enumerate(buckets("acme", 61, seed=11)) if i == 60)
    as_late = msgspec.structs.replace(
        batch,
        revision=1,
        summaries=[msgspec.structs.replace(s, revision=1) for s in batch.summaries],
    )
    assert on_time.process(batch) == late.process(as_late)
    for key in ("brand:acme", "post:acme-p1", "post:acme-p2"):
        assert on_time.state[key].ring == late.state[key].ring
    assert late.process(as_late) == []  # read again (at-least-once): counted once
    for key in ("brand:acme", "post:acme-p1", "post:acme-p2"):
        assert on_time.state[key].ring == late.state[key].ring


def test_a_pile_on_arriving_late_still_opens_a_crisis() -> None:
    engine = DetectionEngine(CFG, WINDOW)
    quiet = buckets("acme", 160, seed=2)  # on time: the usual traffic only
    opened = []
    for i, batch in enumerate(quiet):
        alerts = engine.process(batch)
        if 100 <= i < 130:  # the pile-on's negatives all arrive after their bucket was scored
            alerts += engine.process(amendment(i, 25))
        opened += [(i, a.entity) for a in alerts if a.kind == "crisis" and a.status == "open"]
    # on time it opens in buckets 100-102 (test_engine); late, once the window holds enough
    assert any(entity == "acme-p1" and 100 <= i <= 104 for i, entity in opened), opened
