"""Stage-2 assembly of per-shard partial buckets into complete brand buckets."""

from __future__ import annotations

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.contract.config import WindowConfig
from detectors.contract.summary import BucketSummary
from stream_app.bucket_messages import PartialBucket, ShardMark, decode, encode
from stream_app.stage2.assembler import Assembler


def partial_factory(shard: int, start: int, likes: int, brand: str = "acme") -> PartialBucket:
    summaries = [
        BucketSummary(
            level="brand", entity=brand, brand=brand, start_ms=start, end_ms=start + 60_000,
            likes=likes, events=likes,
        ),
        BucketSummary(
            level="post", entity=f"p{shard}", brand=brand, start_ms=start, end_ms=start + 60_000,
            likes=likes, events=likes,
        ),
    ]  # fmt: skip
    return PartialBucket(
        shard=shard, brand=brand, start_ms=start, end_ms=start + 60_000, summaries=summaries
    )


def test_messages_round_trip_through_json():
    for message in (
        partial_factory(1, 0, 3),
        ShardMark(shard=2, closed_ms=120_000),
        ShardMark(shard=2, closed_ms=120_000, busy=True),
    ):
        assert decode(encode(message)) == message


def test_bucket_completes_only_when_every_shard_passed_it():
    asm = Assembler(partition=0, shards=2, idle_after_s=100)
    asm.add_partial(partial_factory(0, 0, 3), token="t0")
    asm.add_mark(ShardMark(shard=0, closed_ms=60_000), now_s=0)
    assert asm.pop_complete(now_s=1) == []
    asm.add_partial(partial_factory(1, 0, 4), token="t1")
    asm.add_mark(ShardMark(shard=1, closed_ms=60_000), now_s=2)
    [([bucket], pending)] = asm.pop_complete(now_s=3)
    assert bucket.brand == "acme" and bucket.start_ms == 0
    assert bucket.summaries[0].level == "brand" and bucket.summaries[0].likes == 7
    assert [s.entity for s in bucket.summaries] == ["acme", "p0", "p1"]
    assert pending.tokens == ["t0", "t1"]
    assert asm.pop_complete(now_s=4) == []


def test_a_repeated_partial_of_the_same_shard_is_ignored():
    asm = Assembler(partition=0, shards=1, idle_after_s=100)
    asm.add_partial(partial_factory(0, 0, 3), token="a")
    asm.add_partial(partial_factory(0, 0, 3), token="b")
    asm.add_mark(ShardMark(shard=0, closed_ms=60_000), now_s=0)
    [([bucket], pending)] = asm.pop_complete(now_s=1)
    assert bucket.summaries[0].likes == 3
    assert pending.tokens == ["a", "b"]  # both messages are acknowledged once detected


def test_marks_never_move_backwards():
    asm = Assembler(partition=0, shards=1)
    asm.add_mark(ShardMark(shard=0, closed_ms=120_000), now_s=0)
    asm.add_mark(ShardMark(shard=0, closed_ms=60_000), now_s=1)
    assert asm.marks[0] == 120_000


def test_an_idle_shard_stops_holding_others_back():
    asm = Assembler(partition=0, shards=2, idle_after_s=5, idle_lag_ms=120_000)
    asm.add_mark(ShardMark(shard=1, closed_ms=60_000), now_s=0)
    asm.add_partial(partial_factory(0, 300_000, 2), token=None)
    asm.add_mark(ShardMark(shard=0, closed_ms=360_000), now_s=1)
    assert asm.pop_complete(now_s=2) == []  # shard 1 may still be catching up
    [([bucket], _)] = asm.pop_complete(now_s=10)  # shard 1 silent and far behind: idle
    assert bucket.start_ms == 300_000


