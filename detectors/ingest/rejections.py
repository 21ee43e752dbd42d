"""Why an input message or event was rejected: a bounded set of reason codes and clear messages.

``reason`` values are a closed set (:data:`REJECT_REASONS`) so they can be metric labels;
``error`` is a human message naming the field and what is accepted.
"""

from __future__ import annotations

import re

import msgspec

REJECT_REASONS: tuple[str, ...] = (
    "too_large",  # the message exceeds the configured byte limit
    "invalid_utf8",  # the message is not valid UTF-8 (JSON text must be)
    "invalid_json",  # malformed JSON (including NaN/Infinity literals, lone surrogates)
    "too_deep",  # nesting deeper than the decoder's recursion bound
    "too_many_events",  # a batch array with more items than the configured limit
    "not_an_object",  # the message or a batch item is not a JSON object
    "missing_field",  # a required field is absent
    "wrong_type",  # a field has the wrong JSON type
    "invalid_value",  # a field has the right type but a value outside what is accepted
    "unknown_type",  # ``type`` is not one of the event types
    "invalid_timestamp",  # ``ts`` unparsable or outside 2000-01-01 .. 2100-12-31
    "future_timestamp",  # ``ts`` ahead of the ingesting worker's clock by more than allowed
)

REQUIRED_FIELDS: tuple[str, ...] = ("event_id", "type", "ts", "brand", "post_id")
EVENT_TYPES: tuple[str, ...] = ("view", "like", "comment", "share", "reaction")
NEGATIVE_REACTIONS: frozenset[str] = frozenset(
    {"angry", "sad", "dislike", "report", "hide", "unfollow"}
)
REACTIONS: tuple[str, ...] = (
    "angry", "sad", "dislike", "report", "hide", "unfollow", "love", "haha", "wow",
)  # fmt: skip

MAX_ID_CHARS = 256
MAX_PLATFORM_CHARS = 64
MAX_LANG_CHARS = 35
MAX_TEXT_CHARS = 10_000
MAX_HASHTAGS_IN = 100
MAX_HASHTAG_CHARS = 100
MAX_ERROR_CHARS = 400

_ID = f"a non-empty string of at most {MAX_ID_CHARS} characters"
ACCEPTED: dict[str, str] = {
    "event_id": _ID,
    "type": "one of " + ", ".join(EVENT_TYPES),
    "ts": (
        "an RFC 3339 date-time with a UTC offset (e.g. 2024-05-01T12:00:00Z) or epoch "
        "milliseconds (an integer, or a finite number), between 2000-01-01 and 2100-12-31 UTC"
    ),
    "brand": _ID,
    "post_id": _ID,
    "platform": f"a string of at most {MAX_PLATFORM_CHARS} characters, or null",
    "hashtags": (
        f"a list of at most {MAX_HASHTAGS_IN} strings of at most {MAX_HASHTAG_CHARS} "
        "characters each, or null"
    ),
    "user_id": f"a string of at most {MAX_ID_CHARS} characters, or null",
    "text": f"a string of at most {MAX_TEXT_CHARS} characters, or null",
    "lang": f"an ISO 639-1 code (a string of at most {MAX_LANG_CHARS} characters), or null",
    "sentiment": "a number between -1 and 1, or null",
    "reaction": "one of " + ", ".join(REACTIONS) + " (required when type is reaction)",
}

_PATH_RE = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_FIELD_RE = re.compile(r"^(?:\[\d+\])?\.(?P<field>\w+)")
_MISSING_RE = re.compile(r"^Object missing required field `(?P<field>\w+)`")


class Rejection(msgspec.Struct, frozen=True):
    """Why a message, or the item at ``index`` of a batch array, was rejected.

    ``payload`` holds the item's own JSON bytes for an item of a batch (so a dead letter need
    not repeat the whole batch); None means the rejection covers the whole message.
    """

    reason: str
    error: str
    index: int | None = None
    payload: bytes | None = None


def reject(reason: str, error: str, index: int | None = None) -> Rejection:
    """Build a :class:`Rejection`, bounding the message length.

    >>> reject("missing_field", "missing required field 'brand'").reason
    'missing_field'
    """
    if len(error) > MAX_ERROR_CHARS:
        error = error[: MAX_ERROR_CHARS - 3] + "..."
    return Rejection(reason, error, index)


def field_error(reason: str, field: str, problem: str, index: int | None = None) -> Rejection:
    """A rejection naming ``field``, the problem and what the field accepts."""
    accepted = ACCEPTED.get(field)
    suffix = f"; accepted: {accepted}" if accepted else ""
    return reject(reason, f"field '{field}': {problem}{suffix}", index)


def from_validation_error(err: msgspec.ValidationError, index: int | None) -> Rejection:
    """Classify a msgspec validation error of one event object into a reason and message.

    >>> err = msgspec.ValidationError("Expected `str`, got `int` - at `$.brand`")
    >>> r = from_validation_error(err, 3)
    >>> (r.reason, r.index)
    ('wrong_type', 3)
    >>> print(r.error)  # doctest: +NORMALIZE_WHITESPACE
    field 'brand': expected `str`, got `int`;
    accepted: a non-empty string of at most 256 characters
    """
    text = str(err)
    m = _PATH_RE.match(text)
    msg, path = (m["msg"], m["path"]) if m else (text, None)
    missing = _MISSING_RE.match(msg)
    if missing:
        name = missing["field"]
        required = ", ".join(REQUIRED_FIELDS)
        return reject(
            "missing_field", f"missing required field '{name}' (required: {required})", index
        )
    fm = _FIELD_RE.match(path) if path else None
    if fm is None:
        if msg.startswith("Expected `object"):
            got = msg.rsplit("got ", 1)[-1]
            return reject("not_an_object", f"expected a JSON object (an event), got {got}", index)
        return reject("invalid_value", msg, index)
    field = fm["field"]
    problem = msg[:1].lower() + msg[1:]
    if field == "ts":
        return field_error("invalid_timestamp", field, problem, index)
    if msg.startswith("Invalid enum value"):
        return field_error("unknown_type" if field == "type" else "invalid_value", field,
                           problem, index)  # fmt: skip
    if ", got `" in msg:
        return field_error("wrong_type", field, problem, index)
    return field_error("invalid_value", field, problem, index)
