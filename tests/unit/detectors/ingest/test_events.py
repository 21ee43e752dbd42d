"""The ingest edge: decoding, validation and normalisation of input messages.

Over 300 lines: the validation rules of the event contract, one section per rule; polarity and
memos are in test_event_polarity.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from detectors.ingest.events import (
    MAX_TS_MS,
    MIN_TS_MS,
    DecodeResult,
    EventDecoder,
)
from tests.unit.detectors.ingest.conftest import SALT, one_event, one_rejection
from tests.unit.detectors.ingest.event_samples import GOOD_TS_MS, make_event, to_payload, without

# --- valid events -------------------------------------------------------------------------------


def test_full_event_is_normalised(decode: Callable[[Any], DecodeResult]) -> None:
    ev = one_event(
        decode(
            make_event(
                type="comment",
                ts="2024-05-01T14:00:00.250+02:00",
                platform="tiktok",
                hashtags=["#Acme", "acme ", " #SALE", "", "#"],
                user_id="user-42",
                text="Love it",
                lang="en-US",
                sentiment=0.5,
                extra={"nested": [1, 2, {"x": None}]},
            )
        )
    )
    assert ev.event_id == "e-1"
    assert ev.type == "comment"
    assert ev.ts_ms == GOOD_TS_MS + 250
    assert (ev.brand, ev.post_id, ev.platform) == ("acme", "p-1", "tiktok")
    assert ev.hashtags == ("acme", "sale")
    assert ev.lang == "en"
    assert ev.sentiment == 0.5
    assert ev.negative is False
    assert ev.text is None  # privacy default


@pytest.mark.parametrize(
    ("ts", "expected"),
    [
        (GOOD_TS_MS, GOOD_TS_MS),
        (float(GOOD_TS_MS) + 0.9, GOOD_TS_MS),
        ("2024-05-01T12:00:00Z", GOOD_TS_MS),
        ("2024-05-01t12:00:00z", GOOD_TS_MS),
        ("2024-05-01 12:00:00+00:00", GOOD_TS_MS),
        ("2024-05-01T07:30:00-04:30", GOOD_TS_MS),
        ("2024-05-01T12:00:00.123456Z", GOOD_TS_MS + 123),
        ("2000-01-01T00:00:00Z", MIN_TS_MS),
        (MAX_TS_MS - 1, MAX_TS_MS - 1),
    ],
)
def test_timestamps_accepted(decode: Callable[[Any], DecodeResult], ts: Any, expected: int) -> None:
    assert one_event(decode(make_event(ts=ts))).ts_ms == expected


@pytest.mark.parametrize(
    "ts",
    [
        MIN_TS_MS - 1,
        MAX_TS_MS,
        "1999-12-31T23:59:59Z",
        "2101-01-01T00:00:00Z",
        "2024-05-01T12:00:00",  # no offset: not RFC 3339
        "2024-02-30T00:00:00Z",
        "yesterday",
        "1714564800000",
        True,
        None,
        [GOOD_TS_MS],
        -5,
        10**30,
        1e300,
    ],
)
def test_timestamps_rejected(decode: Callable[[Any], DecodeResult], ts: Any) -> None:
    rejection = one_rejection(decode(make_event(ts=ts)))
    assert rejection.reason == "invalid_timestamp"
    assert "'ts'" in rejection.error and "RFC 3339" in rejection.error


def test_epoch_seconds_get_a_hint(decode: Callable[[Any], DecodeResult]) -> None:
    rejection = one_rejection(decode(make_event(ts=GOOD_TS_MS // 1000)))
    assert "epoch seconds" in rejection.error


def test_user_id_is_hashed_with_the_salt(decoder_factory: Callable[..., EventDecoder]) -> None:
    payload = to_payload(make_event(user_id="raw-user-123"))
    ev = one_event(decoder_factory().decode(payload))
    expected = hashlib.blake2b(b"raw-user-123", key=SALT.encode(), digest_size=16).hexdigest()
    assert ev.user_hash == expected
    assert b"raw-user-123" not in msgspec.json.encode(ev)
    other = one_event(decoder_factory(user_id_salt="other").decode(payload))
    assert other.user_hash != expected and other.user_hash is not None
    again = one_event(decoder_factory().decode(payload))
    assert again.user_hash == expected


def test_long_salt_and_empty_user_id(decoder_factory: Callable[..., EventDecoder]) -> None:
    decoder = decoder_factory(user_id_salt="s" * 500)
    assert one_event(decoder.decode(to_payload(make_event(user_id="u")))).user_hash
    assert one_event(decoder.decode(to_payload(make_event(user_id="")))).user_hash is None
    assert one_event(decoder.decode(to_payload(make_event(user_id=None)))).user_hash is None


def test_empty_salt_is_refused() -> None:
    with pytest.raises(ValueError, match="user_id_salt"):
        EventDecoder(user_id_salt="")


def test_hashtags_bounded_and_deduplicated(decoder_factory: Callable[..., EventDecoder]) -> None:
    tags = [f"#Tag{i % 40}" for i in range(80)]
    ev = one_event(decoder_factory(max_hashtags=30).decode(to_payload(make_event(hashtags=tags))))
    assert ev.hashtags == tuple(f"tag{i}" for i in range(30))
    # repeated tag sets (memoised) give the same result
    ev2 = one_event(decoder_factory().decode(to_payload(make_event(hashtags=["#A", "a", "B"]))))
    assert ev2.hashtags == ("a", "b")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hashtags", ["x" * 101]),
        ("hashtags", ["a"] * 101),
        ("brand", "b" * 257),
        ("post_id", ""),
        ("event_id", ""),
        ("platform", "p" * 65),
        ("user_id", "u" * 257),
        ("text", "t" * 10_001),
        ("lang", "l" * 36),
        ("sentiment", 1.5),
        ("sentiment", -1.01),
        ("reaction", "furious"),
    ],
)
def test_invalid_values(decode: Callable[[Any], DecodeResult], field: str, value: Any) -> None:
    rejection = one_rejection(decode(make_event(**{field: value})))
    assert rejection.reason == "invalid_value"
    assert f"'{field}'" in rejection.error and "accepted" in rejection.error


def test_limits_are_inclusive(decode: Callable[[Any], DecodeResult]) -> None:
    ev = one_event(decode(make_event(brand="b" * 256, sentiment=-1.0, hashtags=["x" * 100])))
    assert len(ev.brand) == 256


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("brand", 5),
        ("event_id", None),
        ("post_id", ["p"]),
        ("type", 3),
        ("platform", {"name": "x"}),
        ("hashtags", "#one"),
        ("hashtags", ["ok", 1]),
        ("sentiment", "-0.5"),
        ("sentiment", True),
        ("text", 12),
        ("user_id", 42),
    ],
)
def test_wrong_types(decode: Callable[[Any], DecodeResult], field: str, value: Any) -> None:
    rejection = one_rejection(decode(make_event(**{field: value})))
    assert rejection.reason == "wrong_type"
    assert f"'{field}'" in rejection.error


@pytest.mark.parametrize("field", ["event_id", "type", "ts", "brand", "post_id"])
def test_missing_required_field(decode: Callable[[Any], DecodeResult], field: str) -> None:
    rejection = one_rejection(decode(without(make_event(), field)))
    assert rejection.reason == "missing_field"
    assert f"'{field}'" in rejection.error


def test_unknown_type(decode: Callable[[Any], DecodeResult]) -> None:
    rejection = one_rejection(decode(make_event(type="retweet")))
    assert rejection.reason == "unknown_type"
    assert "view, like, comment, share, reaction" in rejection.error


@pytest.mark.parametrize("payload", [b"1", b'"event"', b"null", b"true", b"3.5"])
def test_not_an_object(decode: Callable[[Any], DecodeResult], payload: bytes) -> None:
    assert one_rejection(decode(payload)).reason == "not_an_object"


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"{",
        b'{"event_id": "e"',
        b"{} trailing",
        b"{'single': 'quotes'}",
        b'{"event_id": "\\ud800"}',  # lone surrogate escape
        b'{"event_id": "a\x00b"}',  # raw control character
    ],
)
def test_malformed_json(decode: Callable[[Any], DecodeResult], payload: bytes) -> None:
    assert one_rejection(decode(payload)).reason == "invalid_json"


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
@pytest.mark.parametrize("field", [b"sentiment", b"ts"])
def test_nan_and_infinity_literals(
    decode: Callable[[Any], DecodeResult], literal: bytes, field: bytes
) -> None:
    payload = to_payload(without(make_event(), field.decode()))[:-1] + b', "%s": %s}' % (
        field,
        literal,
    )
    assert one_rejection(decode(payload)).reason == "invalid_json"


def test_overflowing_numbers(decode: Callable[[Any], DecodeResult]) -> None:
    payload = to_payload(make_event())[:-1] + b', "sentiment": 1e999}'
    assert one_rejection(decode(payload)).reason == "invalid_value"


@pytest.mark.parametrize(
    "payload",
    [
        b'{"event_id": "e\xff", "type": "like"}',
        to_payload(make_event())[:-1] + b', "junk": "\xc3\x28"}',  # in an ignored field too
        b"[" + to_payload(make_event()) + b', {"x": "\xed\xa0\x80"}]',  # encoded surrogate
    ],
)
def test_invalid_utf8(decode: Callable[[Any], DecodeResult], payload: bytes) -> None:
    rejection = one_rejection(decode(payload))
    assert rejection.reason == "invalid_utf8"
    assert rejection.index is None


def test_non_ascii_text_is_fine(decode: Callable[[Any], DecodeResult]) -> None:
    ev = one_event(decode(make_event(brand="Café Müller 😀", hashtags=["#Été"])))
    assert ev.brand == "Café Müller 😀" and ev.hashtags == ("été",)


def test_too_large(decoder_factory: Callable[..., EventDecoder]) -> None:
    payload = to_payload(make_event())
    exact = decoder_factory(max_message_bytes=len(payload))
    assert one_event(exact.decode(payload))
    small = decoder_factory(max_message_bytes=len(payload) - 1)
    rejection = one_rejection(small.decode(payload))
    assert rejection.reason == "too_large" and str(len(payload)) in rejection.error


def test_too_many_events(decoder_factory: Callable[..., EventDecoder]) -> None:
    decoder = decoder_factory(max_batch_events=3)
    ok = decoder.decode(to_payload([make_event(event_id=str(i)) for i in range(3)]))
    assert len(ok.events) == 3 and ok.rejections == []
    too_many = to_payload([make_event(event_id=str(i)) for i in range(4)])
    assert one_rejection(decoder.decode(too_many)).reason == "too_many_events"
    with_bad_item = to_payload([make_event(), 1, 2, 3])
    assert one_rejection(decoder.decode(with_bad_item)).reason == "too_many_events"


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_deep_nesting_is_rejected(decode: Callable[[Any], DecodeResult], depth: int) -> None:
    deep = b"[" * depth + b"]" * depth
    assert one_rejection(decode(deep)).reason == "too_deep"
    in_field = to_payload(make_event())[:-1] + b', "x": ' + deep + b"}"
    assert one_rejection(decode(in_field)).reason == "too_deep"
    in_batch = b"[" + to_payload(make_event()) + b", " + deep + b"]"
    assert one_rejection(decode(in_batch)).reason == "too_deep"


def test_moderate_nesting_in_unknown_field_is_ignored(
    decode: Callable[[Any], DecodeResult],
) -> None:
    nested = b'{"a": ' * 50 + b"1" + b"}" * 50
    assert one_event(decode(to_payload(make_event())[:-1] + b', "x": ' + nested + b"}"))


def test_batch_keeps_good_items_and_rejects_bad_ones(
    decode: Callable[[Any], DecodeResult],
) -> None:
    items: list[Any] = [
        make_event(event_id="a"),
        without(make_event(), "brand"),
        make_event(event_id="b", type="view"),
        7,
        make_event(ts="not a time"),
        make_event(type="reaction"),
        make_event(event_id="c", type="reaction", reaction="angry"),
        make_event(ts=1),  # passes msgspec, fails the range check
    ]
    result = decode(items)
    assert [e.event_id for e in result.events] == ["a", "b", "c"]
    reasons = [(r.index, r.reason) for r in result.rejections]
    assert reasons == [
        (1, "missing_field"),
        (3, "not_an_object"),
        (4, "invalid_timestamp"),
        (5, "missing_field"),
        (7, "invalid_timestamp"),
    ]
    for r in result.rejections:
        assert r.index is not None and r.payload is not None
        assert msgspec.json.decode(r.payload) == items[r.index]


def test_batch_with_only_post_decode_failures_carries_item_bytes(
    decode: Callable[[Any], DecodeResult],
) -> None:
    items = [make_event(event_id="ok"), make_event(ts=5)]
    result = decode(items)
    assert [e.event_id for e in result.events] == ["ok"]
    (rejection,) = result.rejections
    assert rejection.index == 1 and rejection.payload == to_payload(items[1])


def test_empty_batch(decode: Callable[[Any], DecodeResult]) -> None:
    assert decode(b"[]") == DecodeResult([], [])
    assert decode(b" [ ] ") == DecodeResult([], [])


def test_single_object_rejection_has_no_index(decode: Callable[[Any], DecodeResult]) -> None:
    rejection = one_rejection(decode(make_event(brand=1)))
    assert rejection.index is None and rejection.payload is None


def test_nested_array_item_is_not_an_object(decode: Callable[[Any], DecodeResult]) -> None:
    result = decode([[make_event()]])
    assert [(r.index, r.reason) for r in result.rejections] == [(0, "not_an_object")]


def test_unknown_fields_ignored(decode: Callable[[Any], DecodeResult]) -> None:
    ev = one_event(decode(make_event(views=12, meta={"a": [1, 2]}, Brand="other")))
    assert ev.brand == "acme"


def test_errors_are_bounded(decode: Callable[[Any], DecodeResult]) -> None:
    rejection = one_rejection(decode(make_event(type="x" * 5000)))
    assert rejection.reason == "unknown_type" and len(rejection.error) <= 400
