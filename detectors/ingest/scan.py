"""A light first look at raw messages: the post id and time of each event, for the offline
replay's first pass (:meth:`detectors.replay.Replay.prescan`).

It decodes only ``ts`` and ``post_id``; whatever else might be wrong with an event is not
checked, so it may list events the full decoder rejects (the first pass only needs a lower
bound of what is still to come). A message it cannot read so (a batch array, an odd value) goes
through the full decoder.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from detectors.ingest.decode import ColumnDecoder, _ts_ms


class _Timed(msgspec.Struct):
    ts: datetime | int | float
    post_id: str


_decode = msgspec.json.Decoder(_Timed).decode


def scan(
    decoder: ColumnDecoder, payloads: Sequence[bytes], first: int
) -> tuple[list[int], list[str], list[int]]:
    """Message numbers (``first`` + position), post ids and times of the events of
    ``payloads``, at least every event the full decoder accepts."""
    messages: list[int] = []
    posts: list[str] = []
    times: list[int] = []
    slow: list[int] = []
    for pos, payload in enumerate(payloads):
        try:
            event = _decode(payload)
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError, UnicodeError):
            slow.append(pos)
            continue
        ts = _ts_ms(event.ts)
        if ts >= 0:
            messages.append(first + pos)
            posts.append(event.post_id)
            times.append(ts)
    if slow:
        rows = decoder.decode_many([payloads[p] for p in slow], offsets=slow).columns
        messages += [first + p for p in rows.offset.tolist()]
        posts += rows.post_id
        times += rows.ts_ms.tolist()
    return messages, posts, times
