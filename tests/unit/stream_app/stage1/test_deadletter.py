"""Dead-letter records built from rejections and message locations."""

from __future__ import annotations

import base64
import json

import pytest

from detectors.ingest.events import EventDecoder, Rejection
from stream_app.stage1.deadletter import (
    DEFAULT_MAX_PAYLOAD_BYTES,
    dead_letter_key,
    dead_letter_record,
    encode_dead_letter,
    encode_dead_letters,
)

WHERE = {"topic": "social.comments", "partition": 3, "offset": 1207}


def test_whole_message_record() -> None:
    payload = b'{"event_id": "e1", "type": 5}'
    rejection = Rejection("unknown_type", "field 'type': ...")
    value = json.loads(encode_dead_letter(rejection, payload=payload, **WHERE))
    assert value == {
        "reason": "unknown_type",
        "error": "field 'type': ...",
        "topic": "social.comments",
        "partition": 3,
        "offset": 1207,
        "payload_b64": base64.b64encode(payload).decode(),
        "payload_bytes": len(payload),
        "payload_truncated": False,
    }


def test_batch_item_record_holds_only_the_item() -> None:
    payload = b'[{"event_id": "ok"}, 42]'
    rejection = Rejection("not_an_object", "expected a JSON object", index=1, payload=b"42")
    record = dead_letter_record(rejection, payload=payload, **WHERE)
    assert record["index"] == 1
    assert base64.b64decode(record["payload_b64"]) == b"42"
    assert record["payload_bytes"] == 2


def test_oversized_payload_is_cut_and_says_so() -> None:
    payload = b"x" * 5000
    rejection = Rejection("too_large", "message is 5000 bytes")
    record = dead_letter_record(rejection, payload=payload, max_payload_bytes=1000, **WHERE)
    assert base64.b64decode(record["payload_b64"]) == payload[:1000]
    assert record["payload_truncated"] is True and record["payload_bytes"] == 5000
    default = dead_letter_record(rejection, payload=b"y" * 2_000_000, **WHERE)
    assert len(default["payload_b64"]) < 1_000_000
    assert len(base64.b64decode(default["payload_b64"])) == DEFAULT_MAX_PAYLOAD_BYTES
    with pytest.raises(ValueError, match="max_payload_bytes"):
        dead_letter_record(rejection, payload=payload, max_payload_bytes=-1, **WHERE)


def test_binary_and_invalid_utf8_payloads_survive() -> None:
    payload = bytes(range(256))
    value = encode_dead_letter(Rejection("invalid_utf8", "not UTF-8"), payload=payload, **WHERE)
    assert base64.b64decode(json.loads(value)["payload_b64"]) == payload


def test_keys() -> None:
    assert dead_letter_key("social.likes", 0, 9) == b"social.likes/0/9"
    assert dead_letter_key("social.likes", 0, 9, index=2) == b"social.likes/0/9/2"


def test_records_for_every_rejection_of_a_decoded_batch() -> None:
    decoder = EventDecoder(user_id_salt="s")
    good = {"event_id": "a", "type": "like", "ts": 1_714_564_800_000, "brand": "b", "post_id": "p"}
    items = [good, {"event_id": "x"}, "junk"]
    payload = json.dumps(items).encode()
    result = decoder.decode(payload)
    pairs = encode_dead_letters(result.rejections, payload=payload, **WHERE)
    assert [key for key, _ in pairs] == [b"social.comments/3/1207/1", b"social.comments/3/1207/2"]
    records = [json.loads(value) for _, value in pairs]
    assert [r["reason"] for r in records] == ["missing_field", "not_an_object"]
    for record in records:
        item = json.loads(base64.b64decode(record["payload_b64"]))
        assert item == items[record["index"]]
        assert {"reason", "error", "topic", "partition", "offset", "payload_b64"} <= set(record)


def test_user_ids_are_replaced_by_their_keyed_hash() -> None:
    from detectors.ingest.wire import UserHasher
    from stream_app.stage1.redact import redact_user_ids

    hasher = UserHasher("salt-1")
    payload = b'[{"user_id": "alice", "ts": "x"}, {"user_id" :12345}, {"text": "user_id"}]'
    bad = Rejection("invalid_timestamp", "field 'ts' ...")
    record = dead_letter_record(
        bad, **WHERE, payload=payload, redact=lambda p: redact_user_ids(p, hasher)
    )
    kept = base64.b64decode(record["payload_b64"])
    assert b"alice" not in kept and b"12345" not in kept
    assert f'"redacted:{hasher("alice")}"'.encode() in kept
    assert f'"redacted:{hasher("12345")}"'.encode() in kept
    assert b'"text": "user_id"' in kept  # only user_id values are touched
    assert record["user_ids_redacted"] == 2
    assert "user_ids_redacted" not in dead_letter_record(bad, **WHERE, payload=b"{}")
