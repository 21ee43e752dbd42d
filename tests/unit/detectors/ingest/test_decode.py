"""``ColumnDecoder.decode_many`` against its definition: ``EventDecoder.decode`` on each message."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from detectors.ingest.columns import EventColumns
from detectors.ingest.decode import ColumnDecoder, reject_future
from detectors.ingest.events import Event
from tests.unit.detectors.ingest.event_samples import GOOD_TS_MS, make_event, to_payload
from tests.unit.detectors.ingest.test_events_fuzz import FUZZ, bad_items, good_events

DECODER = ColumnDecoder(user_id_salt="fuzz", max_batch_events=50, max_message_bytes=4_000)
NOT_AFTER = GOOD_TS_MS + 86_400_000

messages = st.one_of(
    good_events().map(to_payload),
    bad_items().map(to_payload),
    st.lists(st.one_of(good_events(), bad_items()), max_size=5).map(to_payload),
    st.binary(max_size=40),
    st.just(None),
    st.just(to_payload(make_event(ts=NOT_AFTER + 5_000))),  # beyond the clock skew
)


def _reference(payloads: list[bytes | None], horizon: int | None) -> tuple[list[Event], list]:
    events: list[Event] = []
    offsets: list[int] = []
    rejections = []
    for pos, payload in enumerate(payloads):
        result = DECODER.decode(payload)
        if horizon is not None:
            result = reject_future(result, horizon)
        events.extend(result.events)
        offsets.extend([100 + pos] * len(result.events))
        if result.rejections:
            rejections.append((pos, result.rejections))
    return EventColumns.from_events(events, offsets=offsets), rejections


def _columns(batch: EventColumns) -> dict[str, Any]:
    return {
        name: getattr(batch, name).tolist()
        if hasattr(getattr(batch, name), "tolist")
        else getattr(batch, name)
        for name in EventColumns.__slots__
    }


@FUZZ
@given(st.lists(messages, max_size=12), st.booleans())
def test_decode_many_equals_decode_on_each_message(
    payloads: list[bytes | None], with_horizon: bool
) -> None:
    horizon = NOT_AFTER if with_horizon else None
    want, want_rejections = _reference(payloads, horizon)
    got = DECODER.decode_many(
        payloads, offsets=[100 + i for i in range(len(payloads))], not_after_ms=horizon
    )
    assert _columns(got.columns) == _columns(want)
    assert got.rejections == want_rejections


def test_text_without_sentiment_is_scored_and_counts_as_negative() -> None:
    payload = to_payload(make_event(type="comment", text="what a scam, disgusting", lang="en-GB"))
    batch = DECODER.decode_many([payload]).columns
    (event,) = DECODER.decode(payload).events
    assert event.negative and event.sentiment is not None and event.sentiment < -0.3
    assert batch.code.tolist() == EventColumns.from_events([event]).code.tolist() == [27]


def test_text_the_scorer_leaves_unscored_carries_no_sentiment() -> None:
    payload = to_payload(make_event(type="comment", text="una estafa, qué vergüenza", lang="es"))
    batch = DECODER.decode_many([payload]).columns
    (event,) = DECODER.decode(payload).events
    assert event.sentiment is None and not event.negative
    assert batch.code.tolist() == EventColumns.from_events([event]).code.tolist()
    assert batch.senti.tolist() == [0]
