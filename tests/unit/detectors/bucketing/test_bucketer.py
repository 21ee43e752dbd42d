from __future__ import annotations

import random
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.contract.brand_bucket import merge_all
from detectors.contract.summary import BucketSummary
from detectors.ingest.events import Event
from tests.unit.detectors.bucketing.helpers import T0, add_one, make_bucketer, make_event

YEAR_MS = 365 * 86_400_000


@pytest.fixture
def event_factory():
    return make_event


@pytest.fixture
def bucketer_factory():
    return make_bucketer


def by_key(summaries: list[BucketSummary]) -> dict[tuple[int, str, str], BucketSummary]:
    return {(s.start_ms, s.level, s.entity): s for s in summaries}


def test_hand_computed_counts(event_factory, bucketer_factory) -> None:
    b = bucketer_factory()
    u1, u2 = "a" * 32, "b" * 32
    events = [
        event_factory(1, T0 + 1, type="view", user_hash=u1, hashtags=("fail", "tech")),
        event_factory(2, T0 + 2, type="like", user_hash=u1, hashtags=("fail", "tech")),
        event_factory(
            3,
            T0 + 3,
            type="comment",
            sentiment=-0.8,
            negative=True,
            user_hash=u2,
            hashtags=("fail", "tech"),
        ),
        event_factory(4, T0 + 4, type="comment", sentiment=0.5),
        event_factory(
            5, T0 + 5, type="share", sentiment=-0.4, negative=True, post_id="p2", hashtags=("fail",)
        ),
        event_factory(
            6,
            T0 + 6,
            type="reaction",
            reaction="angry",
            negative=True,
            post_id="p2",
            hashtags=("fail",),
        ),
        event_factory(
            7, T0 + 7, type="reaction", reaction="love", post_id="p2", hashtags=("fail",)
        ),
        event_factory(8, T0 + 8, type="like", brand="other", post_id="q1"),
    ]
    assert [add_one(b, e) for e in events] == ["accepted"] * 8
    out = by_key(b.flush())
    assert sorted(out) == sorted(
        [
            (T0, "brand", "acme"),
            (T0, "brand", "other"),
            (T0, "hashtag", "acme#fail"),
            (T0, "hashtag", "acme#tech"),
            (T0, "post", "p1"),
            (T0, "post", "p2"),
            (T0, "post", "q1"),
        ]
    )
    acme = out[(T0, "brand", "acme")]
    assert (acme.views, acme.likes, acme.comments, acme.shares, acme.reactions) == (1, 1, 2, 1, 2)
    assert (acme.negative, acme.negative_comments, acme.negative_shares) == (3, 1, 1)
    assert (acme.negative_reactions, acme.positive_reactions) == (1, 1)
    assert acme.sentiment_count == 3
    assert acme.sentiment_sum == pytest.approx(-0.7)
    assert (acme.events, acme.authors, acme.author_events, acme.has_views) == (7, 2, 3, True)
    assert (acme.start_ms, acme.end_ms) == (T0, T0 + 60_000)
    assert acme.top_posts == [("p2", 2), ("p1", 1)]
    assert acme.top_posts_events == [3, 4]
    assert acme.top_hashtags == [("fail", 3), ("tech", 1)]
    assert acme.top_hashtags_events == [6, 3]
    fail = out[(T0, "hashtag", "acme#fail")]
    assert (fail.brand, fail.events, fail.negative, fail.views) == ("acme", 6, 3, 1)
    assert fail.top_posts == [("p2", 2), ("p1", 1)] and fail.top_hashtags == []
    p1 = out[(T0, "post", "p1")]
    assert (p1.events, p1.comments, p1.sentiment_count, p1.authors) == (4, 2, 2, 2)
    assert p1.sentiment_sum == pytest.approx(-0.3)
    assert p1.top_hashtags == [("fail", 1), ("tech", 1)] and p1.top_posts == []
    p2 = out[(T0, "post", "p2")]
    assert (p2.has_views, p2.authors, p2.author_events, p2.reactions) == (False, 0, 0, 2)
    other = out[(T0, "brand", "other")]
    assert (other.likes, other.events, other.top_hashtags) == (1, 1, [])


