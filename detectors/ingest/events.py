"""The input event contract: decoding, validation and normalisation of raw messages.

A message is one JSON event object or a JSON array of them (a batch). :class:`EventDecoder`
decodes it with a typed msgspec decoder in one C pass; only messages that fail take a slower
path that finds out why and which items of a batch are bad. Good items of a batch are kept.

>>> dec = EventDecoder(user_id_salt="s3cret")
>>> res = dec.decode(b'{"event_id": "e1", "type": "comment", "ts": "2024-05-01T12:00:00Z",'
...                  b' "brand": "acme", "post_id": "p1", "hashtags": ["#Fail", "fail"],'
...                  b' "user_id": "u42", "text": "what a scam, disgusting"}')
>>> ev = res.events[0]
>>> (ev.ts_ms, ev.hashtags, ev.negative, ev.text, len(ev.user_hash or ""))
(1714564800000, ('fail',), True, None, 32)
>>> dec.decode(b'[{"event_id": "e2"}, 7]').rejections[1].reason
'not_an_object'
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Annotated

import msgspec
from msgspec import Meta

from detectors.ingest import rejections as rj
from detectors.ingest.rejections import REJECT_REASONS, Rejection
from detectors.ingest.sentiment import LexiconSentimentScorer, SentimentScorer
from detectors.ingest.wire import (
    MAX_HASHTAGS,
    MAX_TS_MS,
    MIN_TS_MS,
    EventType,
    HashtagNormalizer,
    RawEvent,
    UserHasher,
    normalize_hashtags,
)

__all__ = [
    "MAX_HASHTAGS",
    "MAX_TS_MS",
    "MIN_TS_MS",
    "REJECT_REASONS",
    "DecodeResult",
    "Event",
    "EventDecoder",
    "EventType",
    "Rejection",
    "normalize_hashtags",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MS = timedelta(milliseconds=1)
_SCORED_TYPES = frozenset({"comment", "share"})


class Event(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A validated, normalised event. ``user_hash`` replaces the raw ``user_id``."""

    event_id: str
    type: EventType
    ts_ms: int
    brand: str
    post_id: str
    platform: str | None = None
    hashtags: tuple[str, ...] = ()
    user_hash: str | None = None
    lang: str | None = None
    sentiment: float | None = None
    reaction: str | None = None
    negative: bool = False
    text: str | None = None


class DecodeResult(msgspec.Struct):
    """Valid events of a message, in input order, and one rejection per bad message or item."""

    events: list[Event]
    rejections: list[Rejection]