def test_a_busy_shard_is_waited_for_however_long_its_mark_stays():
    asm = Assembler(partition=0, shards=2, idle_after_s=5, idle_lag_ms=120_000)
    asm.add_mark(ShardMark(shard=1, closed_ms=60_000, busy=True), now_s=0)  # a backlog to read
    asm.add_partial(partial_factory(0, 300_000, 2), token=None)
    asm.add_mark(ShardMark(shard=0, closed_ms=360_000), now_s=1)
    assert asm.pop_complete(now_s=1_000) == []  # long silent, far behind, but busy: waited for
    asm.add_mark(ShardMark(shard=1, closed_ms=60_000, busy=False), now_s=1_000)  # caught up
    assert asm.pop_complete(now_s=1_001) == []  # its mark moved recently: not idle yet
    [([bucket], _)] = asm.pop_complete(now_s=1_010)
    assert bucket.start_ms == 300_000 and asm.late_partials == 0


def test_late_partials_are_counted():
    asm = Assembler(partition=0, shards=1)
    asm.add_partial(partial_factory(0, 0, 1), token=None)
    asm.add_mark(ShardMark(shard=0, closed_ms=60_000), now_s=0)
    assert len(asm.pop_complete(now_s=0)) == 1
    asm.add_partial(partial_factory(0, 0, 1), token=None)
    assert asm.late_partials == 1


_OPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("partial"),
            st.integers(0, 2),
            st.integers(0, 6),
            st.sampled_from(["acme", "globex", "initech"]),
        ),
        st.tuples(st.just("mark"), st.integers(0, 2), st.integers(0, 8), st.just("")),
        st.tuples(st.just("pop"), st.just(0), st.just(0), st.just("")),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(ops=_OPS)
def test_pop_complete_returns_exactly_the_complete_buckets_in_order(ops):
    asm = Assembler(partition=0, shards=3, idle_after_s=1e9)
    for op, shard, n, brand in ops:
        if op == "partial":
            asm.add_partial(partial_factory(shard, n * 60_000, 1, brand))
        elif op == "mark":
            asm.add_mark(ShardMark(shard=shard, closed_ms=n * 60_000), now_s=0)
        else:
            through = asm.complete_through(0)
            due = {key for key, p in asm.pending.items() if p.end_ms <= through}
            got = [(b.start_ms, b.brand) for [b], _ in asm.pop_complete(0)]
            assert got == sorted(due)
            assert all(p.end_ms > through for p in asm.pending.values())


MINUTE = WindowConfig(size_ms=60_000)  # the partials' buckets; amendments final at 120 s


def test_an_amendment_never_joins_its_bucket_and_waits_until_final():
    # whether it arrives before or after its bucket completes, the bucket is the on-time
    # partials and the amendment follows once every shard passed end + grace
    for early in (True, False):
        asm = Assembler(partition=0, shards=2, idle_after_s=100, window=MINUTE)
        asm.add_partial(partial_factory(0, 0, 3), token="t0")
        late = msgspec.structs.replace(partial_factory(0, 0, 2), revision=1)
        if early:
            assert asm.add_partial(late, token="late") is None
            assert asm.add_partial(late, token="again") is None  # read twice: applied once
        asm.add_partial(partial_factory(1, 0, 4), token="t1")
        for shard in (0, 1):
            asm.add_mark(ShardMark(shard=shard, closed_ms=60_000), now_s=0)
        [([bucket], pending)] = asm.pop_complete(now_s=1)
        assert (bucket.revision, bucket.summaries[0].likes) == (0, 7)
        assert pending.tokens == ["t0", "t1"]
        if not early:
            assert asm.add_partial(late, token="late") is None
            assert asm.add_partial(late, token="again") is None
        asm.add_mark(ShardMark(shard=0, closed_ms=120_000), now_s=2)
        assert asm.pop_complete(now_s=2) == []  # shard 1 may still amend
        asm.add_mark(ShardMark(shard=1, closed_ms=120_000), now_s=2)
        [([amend], pending)] = asm.pop_complete(now_s=3)
        assert (amend.revision, amend.shard, amend.summaries[0].likes) == (1, 0, 2)
        assert pending.tokens == ["late", "again"]


