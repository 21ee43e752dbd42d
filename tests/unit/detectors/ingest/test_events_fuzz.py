"""Fuzzing the ingest edge: decode never raises, and every input item is accounted for exactly once.

Accounting rule: a message is either rejected whole (one rejection with ``index`` None, no events)
or every item of it ends up as exactly one event or one rejection carrying its index; every good
item is kept, in input order.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors.ingest.events import MAX_TS_MS, MIN_TS_MS, REJECT_REASONS, DecodeResult, EventDecoder
from detectors.ingest.rejections import EVENT_TYPES, REACTIONS
from tests.unit.detectors.ingest.event_samples import to_payload

DECODER = EventDecoder(user_id_salt="fuzz", max_batch_events=50)
SMALL = EventDecoder(user_id_salt="fuzz", max_message_bytes=2_000)
FUZZ = settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])

short_text = st.text(max_size=20)
id_text = st.text(min_size=1, max_size=30)
ts_ms = st.integers(MIN_TS_MS + 86_400_000, MAX_TS_MS - 86_400_000 - 1)


@st.composite
def timestamps(draw: st.DrawFn) -> Any:
    """A valid ``ts``: epoch ms (int or float) or RFC 3339 with some offset."""
    ms = draw(ts_ms)
    kind = draw(st.sampled_from(["int", "float", "utc", "offset"]))
    if kind == "int":
        return ms
    if kind == "float":
        return ms + draw(st.floats(0, 0.99))
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    if kind == "utc":
        return moment.isoformat().replace("+00:00", "Z")
    offset = timezone(timedelta(minutes=draw(st.integers(-23 * 60, 23 * 60))))
    return moment.astimezone(offset).isoformat()


@st.composite
def good_events(draw: st.DrawFn) -> dict[str, Any]:
    """A valid input event with a random selection of optional fields."""
    etype = draw(st.sampled_from(EVENT_TYPES))
    event: dict[str, Any] = {
        "event_id": draw(id_text),
        "type": etype,
        "ts": draw(timestamps()),
        "brand": draw(id_text),
        "post_id": draw(id_text),
    }
    optional = {
        "platform": st.none() | short_text,
        "hashtags": st.none() | st.lists(st.text(max_size=12), max_size=36),
        "user_id": st.none() | short_text,
        "text": st.none() | st.text(max_size=80),
        "lang": st.none() | st.sampled_from(["en", "fr", "de", "es", "en-GB", ""]),
        "sentiment": st.none() | st.floats(-1, 1),
        "unknown_field": st.integers() | short_text | st.lists(st.integers(), max_size=3),
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            event[name] = draw(strategy)
    if etype == "reaction":
        event["reaction"] = draw(st.sampled_from(REACTIONS))
    return event


WRONG_FOR_STRING = st.integers() | st.booleans() | st.lists(st.integers(), max_size=2)
WRONG_FOR_TS = (
    st.booleans()
    | st.none()
    | st.integers(max_value=MIN_TS_MS - 1)
    | st.integers(min_value=MAX_TS_MS)
    | st.sampled_from(["now", "2024-05-01", "2024-05-01T12:00:00", "1714564800000", ""])
)


@st.composite
def bad_items(draw: st.DrawFn) -> Any:
    """An item that must be rejected on its own without breaking the batch's JSON."""
    base = draw(good_events())
    mutation = draw(st.integers(0, 8))
    if mutation == 0:
        del base[draw(st.sampled_from(["event_id", "type", "ts", "brand", "post_id"]))]
    elif mutation == 1:
        base[draw(st.sampled_from(["event_id", "brand", "post_id"]))] = draw(
            WRONG_FOR_STRING | st.none() | st.just("")
        )
    elif mutation == 2:
        base["ts"] = draw(WRONG_FOR_TS)
    elif mutation == 3:
        base["type"] = draw(st.text(max_size=10).filter(lambda t: t not in EVENT_TYPES))
    elif mutation == 4:
        base[draw(st.sampled_from(["brand", "post_id", "event_id"]))] = "x" * 257
    elif mutation == 5:
        base["sentiment"] = draw(
            st.floats(1.0001, 1e300) | st.floats(-1e300, -1.0001) | st.text(max_size=3)
        )
    elif mutation == 6:
        base.update(type="reaction", reaction=draw(st.none() | st.sampled_from(["meh", "LOVE"])))
    elif mutation == 7:
        base["hashtags"] = draw(st.integers() | st.lists(st.integers(), min_size=1, max_size=3))
    else:
        return draw(st.none() | st.integers() | st.text(max_size=10) | st.lists(st.none()))
    return base