def test_summaries_are_sorted_and_closed_by_the_watermark(event_factory, bucketer_factory) -> None:
    b = bucketer_factory(grace_ms=10_000)
    add_one(b, event_factory(1, T0 + 5_000, brand="zeta", post_id="z"))
    add_one(b, event_factory(2, T0 + 6_000, brand="acme", post_id="a"))
    add_one(b, event_factory(3, T0 + 65_000))
    assert b.advance() == []  # T0 bucket closes at T0 + 70 s
    add_one(b, event_factory(4, T0 + 70_000))
    closed = b.advance()
    assert [(s.start_ms, s.level, s.entity) for s in closed] == [
        (T0, "brand", "acme"),
        (T0, "brand", "zeta"),
        (T0, "post", "a"),
        (T0, "post", "z"),
    ]
    assert b.open_buckets == 1


def test_late_events_are_counted_and_never_mixed_in(event_factory, bucketer_factory) -> None:
    b = bucketer_factory(grace_ms=0)
    add_one(b, event_factory(1, T0))
    add_one(b, event_factory(2, T0 + 60_000))
    first = b.advance()
    assert add_one(b, event_factory(3, T0 + 10)) == "late"
    assert add_one(b, event_factory(4, T0 + 60_000 - 3_600_001)) == "too_old"
    rest = b.flush()
    assert b.counts == {"accepted": 2, "duplicate": 0, "late": 1, "future": 0, "too_old": 1}
    assert {s.start_ms for s in rest} == {T0 + 60_000}
    assert sum(s.events for s in first + rest if s.level == "brand") == 2
    assert add_one(b, event_factory(5, T0 + 60_001)) == "late"  # flushed buckets stay closed
    assert b.take_counts()["late"] == 2 and b.take_counts()["late"] == 0


def test_duplicates_are_dropped(event_factory, bucketer_factory) -> None:
    b = bucketer_factory()
    assert add_one(b, event_factory(1, T0)) == "accepted"
    assert add_one(b, event_factory(1, T0)) == "duplicate"
    assert add_one(b, event_factory(1, T0 + 5, type="view")) == "duplicate"
    (brand,) = [s for s in b.flush() if s.level == "brand"]
    assert brand.events == 1 and b.counts["duplicate"] == 2


def test_an_idle_shard_raised_again_and_again_before_any_event(
    event_factory, bucketer_factory
) -> None:
    b = bucketer_factory(bootstrap_events=5)
    for minute in range(1, 4):  # an idle shard's watermark raised with nothing ever held
        assert b.advance(T0 + minute * 60_000) == []
    assert b.watermark_ms == T0 + 3 * 60_000
    assert add_one(b, event_factory(1, T0 + 3 * 60_000 + 10)) == "accepted"  # no bootstrap left
    assert add_one(b, event_factory(2, T0 - 60_000)) == "late"


def test_duplicate_after_dedup_horizon_is_rejected_as_late(event_factory, bucketer_factory) -> None:
    b = bucketer_factory(dedup_horizon_ms=0)  # raised to size + grace internally
    add_one(b, event_factory(1, T0))
    for i in range(2, 200):
        add_one(b, event_factory(i, T0 + i * 1_000))
    assert add_one(b, event_factory(1, T0)) == "late"


def test_hostile_timestamps_keep_state_bounded(event_factory, bucketer_factory) -> None:
    b = bucketer_factory(bootstrap_events=5)
    rng = random.Random(7)
    for i in range(3_000):
        ts = T0 + i * 100
        if i % 10 == 0:
            ts = rng.choice([0, -(10**12), T0 + 50 * YEAR_MS, ts + rng.randrange(10**9), 2**62])
        add_one(b, event_factory(i, ts, post_id=f"p{i % 50}"))
        b.advance()
    assert b.open_buckets <= (30_000 + 300_000) // 60_000 + 2
    assert b.watermark_ms is not None and b.watermark_ms < T0 + 3_000 * 100 + 300_000
    total = sum(b.counts.values())
    assert total == 3_000 and b.counts["future"] + b.counts["too_old"] > 200
    assert b.state_size()["dedup_ids"] <= 3_000