def test_buckets_and_amendments_come_out_in_one_order_however_marks_advance():
    # bucket 60 s completes with mark 120 s, as the amendments of bucket 0: amendment first
    for steps in ([120_000], [60_000, 120_000], [60_000, 90_000, 120_000, 180_000]):
        asm = Assembler(partition=0, shards=1, idle_after_s=100, window=MINUTE)
        asm.add_partial(partial_factory(0, 0, 3))
        asm.add_partial(msgspec.structs.replace(partial_factory(0, 0, 2), revision=1))
        asm.add_partial(partial_factory(0, 60_000, 5))
        got = []
        for mark in steps:
            asm.add_mark(ShardMark(shard=0, closed_ms=mark), now_s=0)
            got += [(b.start_ms, b.revision) for bs, _ in asm.pop_complete(now_s=1) for b in bs]
        assert got == [(0, 0), (0, 1), (60_000, 0)]


def test_an_amendment_arriving_once_final_comes_back_with_the_next_pop():
    asm = Assembler(partition=0, shards=1, idle_after_s=100, window=MINUTE)
    asm.add_partial(partial_factory(0, 0, 3), token="t0")
    asm.add_mark(ShardMark(shard=0, closed_ms=120_000), now_s=0)
    assert len(asm.pop_complete(now_s=1)) == 1
    late = msgspec.structs.replace(partial_factory(0, 0, 2), revision=1)
    assert asm.add_partial(late, token="late") is None
    [([amendment], pending)] = asm.pop_complete(now_s=2)
    assert (amendment.revision, amendment.shard, amendment.start_ms) == (1, 0, 0)
    assert [s.likes for s in amendment.summaries] == [2, 2] and pending.tokens == ["late"]
    again = asm.add_partial(late, token="again")  # its amendments were handed back: at once
    assert again is not None and again.revision == 1
    assert asm.pending == {} and asm.amends == {} and asm.late_partials == 0


def test_a_bucket_of_amendments_only_comes_back_as_one_amendment_per_shard():
    # a restarted (or newly assigned) assembler: the on-time partials were detected and
    # committed before it started; only the two shards' late events of that bucket are read
    asm = Assembler(partition=0, shards=2, idle_after_s=100, window=MINUTE)
    late0 = msgspec.structs.replace(partial_factory(0, 0, 2), revision=1)
    late1 = msgspec.structs.replace(partial_factory(1, 0, 5), revision=1)
    for partial, token in ((late0, "a"), (late0, "again"), (late1, "b")):
        assert asm.add_partial(partial, token=token) is None  # not known as detected: it waits
    for shard in (0, 1):
        asm.add_mark(ShardMark(shard=shard, closed_ms=120_000), now_s=0)
    [(buckets, pending)] = asm.pop_complete(now_s=1)
    assert pending.amendments_only and pending.tokens == ["a", "again", "b"]
    assert [(b.revision, b.shard, b.start_ms) for b in buckets] == [(1, 0, 0), (1, 1, 0)]
    assert [[s.likes for s in b.summaries] for b in buckets] == [[2, 2], [5, 5]]  # not merged


def test_late_events_read_after_a_restart_amend_the_detected_bucket():
    from detectors.detect.state import NEG
    from tests.unit.detectors.detect.test_amend import amendment, warmed

    engine = warmed()  # its state, as restored from the changelog: bucket 59 detected
    before = engine.state["post:acme-p1"].window_sum(NEG)
    late = amendment(59, 7)
    partial = PartialBucket(
        shard=0, brand="acme", start_ms=late.start_ms, end_ms=late.end_ms,
        summaries=late.summaries, revision=1,
    )  # fmt: skip
    asm = Assembler(partition=0, shards=1, idle_after_s=100)  # the restarted worker's
    asm.add_partial(partial, token="late")
    asm.add_mark(ShardMark(shard=0, closed_ms=WindowConfig().amendments_final_at(late.start_ms)),
                 now_s=0)  # fmt: skip
    [(buckets, _)] = asm.pop_complete(now_s=1)
    for _twice in range(2):  # read again after another crash: applied once
        for bucket in buckets:
            engine.process(bucket)
    assert engine.state["post:acme-p1"].window_sum(NEG) == before + 7
