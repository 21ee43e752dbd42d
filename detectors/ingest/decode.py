"""Decoding a whole fetch of messages into one :class:`~detectors.ingest.columns.EventColumns`.

:class:`ColumnDecoder` gives the same events and the same rejections as
:meth:`EventDecoder.decode` called on each message, but validates and normalises the common case
in columns: each message is parsed by the typed msgspec decoder, the checks msgspec cannot
express run over arrays, and only the fields bucketing needs are kept. A message with anything
wrong in it takes :meth:`EventDecoder.decode` whole, so its rejections are word for word the same.

>>> dec = ColumnDecoder(user_id_salt="s")
>>> out = dec.decode_many([b'{"event_id":"a","type":"like","ts":1714564800000,"brand":"b",'
...                        b'"post_id":"p"}', b'{"event_id":"b"}', b'[1]'], offsets=[10, 11, 12])
>>> rows = out.columns
>>> rows.event_id, rows.offset.tolist(), [(pos, r[0].reason) for pos, r in out.rejections]
(['a'], [10], [(1, 'missing_field'), (2, 'not_an_object')])
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec
import numpy as np

from detectors.contract.event_codes import (
    NEGATIVE_BIT,
    POSITIVE_BIT,
    POSITIVE_REACTIONS,
    SENTIMENT_BIT,
    SENTIMENT_SCALE,
    TYPE_CODE,
)
from detectors.ingest.columns import EventColumns
from detectors.ingest.events import EPOCH, ONE_MS, DecodeResult, Event, EventDecoder, normalize_lang
from detectors.ingest.rejections import NEGATIVE_REACTIONS, Rejection
from detectors.ingest.wire import MAX_TS_MS, MIN_TS_MS, RawEvent

_COMMENT, _SHARE, _REACTION = TYPE_CODE["comment"], TYPE_CODE["share"], TYPE_CODE["reaction"]


class DecodedColumns(msgspec.Struct):
    """The valid events of many messages (in message order) and the rejections of each message
    that had any, as ``(position of the message, its rejections)``."""

    columns: EventColumns
    rejections: list[tuple[int, list[Rejection]]]


def reject_future(result: DecodeResult, horizon_ms: int) -> DecodeResult:
    """Move events stamped after ``horizon_ms`` (the wall clock plus allowed skew) to rejections.

    >>> ev = Event(event_id="e", type="like", ts_ms=5_000, brand="b", post_id="p")
    >>> reject_future(DecodeResult([ev], []), 4_000).rejections[0].reason
    'future_timestamp'
    """
    if not result.events or max(event.ts_ms for event in result.events) <= horizon_ms:
        return result
    batch = len(result.events) > 1 or bool(result.rejections)
    kept: list[Event] = []
    rejections = list(result.rejections)
    for index, event in enumerate(result.events):
        if event.ts_ms <= horizon_ms:
            kept.append(event)
            continue
        ahead_s = (event.ts_ms - horizon_ms) / 1000
        rejections.append(
            Rejection(
                "future_timestamp",
                f"ts is {ahead_s:.0f} s beyond the allowed clock skew "
                "(ingest.max_clock_skew_ms) ahead of the worker's clock",
                index if batch else None,
            )
        )
    return DecodeResult(events=kept, rejections=rejections)


def _ts_ms(value: datetime | int | float) -> int:
    """Epoch milliseconds of a decoded ``ts``, or -1 when outside the accepted range (or NaN)."""
    ts = (value - EPOCH) // ONE_MS if isinstance(value, datetime) else value
    if not MIN_TS_MS <= ts < MAX_TS_MS:
        return -1
    return ts if type(ts) is int else int(ts)


class ColumnDecoder(EventDecoder):
    """An :class:`EventDecoder` that also decodes many messages at once into columns."""

    def decode_many(
        self,
        payloads: Sequence[bytes | None],
        *,
        offsets: Sequence[int] | None = None,
        not_after_ms: int | None = None,
    ) -> DecodedColumns:
        """Decode messages (``offsets[i]`` is message ``i``'s offset; events stamped after
        ``not_after_ms`` are rejected as ``future_timestamp``). Never raises."""
        raws: list[RawEvent] = []
        slow: list[int] = []
        arrays: dict[int, int] = {}  # position -> items, for batch-array messages
        decode, append = self._fast.decode, raws.append
        limit = self.max_message_bytes
        for pos, payload in enumerate(payloads):
            if payload is None or len(payload) > limit or not payload.isascii():
                slow.append(pos)
                continue
            try:
                raw = decode(payload)
            except (msgspec.ValidationError, msgspec.DecodeError, RecursionError, UnicodeError):
                slow.append(pos)
                continue
            if type(raw) is RawEvent:
                append(raw)
            else:
                raws.extend(raw)
                arrays[pos] = len(raw)
        batch, bad = self._columns(raws, not_after_ms)
        if slow or arrays:
            items = np.ones(len(payloads), np.int64)
            items[slow] = 0
            items[list(arrays)] = list(arrays.values())
            msg = np.repeat(np.arange(len(payloads)), items)
        else:
            msg = np.arange(len(payloads))
        if bad.any():
            slow.extend(sorted(set(msg[bad].tolist())))
            keep = ~np.isin(msg, np.array(slow, np.int64))
            batch, msg = batch.take(np.nonzero(keep)[0]), msg[keep]
        rejections: list[tuple[int, list[Rejection]]] = []
        if slow:
            slow.sort()
            batch, msg = self._add_slow(payloads, slow, batch, msg, not_after_ms, rejections)
        pos_offsets = np.asarray(offsets if offsets is not None else range(len(payloads)))
        batch.offset = pos_offsets[msg].astype(np.int64) if len(msg) else msg
        return DecodedColumns(batch, rejections)

    def _add_slow(
        self,
        payloads: Sequence[bytes | None],
        slow: list[int],
        batch: EventColumns,
        msg: np.ndarray,
        not_after_ms: int | None,
        rejections: list[tuple[int, list[Rejection]]],
    ) -> tuple[EventColumns, np.ndarray]:
        """Decode the ``slow`` messages one by one; merge their events in message order."""
        parts, positions = [batch], [msg]
        for pos in slow:
            result = self.decode(payloads[pos])
            if not_after_ms is not None:
                result = reject_future(result, not_after_ms)
            if result.rejections:
                rejections.append((pos, result.rejections))
            if result.events:
                parts.append(EventColumns.from_events(result.events))
                positions.append(np.full(len(result.events), pos, np.int64))
        merged, where = EventColumns.concat(parts), np.concatenate(positions)
        order = np.argsort(where, kind="stable")
        return merged.take(order), where[order]

    def _columns(
        self, raws: list[RawEvent], not_after_ms: int | None
    ) -> tuple[EventColumns, np.ndarray]:
        """Columns of typed-decoded events and a mask of rows that need the slow path."""
        n = len(raws)
        ts_raw = [r.ts for r in raws]
        try:
            ts = np.array(ts_raw, np.int64)
        except (TypeError, OverflowError):  # RFC 3339 strings, floats or huge numbers present
            ts = np.array(
                [v if type(v) is int and MIN_TS_MS <= v < MAX_TS_MS else _ts_ms(v) for v in ts_raw],
                np.int64,
            )  # each _ts_ms(v): an int in range is itself
        bad = (ts < MIN_TS_MS) | (ts >= MAX_TS_MS)
        if not_after_ms is not None:
            bad |= ts > not_after_ms
        code = np.array([TYPE_CODE[r.type] for r in raws], np.int64)
        senti = np.zeros(n, np.int64)
        special = np.nonzero(code >= _COMMENT)[0].tolist()  # comments, shares, reactions
        threshold = self.negative_threshold
        for i in special:
            raw = raws[i]
            kind = int(code[i])
            if kind == _REACTION:
                reaction = raw.reaction
                if reaction is None:
                    bad[i] = True
                elif reaction in NEGATIVE_REACTIONS:
                    code[i] += NEGATIVE_BIT
                elif reaction in POSITIVE_REACTIONS:
                    code[i] += POSITIVE_BIT
                continue
            sentiment = raw.sentiment
            if sentiment is None and raw.text:
                sentiment = self._score(raw.text, normalize_lang(raw.lang))
            if sentiment is None:
                continue
            if sentiment <= threshold:
                code[i] += NEGATIVE_BIT
            code[i] += SENTIMENT_BIT
            senti[i] = round(sentiment * SENTIMENT_SCALE)
        norm_tags, authors = self._norm_tags, self._hash_user.authors
        batch = EventColumns(
            event_id=[r.event_id for r in raws],
            ts_ms=ts,
            code=code,
            senti=senti,
            brand=[r.brand for r in raws],
            post_id=[r.post_id for r in raws],
            hashtags=norm_tags.many([r.hashtags for r in raws]),
            author=authors([r.user_id for r in raws]),
        )
        return batch, bad