class EventDecoder:
    """Decodes and validates raw input messages into :class:`Event` objects.

    Parameters
    ----------
    user_id_salt
        Key of the keyed BLAKE2b hash applied to ``user_id`` (raw ids are never kept).
    max_message_bytes
        Larger messages are rejected whole (``too_large``).
    max_batch_events
        Batch arrays with more items are rejected whole (``too_many_events``).
    negative_threshold
        A comment or share is negative when its sentiment is at or below this value.
    scorer
        Computes the sentiment of comment/share text without one (default: lexicon scorer).
    keep_text
        Keep ``text`` on the event (off by default: comment text stays out of alerts).
    max_hashtags
        Keep at most this many distinct hashtags per event.
    """

    def __init__(
        self,
        *,
        user_id_salt: str,
        max_message_bytes: int = 1_000_000,
        max_batch_events: int = 10_000,
        negative_threshold: float = -0.3,
        scorer: SentimentScorer | None = None,
        keep_text: bool = False,
        max_hashtags: int = MAX_HASHTAGS,
    ) -> None:
        if max_message_bytes < 1 or max_batch_events < 1 or max_hashtags < 1:
            raise ValueError("max_message_bytes, max_batch_events and max_hashtags must be >= 1")
        if not -1.0 <= negative_threshold <= 1.0:
            raise ValueError(f"negative_threshold must be in [-1, 1], got {negative_threshold}")
        self.max_message_bytes = max_message_bytes
        self.max_batch_events = max_batch_events
        self.negative_threshold = negative_threshold
        self.scorer: SentimentScorer = scorer if scorer is not None else LexiconSentimentScorer()
        self.keep_text = keep_text
        self.max_hashtags = max_hashtags
        batch = Annotated[list[RawEvent], Meta(max_length=max_batch_events)]
        self._fast = msgspec.json.Decoder(RawEvent | batch)
        self._one = msgspec.json.Decoder(RawEvent)
        self._split = msgspec.json.Decoder(
            Annotated[list[msgspec.Raw], Meta(max_length=max_batch_events)]
        )
        self._hash_user = UserHasher(user_id_salt)
        self._norm_tags = HashtagNormalizer(max_hashtags)

    def decode(self, payload: bytes | None) -> DecodeResult:
        """Decode one message: a JSON event object or a JSON array of them. Never raises."""
        if payload is None:  # a Kafka tombstone
            return _whole("invalid_json", "empty message (null value); expected a JSON event")
        size = len(payload)
        if size > self.max_message_bytes:
            return _whole(
                "too_large", f"message is {size} bytes, above the limit of "
                f"{self.max_message_bytes} (ingest.max_message_bytes)")  # fmt: skip
        if not payload.isascii():
            try:
                payload.decode("utf-8")
            except UnicodeDecodeError as exc:
                return _whole("invalid_utf8", f"message is not valid UTF-8: {exc.reason} "
                              f"at byte {exc.start}; JSON text must be UTF-8")  # fmt: skip
        try:
            raw = self._fast.decode(payload)
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError, UnicodeError):
            return self._diagnose(payload)
        if isinstance(raw, RawEvent):
            one = self._build(raw, None)
            return DecodeResult([one], []) if isinstance(one, Event) else DecodeResult([], [one])
        events: list[Event] = []
        bad: list[Rejection] = []
        build = self._build
        for i, item in enumerate(raw):
            built = build(item, i)
            if isinstance(built, Event):
                events.append(built)
            else:
                bad.append(built)
        if bad:
            bad = self._attach_items(payload, bad)
        return DecodeResult(events, bad)

    def _diagnose(self, payload: bytes) -> DecodeResult:
        """The slow path: find out why a message failed, item by item for a batch."""
        try:  # syntax first: a malformed message must say so, not "missing field"
            msgspec.json.decode(payload)
        except msgspec.ValidationError:  # e.g. a number out of range: classified per field below
            pass
        except msgspec.DecodeError as exc:
            return _whole("invalid_json", f"malformed JSON: {exc}")
        except RecursionError:
            return _whole("too_deep", "JSON nesting is too deep")
        except UnicodeError as exc:  # pragma: no cover - UTF-8 is checked before
            return _whole("invalid_utf8", f"message is not valid UTF-8: {exc}")
        try:
            items = self._split.decode(payload)
        except msgspec.ValidationError as exc:
            if "length <=" in str(exc):
                limit = self.max_batch_events
                return _whole(
                    "too_many_events",
                    f"batch array has more than {limit} items (ingest.max_batch_events)",
                )
            one = self._decode_item(payload, None)
            return DecodeResult([one], []) if isinstance(one, Event) else DecodeResult([], [one])
        except msgspec.DecodeError as exc:  # syntax after a number out of range, seen only now
            return _whole("invalid_json", f"malformed JSON: {exc}")
        except RecursionError:
            return _whole("too_deep", "JSON nesting is too deep")
        events: list[Event] = []
        bad: list[Rejection] = []
        for i, item in enumerate(items):
            built = self._decode_item(item, i)
            if isinstance(built, Event):
                events.append(built)
            else:
                bad.append(msgspec.structs.replace(built, payload=bytes(item)))
        return DecodeResult(events, bad)

    def _decode_item(self, item: bytes | msgspec.Raw, index: int | None) -> Event | Rejection:
        """Decode one event object, classifying any failure."""
        try:
            raw = self._one.decode(item)
        except msgspec.ValidationError as exc:
            return rj.from_validation_error(exc, index)
        except msgspec.DecodeError as exc:
            return rj.reject("invalid_json", f"malformed JSON: {exc}", index)
        except RecursionError:
            return rj.reject("too_deep", "JSON nesting is too deep", index)
        except UnicodeError as exc:  # pragma: no cover - UTF-8 is checked before
            return rj.reject("invalid_utf8", f"not valid UTF-8: {exc}", index)
        return self._build(raw, index)

    def _attach_items(self, payload: bytes, bad: list[Rejection]) -> list[Rejection]:
        """Give each rejected batch item its own bytes (for a compact dead letter)."""
        items = self._split.decode(payload)
        return [msgspec.structs.replace(r, payload=bytes(items[r.index or 0])) for r in bad]

    def _build(self, raw: RawEvent, index: int | None) -> Event | Rejection:
        """Checks msgspec cannot express, then normalisation into an :class:`Event`."""
        raw_ts = raw.ts
        ts = (raw_ts - EPOCH) // ONE_MS if isinstance(raw_ts, datetime) else raw_ts
        if not MIN_TS_MS <= ts < MAX_TS_MS:  # also false for NaN
            return _bad_ts(ts, index)
        etype = raw.type
        reaction = raw.reaction
        sentiment = raw.sentiment
        text = raw.text
        negative = False
        if etype == "reaction":
            if reaction is None:
                accepted = ", ".join(rj.REACTIONS)
                problem = (
                    f"missing required field 'reaction' for type reaction; accepted: {accepted}"
                )
                return rj.reject("missing_field", problem, index)
            negative = reaction in rj.NEGATIVE_REACTIONS
        else:
            reaction = None
        lang = normalize_lang(raw.lang)
        if etype in _SCORED_TYPES:
            if sentiment is None and text:
                sentiment = self._score(text, lang)
            negative = sentiment is not None and sentiment <= self.negative_threshold
        tags = raw.hashtags
        user_id = raw.user_id
        return Event(
            event_id=raw.event_id,
            type=etype,
            ts_ms=ts if type(ts) is int else int(ts),
            brand=raw.brand,
            post_id=raw.post_id,
            platform=raw.platform,
            hashtags=self._norm_tags(tags) if tags else (),
            user_hash=self._hash_user(user_id) if user_id else None,
            lang=lang,
            sentiment=sentiment,
            reaction=reaction,
            negative=negative,
            text=text if self.keep_text else None,
        )

    def _score(self, text: str, lang: str | None) -> float | None:
        """Scorer output, clamped to [-1, 1]; None (no sentiment) when the scorer returns None
        (e.g. a language it does not support) or a non-finite value."""
        raw = self.scorer.score(text, lang)
        if raw is None:
            return None
        s = float(raw)
        return max(-1.0, min(1.0, s)) if math.isfinite(s) else None


def normalize_lang(lang: str | None) -> str | None:
    """The primary language subtag, lower-cased (``"en_GB"`` -> ``"en"``; blank -> None)."""
    if lang is None:
        return None
    return lang.strip().lower().replace("_", "-").split("-", 1)[0] or None


def _whole(reason: str, error: str) -> DecodeResult:
    """A result rejecting the whole message."""
    return DecodeResult([], [rj.reject(reason, error)])


def _bad_ts(ts: float, index: int | None) -> Rejection:
    """The rejection of a timestamp outside the accepted range."""
    hint = ""
    if isinstance(ts, int | float) and 946_684_800 <= ts < 4_133_980_800:
        hint = " (this looks like epoch seconds; ts must be epoch milliseconds)"
    return rj.field_error("invalid_timestamp", "ts", f"{ts!r} is out of range{hint}", index)