def _events(draw_ts: list[int], seed: int) -> list[Event]:
    rng = random.Random(seed)
    users = [f"{i:032x}" for i in range(30)]
    out = []
    for i, ts in enumerate(draw_ts):
        etype = rng.choice(["view", "like", "comment", "share", "reaction"])
        out.append(
            make_event(
                i,
                ts,
                type=etype,
                brand=rng.choice(["a", "b"]),
                post_id=f"p{rng.randrange(6)}",
                hashtags=tuple(rng.sample(["x", "y", "z"], rng.randrange(3))),
                user_hash=rng.choice([*users, None]),
                sentiment=round(rng.uniform(-1, 1), 3) if etype in ("comment", "share") else None,
                reaction=rng.choice(["love", "angry"]) if etype == "reaction" else None,
                negative=rng.random() < 0.3,
            )
        )
    return out


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(0, 250_000), min_size=1, max_size=100),
    st.lists(st.integers(0, 30_000), min_size=100, max_size=100),
    st.integers(0, 10**6),
    st.integers(1, 7),
)
def test_out_of_order_within_grace_equals_sorted_input(
    offsets: list[int], delays: list[int], seed: int, bootstrap: int
) -> None:
    arrival, in_order = _delayed(offsets, delays, seed)
    kw = {"grace_ms": 30_000, "bootstrap_events": bootstrap}
    assert _run(arrival, **kw) == _run(in_order, **kw)


def _delayed(offsets: list[int], delays: list[int], seed: int) -> tuple[list[Event], list[Event]]:
    """The events in arrival order (event time + a delay of at most grace: never late; all
    within max_future) and in event-time order."""
    events = _events([T0 + o for o in offsets], seed)
    arrival = sorted(events, key=lambda e: (e.ts_ms + delays[int(e.event_id[1:])], e.event_id))
    return arrival, sorted(events, key=lambda e: (e.ts_ms, e.event_id))


def _run(seq: list[Event], **bucketer_kwargs: Any) -> list[BucketSummary]:
    """Every summary of ``seq`` fed one by one, advancing every 7 events, then flushed."""
    b = make_bucketer(**bucketer_kwargs)
    out: list[BucketSummary] = []
    for i, e in enumerate(seq):
        assert add_one(b, e) in ("accepted", "pending")
        if i % 7 == 0:
            out += b.advance()
    return out + b.flush()


def test_early_emission_then_an_amendment_within_grace(event_factory, bucketer_factory) -> None:
    b = bucketer_factory(grace_ms=30_000, emit_after_ms=1_000)
    add_one(b, event_factory(1, T0 + 5_000))
    add_one(b, event_factory(2, T0 + 61_000))  # the T0 bucket is emitted 1 s after its end
    first = b.advance()
    assert {(s.start_ms, s.level, s.revision, s.likes) for s in first} == {
        (T0, "brand", 0, 1),
        (T0, "post", 0, 1),
    }
    assert b.closed_before_ms == T0 + 60_000
    assert add_one(b, event_factory(3, T0 + 7_000)) == "accepted"  # 54 s late: within grace
    assert b.amended == 1 and T0 in b.open_starts
    assert b.advance() == []  # the amendment waits for the close (end + grace)
    add_one(b, event_factory(4, T0 + 90_000))
    amendment = b.advance()
    assert {(s.start_ms, s.level, s.revision, s.likes) for s in amendment} == {
        (T0, "brand", 1, 1),
        (T0, "post", 1, 1),
    }
    assert add_one(b, event_factory(5, T0 + 8_000)) == "late"  # beyond grace: dropped
    assert T0 not in b.open_starts


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 250_000), min_size=1, max_size=100),
    st.lists(st.integers(0, 30_000), min_size=100, max_size=100),
    st.integers(0, 10**6),
    st.sampled_from([0, 1_000, 10_000]),
)
def test_a_bucket_and_its_amendment_hold_every_event_within_grace(
    offsets: list[int], delays: list[int], seed: int, emit_after: int
) -> None:
    arrival, in_order = _delayed(offsets, delays, seed)
    early = _run(arrival, grace_ms=30_000, emit_after_ms=emit_after)
    assert all(s.revision in (0, 1) for s in early)
    # nothing lost, nothing twice (a bucket whose events all came late is emitted as its
    # amendment alone: revision 1 where the in-order run says 0, the same counts)
    on_time = [msgspec.structs.replace(s, revision=0) for s in merge_all(early)]
    assert on_time == merge_all(_run(in_order, grace_ms=30_000))