def check_accounting(result: DecodeResult, good_ids: list[str], bad_indices: list[int]) -> None:
    """Good items kept in order; each bad item rejected once with its index."""
    assert [e.event_id for e in result.events] == good_ids
    assert [r.index for r in result.rejections] == bad_indices
    for rejection in result.rejections:
        assert rejection.reason in REJECT_REASONS
        assert rejection.error
        assert rejection.payload is not None


def check_sane(result: DecodeResult) -> None:
    """Invariants for any input: bounded reasons; whole-message rejections stand alone."""
    for rejection in result.rejections:
        assert rejection.reason in REJECT_REASONS
        assert rejection.error and len(rejection.error) <= 400
    whole = [r for r in result.rejections if r.index is None]
    if whole:
        assert len(result.rejections) == 1 and result.events == []


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(payload: bytes) -> None:
    check_sane(DECODER.decode(payload))


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)


@FUZZ
@given(json_values)
def test_arbitrary_json_never_raises(value: Any) -> None:
    result = DECODER.decode(json.dumps(value).encode())
    check_sane(result)
    if isinstance(value, list) and len(value) <= 50:
        assert len(result.events) + len(result.rejections) == len(value)
    else:
        assert len(result.events) + len(result.rejections) == 1


tagged_items = st.lists(
    good_events().map(lambda e: (True, e)) | bad_items().map(lambda b: (False, b)), max_size=8
)


@settings(FUZZ, max_examples=100)
@given(tagged_items)
def test_batches_mixing_good_and_bad_items(tagged: list[tuple[bool, Any]]) -> None:
    items = [item for _, item in tagged]
    good_ids = [item["event_id"] for good, item in tagged if good]
    bad_indices = [i for i, (good, _) in enumerate(tagged) if not good]
    result = DECODER.decode(to_payload(items))
    check_accounting(result, good_ids, bad_indices)


@FUZZ
@given(good_events() | bad_items().filter(lambda b: not isinstance(b, list)))
def test_single_events(item: Any) -> None:
    result = DECODER.decode(to_payload(item))
    check_sane(result)
    assert len(result.events) + len(result.rejections) == 1


@FUZZ
@given(good_events())
def test_good_events_round_trip(event: dict[str, Any]) -> None:
    result = DECODER.decode(to_payload(event))
    assert result.rejections == []
    (decoded,) = result.events
    assert decoded.event_id == event["event_id"] and decoded.brand == event["brand"]
    assert MIN_TS_MS <= decoded.ts_ms < MAX_TS_MS
    assert all(t and t == t.lower() and not t.startswith("#") for t in decoded.hashtags)
    assert len(set(decoded.hashtags)) == len(decoded.hashtags) <= 30
    assert decoded.sentiment is None or -1.0 <= decoded.sentiment <= 1.0
    assert decoded.text is None


@settings(FUZZ, max_examples=40)
@given(st.lists(good_events(), min_size=1, max_size=15))
def test_oversized_payloads_rejected_whole(events: list[dict[str, Any]]) -> None:
    payload = to_payload(events)
    result = SMALL.decode(payload)
    if len(payload) > 2_000:
        assert [r.reason for r in result.rejections] == ["too_large"]
        assert result.events == []
    else:
        check_accounting(result, [e["event_id"] for e in events], [])


@FUZZ
@given(st.integers(1, 3_000), st.sampled_from(["[", '{"k":']), good_events())
def test_deep_nesting(depth: int, opener: str, event: dict[str, Any]) -> None:
    closer = "]" if opener == "[" else "}"
    nested = (opener * depth + "1" + closer * depth).encode()
    payload = to_payload(event)[:-1] + b', "deep": ' + nested + b"}"
    result = DECODER.decode(payload)
    check_sane(result)
    if result.rejections:
        assert result.rejections[0].reason == "too_deep" and depth > 100
    else:
        assert [e.event_id for e in result.events] == [event["event_id"]]


@FUZZ
@given(st.lists(good_events(), max_size=5), st.binary(min_size=1, max_size=20))
def test_corrupted_batches(events: list[dict[str, Any]], junk: bytes) -> None:
    payload = to_payload(events)
    cut = len(payload) // 2
    result = DECODER.decode(payload[:cut] + junk + payload[cut:])
    check_sane(result)


def test_number_out_of_range_before_a_syntax_error_is_invalid_json() -> None:
    # found by test_corrupted_batches: the untyped parse stops at the number (a validation
    # error), the item split then meets the syntax error; decode must not raise
    result = DECODER.decode(b'[{"event_id": "0", "ts": 1E400}, {"b": 1 2}]')
    assert result.events == []
    assert [(r.reason, r.index) for r in result.rejections] == [("invalid_json", None)]
