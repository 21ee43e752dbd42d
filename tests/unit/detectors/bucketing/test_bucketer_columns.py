"""The columnar bucketer against its definition: the rules applied one event at a time
(:class:`~tests.unit.detectors.bucketing.reference.SequentialBucketer`)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.bucketing.bucketer import OUTCOMES, Bucketer
from detectors.contract.config import WindowConfig
from detectors.ingest.columns import EventColumns
from detectors.ingest.events import Event
from tests.unit.detectors.bucketing.helpers import T0, make_bucketer, make_event
from tests.unit.detectors.bucketing.reference import SequentialBucketer

_TYPES = ("view", "like", "comment", "share", "reaction")
_REACTIONS = ("angry", "love", "sad", "wow", "other")


@st.composite
def events(draw: st.DrawFn, ids: int = 60) -> Event:
    etype = draw(st.sampled_from(_TYPES))
    sentiment = draw(st.none() | st.floats(-1, 1)) if etype in ("comment", "share") else None
    reaction = draw(st.sampled_from(_REACTIONS)) if etype == "reaction" else None
    negative = (sentiment is not None and sentiment <= -0.3) or reaction in ("angry", "sad")
    return make_event(
        draw(st.integers(0, ids)),  # repeated ids: duplicates
        T0 + draw(st.integers(-400_000, 900_000)),  # late, too old and future ones too
        type=etype,
        sentiment=sentiment,
        reaction=reaction,
        negative=negative,
        brand=draw(st.sampled_from(("acme", "globex"))),
        post_id=draw(st.sampled_from(("p1", "p2", "p3"))),
        hashtags=draw(st.sampled_from(((), ("fail",), ("fail", "tech"), ("tech", "tech")))),
        user_hash=draw(st.none() | st.sampled_from([f"{i * 7919:016x}" * 2 for i in range(90)])),
    )


def _reference(**kw: object) -> SequentialBucketer:
    b = make_bucketer(**kw)  # the same settings, read back from a real bucketer
    window = WindowConfig(
        size_ms=b.size_ms,
        grace_ms=b.grace_ms,
        max_future_ms=b._wm.max_future_ms,
        emit_after_ms=b._wm.emit_after_ms,
    )
    return SequentialBucketer(
        window,
        max_past_ms=b._wm.max_past_ms,
        dedup_horizon_ms=b._dedup.horizon_ms,
        bootstrap_events=b.bootstrap_events,
        dedup_max_size=b._dedup.max_size,
    )


def _run_one_by_one(bucketer: SequentialBucketer, chunks: list[list[Event]]) -> tuple[list, list]:
    out, outcomes = [], []
    for chunk in chunks:
        outcomes.extend(bucketer.add(e) for e in chunk)
        out.extend(bucketer.advance())
    return out + bucketer.flush(), outcomes


def _run_batched(bucketer: Bucketer, chunks: list[list[Event]]) -> tuple[list, list]:
    out, outcomes = [], []
    for chunk in chunks:
        outcomes.extend(OUTCOMES[i] for i in bucketer.add_columns(EventColumns.from_events(chunk)))
        out.extend(bucketer.advance())
    return out + bucketer.flush(), outcomes


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([60, 10**9]).flatmap(
        lambda ids: st.lists(events(ids), min_size=1, max_size=160)
    ),
    st.lists(st.integers(1, 40), min_size=1, max_size=10),
    st.booleans(),
    st.sampled_from([1, 5]),
    st.sampled_from([20, 10_000]),
    st.sampled_from([None, 0, 1_000]),
)
def test_add_columns_equals_one_event_at_a_time(
    evs: list[Event],
    cuts: list[int],
    in_order: bool,
    bootstrap: int,
    dedup_max: int,
    emit_after: int | None,
) -> None:
    if in_order:  # what the ingest releases: event-time order
        evs = sorted(evs, key=lambda e: e.ts_ms)
    chunks, at = [], 0
    for size in cuts * 20:
        if at >= len(evs):
            break
        chunks.append(evs[at : at + size])
        at += size
    kw = {"bootstrap_events": bootstrap, "dedup_max_size": dedup_max, "emit_after_ms": emit_after}
    ref, new = _reference(**kw), make_bucketer(**kw)
    want, want_outcomes = _run_one_by_one(ref, chunks)
    got, got_outcomes = _run_batched(new, chunks)
    assert got == want
    assert new.amended == ref.amended
    assert got_outcomes == want_outcomes
    assert new.counts == ref.counts
    assert new.watermark_ms == ref.wm.value
    assert len(new._dedup) == len(ref.dedup)


def test_sorted_new_rows_take_the_column_path(monkeypatch) -> None:
    b = make_bucketer()
    rows = [make_event(i, T0 + 1000 * i, user_hash=f"{i + 1:016x}" * 2) for i in range(50)]
    b.add_columns(EventColumns.from_events(rows[:1]))
    monkeypatch.setattr(Bucketer, "_add_one", lambda *a: (_ for _ in ()).throw(AssertionError))
    outcomes = b.add_columns(EventColumns.from_events(rows[1:]))
    assert [OUTCOMES[i] for i in outcomes] == ["accepted"] * 49
    (brand,) = [s for s in b.flush() if s.level == "brand"]
    assert (brand.likes, brand.authors, brand.author_events) == (50, 50, 50)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(events(10**9), min_size=1, max_size=160),
    st.lists(st.integers(1, 5), min_size=1, max_size=60),
    st.sampled_from([1, 5]),
    st.sampled_from([None, 0, 1_000]),
)
def test_add_messages_emits_as_advancing_after_every_message(
    evs: list[Event], sizes: list[int], bootstrap: int, emit_after: int | None
) -> None:
    """Messages of 1-5 events: advancing after every message (the definition) gives the same
    summaries, in the same groups, as :meth:`add_messages` (advancing only where one is due)."""
    kw = {"bootstrap_events": bootstrap, "emit_after_ms": emit_after}
    messages, at = [], 0
    for size in sizes * 40:
        if at >= len(evs):
            break
        messages.append(evs[at : at + size])
        at += size
    ref = _reference(**kw)
    want = []
    for message in messages:
        for e in message:
            ref.add(e)
        want.append(ref.advance())
    want = [group for group in want if group] + [ref.flush()]
    new = make_bucketer(**kw)
    rows = EventColumns.from_events([e for m in messages for e in m])
    rows.offset = np.repeat(np.arange(len(messages)), [len(m) for m in messages])
    got = [*new.add_messages(rows), new.flush()]
    assert got == want
    assert new.counts == ref.counts
