"""Dead-letter records for rejected input: pure functions, no Kafka (the ingest service sends them).

A record is JSON: ``{"reason", "error", "topic", "partition", "offset", "payload_b64"}`` plus
``"index"`` when the rejection is one item of a batch array (its ``payload_b64`` then holds only
that item), and ``"payload_bytes"`` / ``"payload_truncated"`` so an oversized payload can be cut
to keep the record under the broker's message size limit without hiding that it was cut. With a
``redact`` function (the ingest service passes
:func:`stream_app.stage1.redact.redact_user_ids`) raw user ids are replaced by their keyed hash
first and ``"user_ids_redacted"`` says how many.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import msgspec

from detectors.ingest.events import Rejection

DEFAULT_MAX_PAYLOAD_BYTES = 512 * 1024  # base64 grows it by 4/3: ~683 KiB, under Kafka's 1 MB

Redactor = Callable[[bytes], tuple[bytes, int]]

_encoder = msgspec.json.Encoder()


def dead_letter_record(
    rejection: Rejection,
    *,
    topic: str,
    partition: int,
    offset: int,
    payload: bytes,
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
    redact: Redactor | None = None,
) -> dict[str, Any]:
    """The dead-letter record of ``rejection`` for the message at topic/partition/offset.

    ``payload`` is the whole message; an item rejection carrying its own bytes uses those.

    >>> r = Rejection("missing_field", "missing required field 'brand'")
    >>> rec = dead_letter_record(r, topic="social.likes", partition=2, offset=41, payload=b"{}")
    >>> rec["reason"], rec["topic"], rec["partition"], rec["offset"], rec["payload_b64"]
    ('missing_field', 'social.likes', 2, 41, 'e30=')
    >>> "index" in rec
    False
    """
    if max_payload_bytes < 0:
        raise ValueError(f"max_payload_bytes must be >= 0, got {max_payload_bytes}")
    data = rejection.payload if rejection.payload is not None else payload
    redacted = 0
    if redact is not None:
        data, redacted = redact(data)
    kept = data[:max_payload_bytes]
    record: dict[str, Any] = {
        "reason": rejection.reason,
        "error": rejection.error,
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "payload_b64": base64.b64encode(kept).decode("ascii"),
        "payload_bytes": len(data),
        "payload_truncated": len(kept) < len(data),
    }
    if rejection.index is not None:
        record["index"] = rejection.index
    if redacted:
        record["user_ids_redacted"] = redacted
    return record


def encode_dead_letter(
    rejection: Rejection,
    *,
    topic: str,
    partition: int,
    offset: int,
    payload: bytes,
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
    redact: Redactor | None = None,
) -> bytes:
    """The dead-letter record as JSON bytes, ready to send.

    >>> r = Rejection("not_an_object", "expected a JSON object", index=1, payload=b"7")
    >>> value = encode_dead_letter(r, topic="t", partition=0, offset=5, payload=b"[{}, 7]")
    >>> rec = msgspec.json.decode(value)
    >>> rec["index"], base64.b64decode(rec["payload_b64"])
    (1, b'7')
    """
    record = dead_letter_record(
        rejection,
        topic=topic,
        partition=partition,
        offset=offset,
        payload=payload,
        max_payload_bytes=max_payload_bytes,
        redact=redact,
    )
    return _encoder.encode(record)


def dead_letter_key(topic: str, partition: int, offset: int, index: int | None = None) -> bytes:
    """A stable key for a dead letter: where the message was (and which item of a batch).

    >>> dead_letter_key("social.likes", 3, 1200, index=4)
    b'social.likes/3/1200/4'
    """
    where = f"{topic}/{partition}/{offset}"
    return (where if index is None else f"{where}/{index}").encode("utf-8")


def encode_dead_letters(
    rejections: list[Rejection],
    *,
    topic: str,
    partition: int,
    offset: int,
    payload: bytes,
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
    redact: Redactor | None = None,
) -> list[tuple[bytes, bytes]]:
    """``(key, value)`` pairs for every rejection of one message, in order."""
    return [
        (
            dead_letter_key(topic, partition, offset, r.index),
            encode_dead_letter(
                r,
                topic=topic,
                partition=partition,
                offset=offset,
                payload=payload,
                max_payload_bytes=max_payload_bytes,
                redact=redact,
            ),
        )
        for r in rejections
    ]
